import type { AuditCommonOptions } from './options.js';
import { checkSettingFlags, createPolicyStage, emptyPolicy, loadBaseline, loadPolicy, mergeSettings, type PolicyStage } from '../policy/index.js';
import type { Policy } from '../policy/index.js';
import { ReportBuilder } from '../report/index.js';
import type { AuditSettings } from '../types.js';

/** Built-in defaults, before the policy file and flags (DOMAIN.md: any `*egressgateway*` service is a gateway). */
export function defaultSettings(windowMs: number, maxPending: number): AuditSettings {
  return { meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: ['*egressgateway*'], gatewayNamespaces: [], windowMs, maxPending };
}

/** Everything a run decides from options before reading any log: settings, policy and its stage. */
export interface AuditSetup {
  settings: AuditSettings;
  policy: Policy;
  stage: PolicyStage;
}

/**
 * How "today" moves for policy expiry while a run goes on. A saved-log audit is a snapshot: it judges every flow
 * against the day it started (`frozen`), or one that ran over midnight UTC would allow an exception's last day to
 * the flows read before midnight and fail the same flows read after it. A live watch follows the clock (`moving`):
 * when an exception's last day ends, it stops applying.
 */
export type PolicyDay = 'frozen' | 'moving';

/** Loads the policy and baseline (exit 3 when invalid) and merges settings (flags over policy over defaults). */
export async function prepareAudit(options: AuditCommonOptions, day: PolicyDay, now = new Date()): Promise<AuditSetup> {
  const flags = { meshCidr: options.meshCidr, clusterDomain: options.clusterDomain, gatewayHost: options.gatewayHost, gatewayNamespace: options.gatewayNamespaces };
  checkSettingFlags(flags); // bad flags exit 2 before any I/O (a gateway glob is checked against the policy's domain below)
  const policy = options.policy ? await loadPolicy(options.policy) : emptyPolicy();
  const settings = mergeSettings(defaultSettings(options.windowMs, options.maxPending), policy, flags);
  const baseline = options.baseline ? await loadBaseline(options.baseline) : null;
  const stage = createPolicyStage(policy, { failOn: options.failOn, baseline, now, ...(day === 'frozen' ? { clock: () => 0 } : {}) });
  return { settings, policy, stage };
}

/** The report a run builds, from the options audit and watch share: one place, so the two cannot drift (watch once left out the baseline). */
export function reportBuilder(options: AuditCommonOptions, stage: PolicyStage): ReportBuilder {
  return new ReportBuilder({ failOn: options.failOn, baseline: options.baseline === null ? null : stage.heldByBaseline() });
}
