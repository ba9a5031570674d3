// A pretty-printed JSON array (gcloud logging read --format=json, an Elasticsearch hits dump through jq)
// is a documented limit: exports are read one JSON record per line. Such an input used to end in
// "no access-log records" (audit exit 4) without saying why or how to convert it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { errorText, reportValidator } from '../report/validate.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const VIA = fileURLToPath(new URL('../../fixtures/scenarios/seed-000-via-gateway-tcp/', import.meta.url));
const TCP = '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';
/** Cloud Logging entries as `gcloud logging read --format=json` prints them: one array, indented. */
const entries = [1, 2].map((i) => ({ textPayload: TCP, resource: { type: 'k8s_container', labels: { pod_name: `sleep-${i}`, namespace_name: 'default' } }, timestamp: '2022-02-19T09:31:17.146Z' }));
const dir = tempDir('ea-json-array-');
const pretty = join(dir, 'gcloud.json');
writeFileSync(pretty, `${JSON.stringify(entries, null, 2)}\n`);

describe('a pretty-printed JSON array', () => {
  it('parse names the file and says how to convert it (jq -c .[])', async () => {
    const res = await runCli(['parse', pretty]);
    expect(res.stderr).toContain(`egress-audit: ${pretty}: holds a JSON array of log records (as gcloud logging read --format=json prints), not one record per line`);
    expect(res.stderr).toContain("jq -c '.[]'");
    expect(res.code).toBe(0);
  });

  it('on stdin, and on one line (a compact array), too', async () => {
    const res = await runCli(['parse', '-'], { input: `\ufeff  ${JSON.stringify(entries)}\n` });
    expect(res.stderr).toContain('egress-audit: -: holds a JSON array of log records');
  });

  it('audit says it in a json-array-input warning beside no-records (exit 4), and the report is valid', async () => {
    const res = await runCli(['audit', '-o', 'json', pretty]);
    expect(res.code).toBe(4);
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    const codes = report.coverage.warnings.map((w) => w.code);
    expect(codes.slice(0, 2)).toEqual(['no-records', 'json-array-input']);
    expect(report.coverage.warnings[1]?.message).toBe(
      `${pretty}: holds a JSON array of log records (as gcloud logging read --format=json prints), not one record per line, so none of its lines was read as an access log. Convert with jq -c '.[]' FILE > FILE.jsonl and audit that.`,
    );
    const validate = reportValidator();
    expect(validate(report), errorText(validate)).toBe(true);
  });

  it('is named even when other inputs had records, so the run is not mistaken for complete', async () => {
    const res = await runCli(['audit', '-o', 'json', pretty, VIA]);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    // The scenario's expected.json is a JSON array too, but of test expectations, not log records: not named.
    expect(report.coverage.warnings.find((w) => w.code === 'json-array-input')?.message).toMatch(/^\S+gcloud\.json: holds a JSON array of log records/);
    // A CI job can refuse such a run: the array's lines were never audited.
    const strict = await runCli(['audit', '-o', 'markdown', '--fail-on', 'json-array-input', pretty, VIA]);
    expect(strict.code, strict.stderr).toBe(1);
  });
});

describe('what only starts with [ is not an array', () => {
  it.each([
    ['an access log', `${TCP}\n`],
    ['kubectl logs --prefix', `[pod/sleep-1/istio-proxy] ${TCP}\n`],
    ["Envoy's own log", '[2019-02-21 05:38:48.587][18][warning][config] gRPC config stream closed\n'],
    ['an array of something else (a test\'s expected verdicts)', '[\n  {"file": "sidecar.log", "line": 1, "verdict": "direct"}\n]\n'],
  ])('%s: no array advice', async (_name, input) => {
    const res = await runCli(['parse', '-'], { input });
    expect(res.stderr).not.toContain('JSON array');
  });
});
