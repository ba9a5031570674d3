// A pretty-printed JSON array export (gcloud logging read --format=json, newest first by default; an
// Elasticsearch hits dump through jq) is read element by element, with the same verdicts as the same
// records exported one per line, and evidence at the line each element starts on. Before, such an input
// was only named, with advice to convert it with jq, and its records were not audited.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import type { HopSource } from '../helpers/expected.js';
import { errorText, reportValidator } from '../report/validate.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const GCP = fileURLToPath(new URL('../../fixtures/pipelines/gcp.jsonl', import.meta.url));
const TCP = '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';

/** The Cloud Logging records of fixtures/pipelines/gcp.jsonl, newest first, as `gcloud logging read --format=json` prints them. */
const records = readFileSync(GCP, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown).reverse();
const dir = tempDir('ea-json-array-');
const pretty = join(dir, 'gcloud.json');
const prettyText = `${JSON.stringify(records, null, 2)}\n`;
writeFileSync(pretty, prettyText);
/** The line each element starts on (gcloud indents elements by two spaces). */
const starts = prettyText.split('\n').flatMap((l, i) => (l === '  {' ? [i + 1] : []));

interface Flow {
  verdict: string;
  rule: string;
  sidecar: HopSource | null;
  gateway: HopSource | null;
}

/** Each flow as verdict, rule and the pods and times of its hops: what must not depend on how the records were exported. */
function verdicts(stdout: string): string[] {
  const hop = (h: HopSource | null): string => (h === null ? '-' : `${h.source.pod ?? '?'}@${String((h as unknown as { start_time: string }).start_time)}`);
  return ndjson(stdout)
    .filter((f) => f['type'] === 'flow')
    .map((f) => f as unknown as Flow)
    .map((f) => `${f.verdict} ${f.rule} ${hop(f.sidecar)} ${hop(f.gateway)}`)
    .sort();
}

describe('a JSON array export', () => {
  it('audits to the same verdicts as the same records one per line, with evidence at the line each element starts on', async () => {
    const lines = await runCli(['audit', GCP, '-o', 'ndjson']);
    const array = await runCli(['audit', pretty, '-o', 'ndjson']);
    expect(array.code, array.stderr).toBe(lines.code);
    expect(array.code).toBe(1); // one request went direct
    expect(verdicts(array.stdout)).toEqual(verdicts(lines.stdout));
    expect(verdicts(array.stdout)).toHaveLength(3);
    const evidence = ndjson(array.stdout)
      .filter((f) => f['type'] === 'flow')
      .flatMap((f) => [f['sidecar'], f['gateway']] as (HopSource | null)[])
      .flatMap((h) => (h === null ? [] : [h.source.line]));
    expect(evidence.length).toBe(5);
    for (const line of evidence) expect(starts).toContain(line);
  });

  it('accounts for every line of the file in the report, which stays valid', async () => {
    const res = await runCli(['audit', pretty, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { coverage: { lines: Record<string, number> } };
    const physical = prettyText.split('\n').length - 1;
    // 7 elements (5 access logs, 2 other lines), the two bracket lines, and every other line joined into its element.
    expect(report.coverage.lines).toMatchObject({ lines: physical, records: 5, notAccessLog: 4, joinedPartials: physical - 9 });
    const validate = reportValidator();
    expect(validate(report), errorText(validate)).toBe(true);
  });

  it('waits until it ends before releasing entries unjoined (its order is only known then), and --explain says why', async () => {
    const res = await runCli(['audit', pretty, '-o', 'json', '--explain']);
    expect(res.stderr).toContain('it is a JSON array export, whose log-time order is not known before its end');
    // Roles per pod, sampled from the elements: the gateway pod (named unlike one) by its labels, the app by its entries.
    expect(res.stderr).toMatch(/gcloud\.json#istio-system\/egress-proxy-5d4f8b7c9-kq2mx\s+egress-gateway\s+pod-labels/);
    expect(res.stderr).toMatch(/gcloud\.json#default\/sleep-76df4f989c-lrvpj\s+sidecar/);
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string }[] } };
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('unordered-input');
  });

  it('joins a large newest-first array export whole', async () => {
    const n = 1500;
    const entries = [];
    for (let i = 0; i < n; i++) {
      const t = new Date(Date.UTC(2022, 1, 19, 9, 0, 0) + i * 1000).toISOString();
      const port = 20000 + i;
      const sidecar = `[${t}] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:443" outbound|443||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:${port} 192.168.0.78:443 10.108.0.56:50898 api.example.com -`;
      const gateway = `[${t}] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "93.184.216.34:443" outbound|443||api.example.com 10.108.0.55:41000 10.108.0.55:443 10.108.0.56:${port} api.example.com -`;
      entries.push({ textPayload: sidecar, resource: { labels: { pod_name: 'sleep-1', namespace_name: 'default' } }, timestamp: t });
      entries.push({ textPayload: gateway, resource: { labels: { pod_name: 'istio-egressgateway-1', namespace_name: 'istio-system' } }, timestamp: t });
    }
    const file = join(dir, 'big.json.gz');
    writeFileSync(file, gzipSync(JSON.stringify(entries.reverse(), null, 2)));
    const res = await runCli(['audit', file, '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { summary: { verdicts: Record<string, number> } };
    expect(report.summary.verdicts).toMatchObject({ 'via-gateway': n });
  });

  it('parse prints each element\'s record at its line, on stdin and in one compact line too', async () => {
    const res = await runCli(['parse', pretty]);
    expect(res.code).toBe(0);
    const lines = ndjson(res.stdout).map((r) => (r['source'] as { line: number }).line);
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(starts).toContain(line);
    expect(res.stderr).toMatch(/5 records, 4 not access logs, 0 malformed, 0 too long, \d+ partial lines joined/);
    const compact = await runCli(['parse', '-'], { input: `\ufeff  ${JSON.stringify([TCP, { textPayload: TCP }])}\n` });
    expect(ndjson(compact.stdout).map((r) => (r['source'] as { line: number }).line)).toEqual([1, 1]);
  });

  it('counts an element cut off at the end (a truncated export) as malformed, naming its line', async () => {
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, prettyText.slice(0, prettyText.lastIndexOf('textPayload')));
    const res = await runCli(['parse', '--strict', cut]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${cut}:${starts[starts.length - 1] ?? 0}: truncated`);
  });
});

describe('what only starts with [ is read line by line', () => {
  it.each([
    ['an access log', `${TCP}\n`, 1],
    ['kubectl logs --prefix', `[pod/sleep-1/istio-proxy] ${TCP}\n`, 1],
    ["Envoy's own log", '[2019-02-21 05:38:48.587][18][warning][config] gRPC config stream closed\n', 0],
  ])('%s', async (_name, input, records) => {
    const res = await runCli(['parse', '-'], { input });
    expect(res.code).toBe(records === 0 ? 4 : 0); // no record read: exit 4
    expect(ndjson(res.stdout)).toHaveLength(records);
    expect(res.stderr).not.toMatch(/partial lines? joined/);
  });
});
