/**
 * Where each audit setting comes from: a command-line flag beats the policy file, which beats the
 * built-in default. Lists replace rather than append, so what you pass is exactly what is used.
 */
import { UsageError } from '../errors.js';
import { escapeControl } from '../text/escape.js';
import type { AuditSettings } from '../types.js';
import { firstBadCidr, firstBadHostGlob } from './check.js';
import { meshRangeText } from './ip.js';
import { DNS_NAME } from './schema.js';
import type { Policy } from './types.js';

/** The settings flags of `audit` and `watch`, as commander hands them over (empty/null = not given). */
export interface SettingFlags {
  meshCidr: string[];
  clusterDomain: string | null;
  gatewayHost: string[];
}

function checkFlags(flags: SettingFlags): void {
  const bad = firstBadCidr(flags.meshCidr);
  if (bad !== null) throw new UsageError(`--mesh-cidr: "${escapeControl(bad.cidr)}" ${bad.problem}`);
  const glob = firstBadHostGlob(flags.gatewayHost);
  if (glob !== null) {
    throw new UsageError(`--gateway-host: "${escapeControl(glob)}" is not a host glob (letters, digits, ".", "-", "_", "*", "?")`);
  }
  if (flags.clusterDomain !== null && !new RegExp(DNS_NAME).test(flags.clusterDomain)) {
    throw new UsageError(`--cluster-domain: "${escapeControl(flags.clusterDomain)}" is not a DNS domain such as cluster.local`);
  }
}

/** Flags override the policy, which overrides the defaults; a bad flag value is a UsageError (exit 2). */
export function mergeSettings(defaults: AuditSettings, policy: Policy, flags: SettingFlags): AuditSettings {
  checkFlags(flags);
  const fromPolicy = policy.settings;
  return {
    ...defaults,
    meshCidrs: (flags.meshCidr.length > 0 ? flags.meshCidr : (fromPolicy.meshCidrs ?? defaults.meshCidrs)).map(meshRangeText),
    clusterDomain: flags.clusterDomain ?? fromPolicy.clusterDomain ?? defaults.clusterDomain,
    gatewayHosts: [...(flags.gatewayHost.length > 0 ? flags.gatewayHost : (fromPolicy.gatewayHosts ?? defaults.gatewayHosts))],
  };
}
