/**
 * Where each audit setting comes from: a command-line flag beats the policy file, which beats the
 * built-in default. Lists replace rather than append, so what you pass is exactly what is used.
 */
import { InputError, UsageError } from '../errors.js';
import { escapeControl, quotedValue } from '../text/escape.js';
import type { AuditSettings } from '../types.js';
import { firstBadCidr, firstBadHostGlob } from './check.js';
import { globMatch, namespaceGlobProblem } from './glob.js';
import { meshRangeText } from './ip.js';
import { DNS_NAME } from './schema.js';
import type { Policy } from './types.js';

/** The settings flags of `audit` and `watch`, as commander hands them over (empty/null = not given). */
export interface SettingFlags {
  meshCidr: string[];
  clusterDomain: string | null;
  gatewayHost: string[];
  gatewayNamespace: string[];
}

/**
 * Refuses a flag value that is wrong on its own (exit 2), so a run can stop before reading the policy; whether a
 * --gateway-host glob fits the cluster domain waits for mergeSettings, as the policy may set that domain.
 */
export function checkSettingFlags(flags: SettingFlags): void {
  const bad = firstBadCidr(flags.meshCidr);
  if (bad !== null) throw new UsageError(`--mesh-cidr: ${quotedValue(bad.cidr)} ${bad.problem}`);
  const glob = firstBadHostGlob(flags.gatewayHost);
  if (glob !== null) {
    throw new UsageError(`--gateway-host: ${quotedValue(glob)} is not a host glob (letters, digits, ".", "-", "_", "*", "?")`);
  }
  const namespace = flags.gatewayNamespace.find((ns) => namespaceGlobProblem(ns) !== null);
  if (namespace !== undefined) throw new UsageError(`--gateway-namespace: ${quotedValue(namespace)} ${namespaceGlobProblem(namespace) as string}`);
  if (flags.clusterDomain !== null && !new RegExp(DNS_NAME).test(flags.clusterDomain)) {
    throw new UsageError(`--cluster-domain: ${quotedValue(flags.clusterDomain)} is not a DNS domain such as cluster.local`);
  }
}

/**
 * True when `glob` can match some host under `domain` (the domain itself, or a name ending in `.domain`): the engine
 * takes only such hosts for an egress gateway (a Kubernetes Service), so any other glob is dead. Exact for the glob
 * dialect (glob.ts: `*` any run of characters, dots included; `?` one character), also where a wildcard ends the
 * glob (`egress.corp.interna?` is dead, `egress-gw.corp.internal*` is not: `egress-gw.corp.internal.cluster.local`):
 * a glob matches some `x.domain` exactly when its rest from some position matches `.domain`, as the part before
 * that position matches some x (its literals as they are, `?` any character, `*` nothing).
 */
function canMatchUnder(glob: string, domain: string): boolean {
  const lower = glob.toLowerCase();
  const d = domain.toLowerCase().replace(/\.$/, '');
  if (globMatch(lower, d)) return true;
  for (let i = 0; i <= lower.length; i++) if (globMatch(lower.slice(i), `.${d}`)) return true;
  return false;
}

/**
 * A gateway host glob that no host under the cluster domain can match would leave that gateway's traffic reported
 * direct with nothing said: refused, naming where the glob came from (a flag: exit 2; the policy file: exit 3).
 */
function checkGatewayHosts(merged: AuditSettings, fromFlags: boolean, policy: Policy): void {
  const index = merged.gatewayHosts.findIndex((glob) => !canMatchUnder(glob, merged.clusterDomain));
  if (index < 0) return;
  const dead = merged.gatewayHosts[index] as string;
  const why = `${quotedValue(dead)} can match no host under the cluster domain ${escapeControl(merged.clusterDomain)}: an egress gateway is a Kubernetes Service (NAME.NAMESPACE.svc.${escapeControl(merged.clusterDomain)}); set the cluster's own domain (--cluster-domain, mesh.clusterDomain) or name the gateway's Service; traffic to another egress proxy is direct as far as the mesh goes: accept it with an exception under allow: in the policy`;
  if (fromFlags) throw new UsageError(`--gateway-host: ${why}`);
  const position = policy.gatewayHostPositions?.[index];
  const where = `${escapeControl(policy.file ?? 'the policy')}${position === undefined ? '' : `:${position}`}`;
  throw new InputError(`${where}: mesh.gatewayHosts${position === undefined ? '' : `[${index}]`}: ${why}`);
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
    gatewayNamespaces: [...(flags.gatewayNamespace.length > 0 ? flags.gatewayNamespace : (fromPolicy.gatewayNamespaces ?? defaults.gatewayNamespaces))],
  };
  checkGatewayHosts(merged, flags.gatewayHost.length > 0, policy);
  return merged;
}
