import type { AuditCommonOptions } from './options.js';
import { checkSettingFlags, createPolicyStage, emptyPolicy, loadBaseline, loadPolicy, mergeSettings, type PolicyStage } from '../policy/index.js';
import type { Policy } from '../policy/index.js';
import { ReportBuilder } from '../report/index.js';
import type { AuditSettings } from '../types.js';

/** Built-in defaults, before the policy file and flags (DOMAIN.md: any `*egressgateway*` service is a gateway). */
export function defaultSettings(windowMs: number, maxPending: number): AuditSettings {
  return { meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: ['*egressgateway*'], windowMs, maxPending };
}

/** Everything a run decides from options before reading any log: settings, policy and its stage. */
export interface AuditSetup {
  settings: AuditSettings;
  policy: Policy;
  stage: PolicyStage;
}

/** Loads the policy and baseline (exit 3 when invalid) and merges settings (flags over policy over defaults). */
export async function prepareAudit(options: AuditCommonOptions, now = new Date()): Promise<AuditSetup> {
  const flags = { meshCidr: options.meshCidr, clusterDomain: options.clusterDomain, gatewayHost: options.gatewayHost };
  checkSettingFlags(flags); // bad flags exit 2 before any I/O (a gateway glob is checked against the policy's domain below)
  const policy = options.policy ? await loadPolicy(options.policy) : emptyPolicy();
  const settings = mergeSettings(defaultSettings(options.windowMs, options.maxPending), policy, flags);
  const baseline = options.baseline ? await loadBaseline(options.baseline) : null;
  const stage = createPolicyStage(policy, { failOn: options.failOn, baseline, now });
  return { settings, policy, stage };
}

/** The report a run builds, from the options audit and watch share: one place, so the two cannot drift (watch once left out the baseline). */
export function reportBuilder(options: AuditCommonOptions): ReportBuilder {
  return new ReportBuilder({ failOn: options.failOn, baseline: options.baseline !== null });
}
