import { beforeAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import type { Flow } from '../../src/types.js';
import { sarifLog, FINGERPRINT_KEY, SECURITY_SEVERITY } from '../../src/report/writers/sarif.js';
import { sarifLocation } from '../../src/report/writers/sarif-location.js';
import { ruleInfo } from '../../src/engine/rule-catalogue.js';
import { buildReport, coverage, foldedDirectRun, lineCounts } from './helpers.js';
import { OTHER } from '../../src/report/limits.js';
import { sampleCoverage, sampleFlows } from './sample.js';
import { errorText, sarifValidator } from './validate.js';

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  partialFingerprints: Record<string, string>;
  locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
  suppressions?: { kind: string; status: string; justification: string }[];
  baselineState?: string;
}
interface SarifRule {
  id: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help?: { text: string; markdown: string };
}
interface SarifRun {
  tool: { driver: { rules: SarifRule[] } };
  results: SarifResult[];
  invocations: { exitCode: number; executionSuccessful: boolean; toolExecutionNotifications: { descriptor: { id: string }; level: string }[] }[];
  originalUriBaseIds: Record<string, { uri?: string }>;
}

const CWD = '/work/repo';

function runOf(flows: Flow[], cov = sampleCoverage(), failOn = ['direct'], baseline = true): SarifRun {
  return (sarifLog(buildReport(flows, cov, failOn, baseline), CWD) as { runs: SarifRun[] }).runs[0] as SarifRun;
}

function byFingerprint(run: SarifRun): Map<string, SarifResult> {
  return new Map(run.results.map((r) => [r.partialFingerprints[FINGERPRINT_KEY] as string, r]));
}

