import { describe, expect, it } from 'vitest';
import { auditOptions, watchOptions } from '../helpers/program.js';
import { COVERAGE_CODES, NO_EVIDENCE_CODES, type CoverageWarning } from '../../src/report/model.js';
import { VERDICTS } from '../../src/types.js';
import { buildReport, coverage } from '../report/helpers.js';

/** Warnings only a watch raises, and those an audit raises only from --pods. */
const WATCH_ONLY = ['no-egress-gateway-pod', 'serviceentries-unreadable', 'services-unreadable', 'streams-unfollowed', 'streams-cut', 'instances-unread'];
const FROM_PODS = ['pods-without-sidecar', 'traffic-excluded-from-sidecar', 'endpointslices-unreadable'];
/** Warnings raised only about the baseline read. */
const FROM_BASELINE = ['baseline-entries-unused'];
/** Warnings raised only about the policy read. */
const FROM_POLICY = ['exceptions-unused'];

describe('--fail-on coverage names', () => {
  // Every warning code a report can raise is nameable, with no second list to keep in step with COVERAGE_CODES.
  it.each(COVERAGE_CODES.filter((c) => !NO_EVIDENCE_CODES.includes(c)))('accepts %s in the command that can raise it', async (code) => {
    if (WATCH_ONLY.includes(code)) expect((await watchOptions(['--fail-on', code])).failOn).toContain(code);
    else if (FROM_PODS.includes(code)) expect((await auditOptions(['--pods', 'pods.json', '--fail-on', code])).failOn).toContain(code);
    else if (FROM_BASELINE.includes(code)) expect((await auditOptions(['--baseline', 'b.json', '--fail-on', code])).failOn).toContain(code);
    else if (FROM_POLICY.includes(code)) expect((await auditOptions(['--policy', 'p.yaml', '--fail-on', code])).failOn).toContain(code);
    else expect((await auditOptions(['--fail-on', code])).failOn).toContain(code);
  });

  // Accepted, they could never fire, and the report said the run was failing on them: a pass that checked nothing.
  it.each(WATCH_ONLY)('refuses %s in an audit (only a watch asks the cluster)', async (code) => {
    await expect(auditOptions(['--fail-on', `direct,${code}`])).rejects.toThrow(`--fail-on: ${code} can only be raised by watch, which asks the cluster`);
  });

  it.each(FROM_PODS)('refuses %s in an audit without --pods, and a watch accepts it', async (code) => {
    await expect(auditOptions(['--fail-on', code])).rejects.toThrow(`--fail-on: ${code} needs --pods`);
    expect((await watchOptions(['--fail-on', code])).failOn).toEqual([code]);
  });

  // The refusal said to save `kubectl get pods -A -o json`, a list without Services or EndpointSlices, in which
  // endpointslices-unreadable can never fire: the advice must name the list the audit reads them from.
  it.each(FROM_PODS)('names, refusing %s without --pods, the saved list that holds what it checks', async (code) => {
    await expect(auditOptions(['--fail-on', code])).rejects.toThrow('kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json');
  });

  it.each(FROM_BASELINE)('refuses %s without --baseline, in an audit and a watch', async (code) => {
    await expect(auditOptions(['--fail-on', `+${code}`])).rejects.toThrow(`--fail-on: ${code} needs --baseline`);
    await expect(watchOptions(['--fail-on', code])).rejects.toThrow(`--fail-on: ${code} needs --baseline`);
    expect((await watchOptions(['--baseline', 'b.json', '--fail-on', code])).failOn).toEqual([code]);
  });

  it.each(FROM_POLICY)('refuses %s without --policy, in an audit and a watch', async (code) => {
    await expect(auditOptions(['--fail-on', `+${code}`])).rejects.toThrow(`--fail-on: ${code} needs --policy: it names the exceptions of the policy read that allowed no flow`);
    await expect(watchOptions(['--fail-on', code])).rejects.toThrow(`--fail-on: ${code} needs --policy`);
    expect((await watchOptions(['--policy', 'p.yaml', '--fail-on', code])).failOn).toEqual([code]);
  });

  // A CI job running `watch` without RBAC for ServiceEntries may call gateway traffic direct: it must be able to fail on that.
  it('accepts serviceentries-unreadable, and the warning then fails the run', async () => {
    const failOn = (await watchOptions(['--fail-on', 'direct,serviceentries-unreadable'])).failOn;
    expect(failOn).toEqual(['direct', 'serviceentries-unreadable']);
    const warning: CoverageWarning = { code: 'serviceentries-unreadable', message: 'ServiceEntries could not all be read: RBAC refused to list them.' };
    expect(buildReport([], coverage({ warnings: [warning] }), failOn).summary.exitCode).toBe(1);
    expect(buildReport([], coverage({ warnings: [warning] }), ['direct']).summary.exitCode).toBe(0);
  });

  it('refuses empty-window, also a cause of exit 4 itself', async () => {
    await expect(auditOptions(['--fail-on', 'empty-window'])).rejects.toThrow(/--fail-on: unknown name "empty-window"/);
  });

  it('refuses no-records, the cause of exit 4 itself, naming the names it takes', async () => {
    await expect(auditOptions(['--fail-on', 'no-records'])).rejects.toThrow(/--fail-on: unknown name "no-records" \(verdicts: .*; coverage: no-gateway-logs, .*nul-padding, not-utf8, overlapping-inputs, pod-flags-not-applied, inputs-skipped, own-outputs-skipped, gateway-pods-refused, mesh-ranges-miss-sidecars, gateways-by-content; or none; \+NAME adds to the default\)/);
  });
});

describe('--fail-on verdict names', () => {
  // The names come from VERDICTS itself: a hand-kept copy could miss a new verdict.
  it.each(VERDICTS)('accepts %s', async (verdict) => {
    expect((await auditOptions(['--fail-on', verdict])).failOn).toEqual([verdict]);
  });

  it('lists every verdict, in display order, when a name is unknown', async () => {
    await expect(auditOptions(['--fail-on', 'sideways'])).rejects.toThrow(`(verdicts: ${VERDICTS.join(', ')}; coverage: `);
  });
});
