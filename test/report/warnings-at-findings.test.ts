// Coverage warnings about findings (no-sidecar-logs, no-gateway-logs, expired-exceptions) were located at those
// findings' first evidence inside the SARIF writer only: the JSON report, which every other tool reads, had no `at` for
// them, and each writer would have had to derive it again. The report model now does, once.
import { describe, expect, it } from 'vitest';
import { REPORT_LIMITS } from '../../src/report/limits.js';
import type { CoverageWarning } from '../../src/report/model.js';
import { buildReport, entry, flow, render } from './helpers.js';
import { sampleCoverage, sampleFlows } from './sample.js';
import { errorText, reportValidator } from './validate.js';

const ABOUT_FINDINGS: CoverageWarning[] = [
  { code: 'no-sidecar-logs', message: 'No sidecar logs were read.' },
  { code: 'no-gateway-logs', message: 'No egress-gateway logs were read.' },
  { code: 'expired-exceptions', message: 'Expired policy exceptions no longer apply: api-temp (expired 2024-02-01).' },
];

describe('coverage warnings about findings, in the report model', () => {
  it('are located at the first evidence line of the findings each is about, failing or not; lines a warning names itself are kept, and none is added without such findings', () => {
    const own: CoverageWarning = { code: 'mixed-roles', message: 'Mixed.', at: [{ file: 'logs/mixed.log', line: 3 }] };
    const report = buildReport(sampleFlows(), sampleCoverage({ warnings: [...ABOUT_FINDINGS, own] }), ['direct']);
    expect(report.coverage.warnings.map((w) => [w.code, w.at])).toEqual([
      ['no-sidecar-logs', [{ file: 'pod/istio-system/istio-egressgateway-5d9f/istio-proxy', line: 88 }]],
      ['no-gateway-logs', [{ file: 'logs/app.log', line: 31 }]],
      ['expired-exceptions', [{ file: 'logs/app.log', line: 12 }]],
      ['mixed-roles', own.at],
    ]);
    expect(buildReport([], sampleCoverage({ warnings: [...ABOUT_FINDINGS, own] }), ['direct']).coverage.warnings).toEqual([...ABOUT_FINDINGS, own]);
  });

  it('name one line per file, at most as many files as a finding keeps evidence lines', () => {
    const flows = Array.from({ length: REPORT_LIMITS.evidence + 2 }, (_, i) =>
      flow({
        verdict: 'gateway-only',
        rule: 'gateway-only/no-sidecar-entry',
        destination: { key: `h${i}.example.com:443`, host: `h${i}.example.com`, port: 443, address: null, external: true },
        gateway: entry({ file: `gw-${i}.log`, line: 2, startMs: 1_000 + i, role: 'egress-gateway' }),
        sidecar: null,
        startMs: 1_000 + i,
        failing: false,
        fingerprint: `fp-${i}`,
      }),
    );
    const report = buildReport(flows, sampleCoverage({ warnings: [ABOUT_FINDINGS[0] as CoverageWarning] }), ['direct']);
    const at = report.coverage.warnings[0]?.at ?? [];
    expect(at).toHaveLength(REPORT_LIMITS.evidence);
    expect(new Set(at.map((l) => l.file)).size).toBe(REPORT_LIMITS.evidence);
  });

  it('reach the JSON report as `at`, which its schema accepts', async () => {
    const flows = sampleFlows();
    const report = buildReport(flows, sampleCoverage({ warnings: ABOUT_FINDINGS }), ['direct', 'no-sidecar-logs']);
    const json = JSON.parse(await render('json', flows, report)) as { coverage: { warnings: CoverageWarning[] } };
    expect(json.coverage.warnings.map((w) => w.at?.[0]?.file)).toEqual(['pod/istio-system/istio-egressgateway-5d9f/istio-proxy', 'logs/app.log', 'logs/app.log']);
    const validate = reportValidator();
    expect(validate(json), errorText(validate)).toBe(true);
  });
});