describe('SARIF writer', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = sarifValidator();
  });

  it('writes a log that the official SARIF 2.1.0 schema accepts', () => {
    const log = sarifLog(buildReport(sampleFlows(), sampleCoverage()), CWD);
    expect(validate(log), errorText(validate)).toBe(true);
  });

  it('is checked by a validator that does reject a broken log', () => {
    const log = sarifLog(buildReport(sampleFlows(), sampleCoverage()), CWD) as { runs: { results: { level: string }[] }[] };
    (log.runs[0]?.results[0] as { level: string }).level = 'fatal';
    expect(validate(log)).toBe(false);
  });

  it("puts an --since/--until window among the run's properties, where a tool finds what the results cover, and nothing without one", () => {
    const window = { since: '2024-03-01T11:30:00.000Z', until: null, flowsOutside: 4 };
    const properties = (cov: ReturnType<typeof sampleCoverage>): Record<string, unknown> =>
      (sarifLog(buildReport(sampleFlows(), cov, ['direct']), CWD) as { runs: { properties: Record<string, unknown> }[] }).runs[0]?.properties ?? {};
    expect(properties({ ...sampleCoverage(), window })['window']).toEqual(window);
    expect(properties(sampleCoverage())).not.toHaveProperty('window');
  });

  it('declares one rule per rule id and points every result at its rule', () => {
    const run = runOf(sampleFlows());
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...new Set(run.results.map((r) => r.ruleId))].sort());
    for (const r of run.results) expect(ids[r.ruleIndex]).toBe(r.ruleId);
  });

  it("describes each rule by the catalogue's title, meaning and fix, which code scanning shows on an alert's page", () => {
    const rules = runOf(sampleFlows()).tool.driver.rules;
    expect(rules.length).toBeGreaterThan(1);
    for (const rule of rules) {
      const info = ruleInfo(rule.id);
      expect(info, rule.id).toBeDefined();
      expect(rule.shortDescription.text).toBe(info?.title);
      expect(rule.fullDescription.text).toBe(info?.meaning);
      expect(rule.help?.text).toContain(info?.fix ?? 'needs no action');
      expect(rule.help?.markdown).toContain(`rule \`${rule.id}\``);
    }
  });

  it('ranks each rule for GitHub code scanning: a security-severity and the security tag by verdict, none for compliant traffic', () => {
    const props = (failOn: string[]): Map<string, Record<string, unknown>> =>
      new Map(runOf(sampleFlows(), sampleCoverage(), failOn).tool.driver.rules.map((r) => [r.id, (r as unknown as { properties: Record<string, unknown> }).properties]));
    const ranked = props(['direct', 'via-gateway']);
    const severity = (prefix: string): unknown => [...ranked].find(([id]) => id.startsWith(prefix))?.[1]['security-severity'];
    expect(severity('direct/')).toBe('8.0');
    expect(severity('via-gateway-unconfirmed/')).toBe('5.0');
    expect(severity('gateway-only/')).toBe('4.0');
    expect(severity('blocked/')).toBe('3.0');
    for (const [id, p] of ranked) {
      const verdict = id.split('/')[0] as string;
      expect(p['tags'], id).toEqual(SECURITY_SEVERITY[verdict as keyof typeof SECURITY_SEVERITY] ? ['security', 'egress', verdict] : ['egress', verdict]);
    }
    const compliant = [...ranked].filter(([id]) => id.startsWith('via-gateway/'));
    expect(compliant.length).toBeGreaterThan(0);
    for (const [, p] of compliant) expect(p).not.toHaveProperty('security-severity');
  });

  it.each([
    { name: 'failing', fingerprint: 'fp-direct-api', level: 'error', suppression: undefined, baselineState: 'new' },
    { name: 'allowed by an exception', fingerprint: 'fp-allowed-db', level: 'note', suppression: 'db-legacy: legacy database, firewall-pinned (expires 2030-01-01)', baselineState: 'new' },
    { name: 'baselined', fingerprint: 'fp-baselined', level: 'note', suppression: 'Present in the baseline.', baselineState: 'unchanged' },
    { name: 'not in --fail-on', fingerprint: 'fp-blocked', level: 'warning', suppression: undefined, baselineState: 'new' },
  ])('gives a $name finding level $level', ({ fingerprint, level, suppression, baselineState }) => {
    const result = byFingerprint(runOf(sampleFlows())).get(fingerprint);
    expect(result?.level).toBe(level);
    expect(result?.suppressions).toEqual(suppression ? [{ kind: 'external', status: 'accepted', justification: suppression }] : undefined);
    expect(result?.baselineState).toBe(baselineState);
  });

  it('says unchanged of a finding the baseline held that an exception now allows (it is allowed, and not new)', () => {
    const run = (sarifLog(buildReport(sampleFlows(), sampleCoverage(), ['direct'], new Set(['fp-baselined', 'fp-allowed-db'])), CWD) as { runs: SarifRun[] }).runs[0] as SarifRun;
    const allowed = byFingerprint(run).get('fp-allowed-db');
    expect([allowed?.level, allowed?.suppressions?.[0]?.justification, allowed?.baselineState]).toEqual(['note', 'db-legacy: legacy database, firewall-pinned (expires 2030-01-01)', 'unchanged']);
    expect(byFingerprint(run).get('fp-direct-api')?.baselineState).toBe('new');
  });

  // A folded (other) finding's fingerprint is in no baseline: whether it is new is told by the flows the baseline held
  // (heldFlows) and those an exception allowed, as the result line and summary.leftOutOfFailOn count it.
  it.each([
    { name: 'wholly held (one flow allowed), --fail-on direct', hows: ['held', 'held', 'allowed', 'held'], failOn: ['direct'], level: 'note', state: 'unchanged', exit: 0, leftOut: undefined },
    { name: 'partly new, --fail-on direct', hows: ['held', 'held', 'open', 'held'], failOn: ['direct'], level: 'error', state: 'new', exit: 1, leftOut: undefined },
    { name: 'wholly held, --fail-on blocked', hows: ['held', 'held', 'held'], failOn: ['blocked'], level: 'warning', state: 'unchanged', exit: 0, leftOut: undefined },
    { name: 'partly new, --fail-on blocked', hows: ['held', 'open', 'held'], failOn: ['blocked'], level: 'warning', state: 'new', exit: 0, leftOut: { direct: 1 } },
    { name: 'wholly allowed, none held', hows: ['held', 'allowed', 'allowed'], failOn: ['direct'], level: 'note', state: 'new', exit: 0, leftOut: undefined },
  ] as const)('says a folded (other) finding $name is $state, level $level, as the result line counts it', ({ hows, failOn, level, state, exit, leftOut }) => {
    const report = foldedDirectRun([...hows], [...failOn]);
    expect([report.summary.exitCode, report.summary.leftOutOfFailOn]).toEqual([exit, leftOut]);
    const log = sarifLog(report, CWD);
    expect(validate(log), errorText(validate)).toBe(true);
    const run = (log as { runs: SarifRun[] }).runs[0] as SarifRun;
    const other = byFingerprint(run).get(`${OTHER}/direct`);
    expect([other?.level, other?.baselineState]).toEqual([level, state]);
    expect(byFingerprint(run).get('fp-0')?.baselineState).toBe(hows[0] === 'held' ? 'unchanged' : 'new');
  });

  it('says no baselineState on any result when no --baseline was given (nothing was compared)', () => {
    const results = runOf(sampleFlows(), sampleCoverage(), ['direct'], false).results;
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => 'baselineState' in r)).toEqual([]);
  });

  it('gives every result a physical artifact location, as code scanning requires', () => {
    for (const r of runOf(sampleFlows()).results) expect(r.locations[0]?.physicalLocation.artifactLocation.uri).toMatch(/.+/);
  });

  it('keeps fingerprints and results identical across runs that saw the flows in another order', () => {
    const flows = [...sampleFlows(), ...sampleFlows().map((f) => ({ ...f, startMs: f.startMs + 5000, sidecar: f.sidecar && { ...f.sidecar, line: f.sidecar.line + 100 } }))];
    const first = runOf(flows);
    const second = runOf([...flows].reverse());
    expect(second.results.map((r) => r.partialFingerprints)).toEqual(first.results.map((r) => r.partialFingerprints));
    expect(second.results).toEqual(first.results);
  });

  it('reports coverage warnings as notifications, as errors when --fail-on names them', () => {
    const cov = sampleCoverage({ warnings: [{ code: 'no-gateway-logs', message: 'No gateway logs.' }, { code: 'filtered-logging', message: 'Filtered.' }] });
    const notes = runOf(sampleFlows(), cov, ['direct', 'no-gateway-logs']).invocations[0]?.toolExecutionNotifications;
    expect(notes?.map((n) => [n.descriptor.id, n.level])).toEqual([
      ['no-gateway-logs', 'error'],
      ['filtered-logging', 'warning'],
    ]);
  });

  it('makes a failing no-sidecar-logs (or no-gateway-logs, expired-exceptions) an error result at the findings it is about', () => {
    const warning = { code: 'no-sidecar-logs' as const, message: 'No sidecar logs were read: 1 gateway flow cannot be tied to a calling workload\'s own log.' };
    const log = sarifLog(buildReport(sampleFlows(), sampleCoverage({ warnings: [warning] }), ['direct', 'no-sidecar-logs']), CWD);
    expect(validate(log), errorText(validate)).toBe(true);
    const run = (log as { runs: SarifRun[] }).runs[0] as SarifRun;
    const result = run.results.find((r) => r.ruleId === 'coverage/no-sidecar-logs');
    // The gateway-only finding's evidence: before, no result at all (a notification only), so code scanning showed no failure.
    expect(result).toMatchObject({ level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: 'api/v1/namespaces/istio-system/pods/istio-egressgateway-5d9f/log?container=istio-proxy' } } }] });
    expect(run.tool.driver.rules[result?.ruleIndex as number]?.id).toBe('coverage/no-sidecar-logs');
    // Not in --fail-on: a notification only, as before.
    expect(runOf(sampleFlows(), sampleCoverage({ warnings: [warning] }), ['direct']).results.map((r) => r.ruleId)).not.toContain('coverage/no-sidecar-logs');
  });

  it('makes a failing warning that names no line an error result at the first input read, not a notification only', () => {
    const warning = { code: 'unmatched-entries' as const, message: '3 gateway-bound sidecar entries found no gateway entry within 5s.' };
    const log = sarifLog(buildReport(sampleFlows(), sampleCoverage({ warnings: [warning] }), ['unmatched-entries']), CWD);
    expect(validate(log), errorText(validate)).toBe(true);
    const run = (log as { runs: SarifRun[] }).runs[0] as SarifRun;
    expect(run.invocations[0]?.exitCode).toBe(1);
    // Before, no result at all: code scanning showed no failure of a run that exited 1.
    const result = run.results.find((r) => r.ruleId === 'coverage/unmatched-entries');
    expect(result).toMatchObject({ level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: 'logs/app.log' }, region: { startLine: 1 } } }] });
    expect(run.tool.driver.rules[result?.ruleIndex as number]?.id).toBe('coverage/unmatched-entries');
    // Nothing read: nowhere to show it, a notification only.
    const empty = runOf([], coverage({ lines: lineCounts({ records: 0 }), warnings: [warning] }), ['unmatched-entries']);
    expect(empty.results).toEqual([]);
  });

  it('says "no records" with exit code 4 when nothing was read', () => {
    const run = runOf([], coverage({ lines: lineCounts({ records: 0 }) }));
    expect(run.invocations[0]?.exitCode).toBe(4);
    // Nothing was audited: its empty results are no clean scan (it said executionSuccessful: true).
    expect(run.invocations[0]?.executionSuccessful).toBe(false);
    expect(run.invocations[0]?.toolExecutionNotifications).toEqual([expect.objectContaining({ descriptor: { id: 'no-records' }, level: 'error' })]);
    expect(run.results).toEqual([]);
  });

  it('records where %SRCROOT% was', () => {
    expect(runOf(sampleFlows()).originalUriBaseIds['%SRCROOT%']).toEqual({ uri: 'file:///work/repo/' });
  });
});

