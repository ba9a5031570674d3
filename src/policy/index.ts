/** The policy stage's public surface: policy files, settings precedence, exceptions, baselines, fingerprints. */
export { loadPolicy, emptyPolicy } from './load.js';
export { parsePolicy } from './parse.js';
export { checkSettingFlags, mergeSettings, type SettingFlags } from './settings.js';
export { fingerprintOf } from './fingerprint.js';
export { createPolicyStage } from './stage.js';
export {
  loadBaseline,
  writeBaseline,
  checkBaselineWritable,
  renderBaseline,
  baselineEntries,
  type BaselineWritten,
} from './baseline.js';
export { entryLabel, type BaselineEntry } from './baseline-check.js';
export { POLICY_JSON_SCHEMA } from './schema.js';
export {
  POLICY_API_VERSION,
  POLICY_KIND,
  type Baseline,
  type Policy,
  type PolicyException,
  type PolicyStage,
  type PolicyStageOptions,
  type PortRange,
  type SourceMatch,
  type UnusedBaselineEntries,
  type UnusedExceptions,
} from './types.js';
