import type { AuditCommonOptions } from './options.js';
import { InputError } from '../errors.js';
import { writeBaseline, type BaselineWritten } from '../policy/index.js';
import { escapeControlOnly } from '../text/escape.js';
import type { AuditPipeline } from '../pipeline/audit-pipeline.js';
import type { ReportBuilder } from '../report/index.js';
import type { Report } from '../report/model.js';
import { resultStatement } from '../report/statements.js';
import { plural } from '../text/plural.js';
import { warnOnStderr } from '../sources/file-source.js';
import { VERSION } from '../version.js';
import { buildCoverage, type CoverageFacts } from './coverage.js';
import type { Outputs } from './outputs.js';
import type { AuditSetup } from './setup.js';

/** What a finished run hands over: the aggregates, the coverage facts (verdict counts come from the aggregates), and what was read. */
export interface RunEnd {
  builder: ReportBuilder;
  facts: Omit<CoverageFacts, 'verdicts'>;
  input: Report['input'];
}

/** The coverage facts `audit` and `watch` read the same way off the pipeline and the policy stage; each adds its streams, roles, own warnings and log-time window. */
export function pipelineFacts(pipeline: AuditPipeline, setup: AuditSetup): Omit<RunEnd['facts'], 'streams' | 'roles' | 'extraWarnings' | 'window'> {
  return {
    lines: pipeline.totals(),
    engine: pipeline.engine.counters(),
    plainRecords: pipeline.plainRecords,
    namespaceRecords: pipeline.namespaceRecords,
    gatewayOnlyMinutes: pipeline.gatewayOnlyMinutes,
    overlaps: pipeline.overlaps(),
    copiesForgottenEarly: pipeline.copiesForgottenEarly,
    sidecarSpan: pipeline.sidecarSpan,
    gatewaySpan: pipeline.gatewaySpan,
    windowMs: setup.settings.windowMs,
    expiredExceptions: setup.stage.expiredHits(),
    expiringExceptions: setup.stage.expiringHits(),
    claimedHostExceptions: setup.stage.claimedHostHits(),
    namespaceUnknownExceptions: setup.stage.namespaceUnknownHits(),
    unusedBaselineEntries: setup.stage.unusedBaselineEntries(),
    unusedExceptions: setup.stage.unusedExceptions(),
    proxyContainers: pipeline.proxyContainers,
  };
}

/**
 * Ends a run the same way for `audit` and `watch`: coverage, the report to every output, the
 * baseline, and the exit code the report states (unreadable input beats findings: the audit was incomplete).
 * `say` takes what it tells the person (the dashboard may still hold the terminal).
 */
export async function finishRun(end: RunEnd, outputs: Outputs, options: AuditCommonOptions, say: (message: string) => void = warnOnStderr): Promise<{ report: Report; exitCode: number }> {
  const coverage = buildCoverage({ ...end.facts, verdicts: end.builder.verdictCounts() });
  const report = end.builder.build(end.input, coverage, VERSION);
  const failures: (string | readonly string[])[] = await outputs.end(report);
  const code = report.summary.exitCode;
  const partial = code === 4 ? 'no access-log records were read, so there is nothing to record' : code === 3 ? 'an input could not be read to the end, so the findings of its unread part would be dropped' : null;
  if (options.writeBaseline && partial !== null) {
    // A run that read nothing (or only part of its input) did not see every finding: recording what it saw
    // would silently drop the others from the baseline.
    say(`baseline ${options.writeBaseline} not written: ${partial}`);
  } else if (options.writeBaseline) {
    const failure = await recordBaseline(options.writeBaseline, report, end, options, say);
    if (failure !== null) failures.push(failure);
  }
  throwFailures(failures, report.summary.exitCode); // after the baseline: one output that could not be written does not cost the others
  return { report, exitCode: report.summary.exitCode };
}

/**
 * The run's result line (`FAIL: ... (exit 1).`) on stderr, said last, unless the table on stdout ends with it: under a
 * machine format (-o json, sarif, ...) a CI job's log would otherwise show only an exit code, and after the dashboard
 * (its last frame counts and lists, but has no exit code) a person back at the prompt would need `echo $?`.
 */
export function sayResult(report: Report, outputs: Pick<Outputs, 'tableOnStdout'>): void {
  if (!outputs.tableOnStdout) warnOnStderr(resultStatement(report).text);
}