describe('SARIF locations', () => {
  it.each([
    { name: 'a file under the working directory', file: 'logs/app.log', location: { uri: 'logs/app.log', uriBaseId: '%SRCROOT%' } },
    { name: 'an absolute path under it', file: '/work/repo/logs/app.log', location: { uri: 'logs/app.log', uriBaseId: '%SRCROOT%' } },
    { name: 'a name needing percent-encoding', file: 'logs/my app#1.log', location: { uri: 'logs/my%20app%231.log', uriBaseId: '%SRCROOT%' } },
    { name: 'a file outside it', file: '/var/log/egress/gw.log', location: { uri: 'file:///var/log/egress/gw.log' } },
    { name: 'a file above it', file: '../other/gw.log', location: { uri: 'file:///work/other/gw.log' } },
    { name: 'stdin, as - under a base of its own that no repository path resolves', file: '-', location: { uri: '-', uriBaseId: 'STDIN', description: { text: 'standard input' } } },
  ])('locates $name', ({ file, location }) => {
    expect(sarifLocation({ hop: 'sidecar', file, line: 4 }, CWD)).toEqual({ physicalLocation: { artifactLocation: location, region: { startLine: 4 } } });
  });

  it('locates a live pod stream at its Kubernetes log API path, with the pod as a logical location', () => {
    expect(sarifLocation({ hop: 'gateway', file: 'pod/istio-system/istio-egressgateway-5d9f/istio-proxy', line: 88 }, CWD)).toEqual({
      physicalLocation: {
        artifactLocation: { uri: 'api/v1/namespaces/istio-system/pods/istio-egressgateway-5d9f/log?container=istio-proxy', uriBaseId: 'KUBERNETES_API' },
        region: { startLine: 88 },
      },
      logicalLocations: [{ name: 'istio-egressgateway-5d9f', fullyQualifiedName: 'istio-system/istio-egressgateway-5d9f/istio-proxy', kind: 'resource' }],
    });
  });

  it('uses the evidence of the earliest flow as the primary location', () => {
    const [early, late] = sampleFlows() as [Flow, Flow];
    const result = byFingerprint(runOf([late, early])).get('fp-direct-api');
    expect(result?.locations[0]?.physicalLocation).toMatchObject({ artifactLocation: { uri: 'logs/app.log' }, region: { startLine: 12 } });
  });
});
