/**
 * Where each audit setting comes from: a command-line flag beats the policy file, which beats the
 * built-in default. Lists replace rather than append, so what you pass is exactly what is used.
 */
import { InputError, UsageError } from '../errors.js';
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

/**
 * Refuses a flag value that is wrong on its own (exit 2), so a run can stop before reading the policy; whether a
 * --gateway-host glob fits the cluster domain waits for mergeSettings, as the policy may set that domain.
 */
export function checkSettingFlags(flags: SettingFlags): void {
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

/**
 * True when `glob` can match some host under `domain`: the engine takes only such hosts for an egress gateway (a
 * Kubernetes Service), so any other glob is dead. Its literal tail (after its last wildcard) must fit the domain.
 */
function canMatchUnder(glob: string, domain: string): boolean {
  const lower = glob.toLowerCase();
  const d = `.${domain.toLowerCase()}`;
  const lastWildcard = Math.max(lower.lastIndexOf('*'), lower.lastIndexOf('?'));
  if (lastWildcard < 0) return lower.endsWith(d);
  const tail = lower.slice(lastWildcard + 1);
  return tail.endsWith(d) || d.endsWith(tail);
}

/**
 * A gateway host glob that no host under the cluster domain can match would leave that gateway's traffic reported
 * direct with nothing said: refused, naming where the glob came from (a flag: exit 2; the policy file: exit 3).
 */
function checkGatewayHosts(merged: AuditSettings, fromFlags: boolean, policy: Policy): void {
  const dead = merged.gatewayHosts.find((glob) => !canMatchUnder(glob, merged.clusterDomain));
  if (dead === undefined) return;
  const why = `"${escapeControl(dead)}" can match no host under the cluster domain ${escapeControl(merged.clusterDomain)}: an egress gateway is a Kubernetes Service (NAME.NAMESPACE.svc.${escapeControl(merged.clusterDomain)}); set the cluster's own domain (--cluster-domain, mesh.clusterDomain) or name the gateway's Service; traffic to another egress proxy is direct as far as the mesh goes: accept it with an exception under allow: in the policy`;
  if (fromFlags) throw new UsageError(`--gateway-host: ${why}`);
  throw new InputError(`${escapeControl(policy.file ?? 'the policy')}: mesh.gatewayHosts: ${why}`);
}

/** Flags override the policy, which overrides the defaults; a bad flag value is a UsageError (exit 2). */
export function mergeSettings(defaults: AuditSettings, policy: Policy, flags: SettingFlags): AuditSettings {
  checkSettingFlags(flags);
  const fromPolicy = policy.settings;
  const merged = {
    ...defaults,
    meshCidrs: (flags.meshCidr.length > 0 ? flags.meshCidr : (fromPolicy.meshCidrs ?? defaults.meshCidrs)).map(meshRangeText),
    clusterDomain: flags.clusterDomain ?? fromPolicy.clusterDomain ?? defaults.clusterDomain,
    gatewayHosts: [...(flags.gatewayHost.length > 0 ? flags.gatewayHost : (fromPolicy.gatewayHosts ?? defaults.gatewayHosts))],
  };
  checkGatewayHosts(merged, flags.gatewayHost.length > 0, policy);
  return merged;
}
