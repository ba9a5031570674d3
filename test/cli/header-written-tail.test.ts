// A header the client sets holding a whole entry's tail: fixtures/false-pass/header-written-tail/README.md.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const DIR = fileURLToPath(new URL('../../fixtures/false-pass/header-written-tail/', import.meta.url));

interface Report {
  flows: { verdict: string; rule: string; destination: { key: string }; sidecar: { source: { line: number } } | null }[];
  coverage: { lines: { malformed: Record<string, number> }; warnings: { code: string; message: string; at?: { file: string; line: number }[] }[] };
}

async function audit(folder: string, ...flags: string[]): Promise<{ code: number | null; report: Report }> {
  const res = await runCli(['audit', `${DIR}${folder}`, '-o', 'json', ...flags]);
  expect(res.stderr).not.toContain('internal error');
  return { code: res.code, report: JSON.parse(res.stdout) as Report };
}

const flows = (r: Report): string[] => r.flows.map((f) => `${f.sidecar?.source.line ?? '-'} ${f.verdict} ${f.rule} ${f.destination.key}`).sort();

describe('a line a header made read two ways', () => {
  it('is ambiguous-fields in every Istio text layout, and the ambiguous-lines warning, at its first line, fails the run', async () => {
    const { code, report } = await audit('sidecar-tail');
    expect(flows(report)).toEqual(['1 via-gateway via-gateway/joined api.partner.example:80']); // the POST is no longer the legitimate request's twin
    expect(report.coverage.lines.malformed['ambiguous-fields']).toBe(4);
    const warning = report.coverage.warnings.find((w) => w.code === 'ambiguous-lines');
    expect(warning?.message).toMatch(/^4 access-log lines read two ways \(ambiguous-fields\), in .*sidecar\.log \(4, first at line 2\)/);
    expect(warning?.at).toEqual([{ file: `${DIR}sidecar-tail/sidecar.log`, line: 2 }]);
    expect(code).toBe(1);
  });

  it('is ambiguous-fields whichever header the client sets holds the tail: X-Request-ID and (old proxies) Host too', async () => {
    const { code, report } = await audit('request-id-tail');
    expect(flows(report)).toEqual(['1 via-gateway via-gateway/joined api.partner.example:80']);
    expect(report.coverage.lines.malformed['ambiguous-fields']).toBe(5);
    expect(code).toBe(1);
  });

  it('is a SARIF error result of rule coverage/ambiguous-lines at that line, so code scanning shows the failure', async () => {
    const res = await runCli(['audit', `${DIR}sidecar-tail`, '-o', 'sarif']);
    const run = (JSON.parse(res.stdout) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] }).runs[0];
    const result = run?.results.find((r) => r.ruleId === 'coverage/ambiguous-lines');
    expect(result?.level).toBe('error');
    expect(result?.locations[0]?.physicalLocation.artifactLocation.uri).toMatch(/sidecar-tail\/sidecar\.log$/);
    expect(result?.locations[0]?.physicalLocation.region.startLine).toBe(2);
    expect(res.code).toBe(1);
  });

  it('teaches no gateway address from a gateway line the client shaped: the POST to that address is direct', async () => {
    const { code, report } = await audit('gateway-tail');
    expect(flows(report)).toContain('2 direct direct/passthrough-cluster exfil.evil.example:80');
    expect(code).toBe(1);
  });

  it("teaches no pod's own address from a sidecar line the client shaped: the connection to that address is direct", async () => {
    const { code, report } = await audit('own-address-tail');
    expect(flows(report)).toEqual(['2 direct direct/passthrough-cluster 93.184.216.34:443']);
    expect(code).toBe(1);
  });

  it("reads Envoy's default layout by no request id the client could send: both lines that read two ways are ambiguous-fields", async () => {
    const { code, report } = await audit('envoy-request-id');
    expect(flows(report)).toEqual(['1 internal internal/mesh-service reviews:9080']);
    expect(report.coverage.lines.malformed['ambiguous-fields']).toBe(2);
    expect(code).toBe(1);
  });

  it('passes only when the --fail-on a person gave leaves ambiguous-lines out, and still says so', async () => {
    const { code, report } = await audit('envoy-request-id', '--fail-on', 'direct');
    expect(report.coverage.warnings.map((w) => w.code)).toContain('ambiguous-lines');
    expect(code).toBe(0);
  });
});

describe('a JSON-shaped TEXT format, whose values Envoy writes unescaped', () => {
  const dir = 'json-shaped-text';

  it('calls a line with a key written twice ambiguous-fields (JSON.parse would keep the client\'s), auto-detected or given with --format', async () => {
    for (const format of [[], ['--format', `@${DIR}${dir}/format.json`]]) {
      const { code, report } = await audit(`${dir}/duplicate-keys.log`, ...format);
      expect(report.flows).toEqual([]);
      expect(report.coverage.lines.malformed['ambiguous-fields']).toBe(1);
      expect(code).toBe(4); // its one line is no evidence: never a pass
    }
  });

  it.each(['loki-shaped', 'fluent-bit-shaped'])('reads a %s line by its own keys, not as a pipeline record around the line a header added', async (name) => {
    const { code, report } = await audit(`${dir}/${name}.log`);
    expect(flows(report)).toEqual(['1 direct direct/passthrough-cluster evil.example:80']);
    expect(code).toBe(1);
  });
});

describe('a JSON line a header made long', () => {
  it('is read under the default --max-line-length (1 MiB), so its direct flow fails the run', async () => {
    const { code, report } = await audit('json-long-header');
    expect(flows(report)).toContain('2 direct direct/passthrough-cluster exfil.evil.example:80');
    expect(code).toBe(1);
  });

  it('is too long, counted and unjudged, only under a bound a person set lower', async () => {
    const { report } = await audit('json-long-header', '--max-line-length', '64KiB');
    expect(flows(report)).toEqual(['1 internal internal/mesh-service reviews.default.svc.cluster.local:9080']);
    expect(report.coverage.warnings.map((w) => w.code)).toContain('unparsed-lines');
  });
});