/**
 * Writes --write-baseline and says what it holds; returns the lines of the error when it could not be written, for the
 * run to say with the reports that could not be written (thrown here, it would hide them).
 */
async function recordBaseline(path: string, report: Report, end: RunEnd, options: AuditCommonOptions, say: (message: string) => void): Promise<readonly string[] | null> {
  let written: BaselineWritten;
  try {
    written = await writeBaseline(path, report.findings, { version: VERSION, failOn: options.failOn, unidentified: end.builder.unidentifiedFindings() });
  } catch (error) {
    if (error instanceof InputError) return error.lines;
    throw error;
  }
  say(`wrote baseline ${path} (${plural(written.written, 'finding')})`);
  const dropped = end.facts.unusedBaselineEntries?.entries.length ?? 0;
  if (options.baseline !== null && dropped > 0) {
    // The review diff shows lines going: say why, as the report's baseline-entries-unused warning names them.
    say(`${plural(dropped, 'entry', 'entries')} of the baseline read (${options.baseline}) held no flow in this run, so ${dropped === 1 ? 'it is' : 'they are'} not in the one written`);
  }
  if (written.withoutNamespace > 0) {
    const n = written.withoutNamespace;
    say(`${plural(n, 'baseline entry', 'baseline entries')} ${n === 1 ? 'names its' : 'name their'} workload without a namespace (the input named none, as kubectl logs --prefix does): ${n === 1 ? 'it holds' : 'each holds'} a workload of that name in any namespace whose logs name none either; save the logs with their namespaces (kubelet paths, a log pipeline's export, watch) for a baseline that holds one namespace's`);
  }
  if (written.byPodIp > 0) {
    const n = written.byPodIp;
    say(`${plural(n, 'baseline entry', 'baseline entries')} ${n === 1 ? 'names its caller' : 'name their callers'} by a pod IP alone (the input named no pod): Kubernetes gives a pod's IP to another pod once it is gone, so ${n === 1 ? 'it holds' : 'each holds'} whichever pod has that address later, of any workload; save the logs with their pod names (kubectl logs --prefix, kubelet paths, a log pipeline's export, watch) or give --pods for a baseline that holds a workload`);
  }
  if (written.unidentified > 0) {
    const n = written.unidentified;
    say(`${plural(n, 'failing finding')} ${n === 1 ? 'was' : 'were'} not recorded: the log does not say where ${n === 1 ? 'its flows' : 'their flows'} went (no address, and no name but the client's Host header or SNI, or none), so an entry would hold every such flow of ${n === 1 ? 'its caller' : 'their callers'}, wherever it went; log %UPSTREAM_HOST% and %DOWNSTREAM_LOCAL_ADDRESS% at the sidecars (Istio's default formats do) to baseline ${n === 1 ? 'it' : 'them'}`);
  }
  if (written.ofExpiredExceptions > 0) {
    const n = written.ofExpiredExceptions;
    say(`${plural(n, 'failing finding')} of expired policy exceptions ${n === 1 ? 'was' : 'were'} not recorded: an exception keeps its findings, so that they fail when it lapses; renew the exception, or remove it from the policy to baseline ${n === 1 ? 'its finding' : 'them'}`);
  }
  if (written.unrecorded > 0) {
    say(`${plural(written.unrecorded, 'finding')} folded into "(other)" ${written.unrecorded === 1 ? 'has no fingerprint and was' : 'have no fingerprint and were'} not recorded`);
  }
  return null;
}

/**
 * Throws one InputError (exit 3) for the last output (a report, the baseline) that could not be written; earlier ones are
 * printed first, as they are: each quotes its path already escaped (outputs.ts's cannotWrite, baseline.ts). The result
 * the console and the reports written state names the audit's exit code (`stated`): the error says the run's is 3.
 */
function throwFailures(failures: readonly (string | readonly string[])[], stated: number): void {
  const last = failures.at(-1);
  if (last === undefined) return;
  for (const message of failures.slice(0, -1)) process.stderr.write(`egress-audit: ${lines(message).map(escapeControlOnly).join('\n')}\n`);
  const outputs = failures.length === 1 ? 'an output' : `${failures.length} outputs`;
  const why = `the run exits 3, not ${stated} as its result says: ${outputs} it was asked for could not be written`;
  throw new InputError(stated === 3 ? lines(last) : [...lines(last), why]);
}

function lines(message: string | readonly string[]): readonly string[] {
  return typeof message === 'string' ? [message] : message;
}
