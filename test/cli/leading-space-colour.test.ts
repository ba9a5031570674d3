import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** A client's request through the egress gateway (sidecar hop), and the gateway's hop of it. */
const SIDECAR_HOP =
  '[2022-10-23T18:28:33.789Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 44 28 27 "-" "curl/7.64.0" "56140728-4722-972f-afaa-299e00837e1a" "app.example.com" "10.128.2.35:3000" outbound|3000||istio-egressgateway.istio-system.svc.cluster.local 10.128.2.33:50174 240.240.0.2:80 10.128.2.33:56948 - -';
const GATEWAY_HOP =
  '[2022-10-23T18:28:33.790Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 44 21 20 "10.128.2.33" "curl/7.64.0" "56140728-4722-972f-afaa-299e00837e1a" "app.example.com" "178.170.196.65:443" outbound|443||app.example.com 10.128.2.35:49182 10.128.2.35:3000 10.128.2.33:50174 - -';
/** A JSON access log of a connection straight out through PassthroughCluster: a direct flow. */
const DIRECT_JSON =
  '{"start_time":"2022-10-23T18:28:33.789Z","upstream_cluster":"PassthroughCluster","upstream_host":"1.2.3.4:443","downstream_remote_address":"10.0.0.1:5","upstream_local_address":"10.0.0.1:6","downstream_local_address":"1.2.3.4:443","bytes_received":5,"bytes_sent":6,"response_code":0,"authority":null,"requested_server_name":"evil.com"}';
const DIRECT_TEXT =
  '[2022-10-25T21:01:00.331Z] "- - -" 0 - - - "-" 85 585 50690 - "-" "-" "-" "-" "1.2.3.4:443" PassthroughCluster 10.0.0.1:44730 1.2.3.4:443 10.0.0.1:58754 - -';

interface Report {
  summary: { exitCode: number; verdicts: Record<string, number> };
  coverage: { lines: { lines: number; records: number; notAccessLog: number; malformed: Record<string, number> }; warnings: { code: string; message: string }[] };
  flows: { verdict: string; destination: { key: string }; evidence: unknown }[];
}

async function audit(sidecar: string, gateway: string): Promise<{ code: number | null; report: Report }> {
  const dir = tempDir('ea-lead-');
  writeFileSync(join(dir, 'sc.log'), sidecar);
  writeFileSync(join(dir, 'gw.log'), gateway);
  const res = await runCli(['audit', '--sidecar', join(dir, 'sc.log'), '--gateway', join(dir, 'gw.log'), '-o', 'json'], { cwd: dir });
  expect(res.stdout, res.stderr).not.toBe('');
  return { code: res.code, report: JSON.parse(res.stdout) as Report };
}

describe('a JSON access log after white space is audited as the line it is', () => {
  it.each([
    { name: 'a leading space', line: ` ${DIRECT_JSON}` },
    { name: 'a tab and spaces', line: `\t  ${DIRECT_JSON}` },
    { name: "a CRI line's `stdout F` and two spaces", line: `2022-10-23T18:28:33.800000000Z stdout F  ${DIRECT_JSON}` },
  ])('after $name: the direct flow is found and fails the run, as without the white space', async ({ line }) => {
    // It was "not an access log", with no warning: via-gateway 1, PASS (exit 0).
    const spaced = await audit(`${SIDECAR_HOP}\n${line}\n`, `${GATEWAY_HOP}\n`);
    const plain = await audit(`${SIDECAR_HOP}\n${DIRECT_JSON}\n`, `${GATEWAY_HOP}\n`);
    expect(spaced.report.summary.verdicts).toMatchObject({ direct: 1, 'via-gateway': 1 });
    expect(spaced.report.summary.verdicts).toEqual(plain.report.summary.verdicts);
    expect(spaced.report.coverage.lines).toMatchObject({ lines: 3, records: 3, notAccessLog: 0, malformed: {} });
    expect(spaced.report.flows.find((f) => f.verdict === 'direct')?.destination.key).toBe('evil.com:443');
    expect(spaced.code).toBe(1);
  });

  it('parse writes its record as for the line without the white space, every line counted', async () => {
    const dir = tempDir('ea-lead-parse-');
    writeFileSync(join(dir, 'spaced.log'), `${SIDECAR_HOP}\n  ${DIRECT_JSON}\n2022-10-23T18:28:33.800000000Z stdout F \t${DIRECT_JSON}\n`);
    writeFileSync(join(dir, 'plain.log'), `${SIDECAR_HOP}\n${DIRECT_JSON}\n${DIRECT_JSON}\n`);
    const spaced = await runCli(['parse', 'spaced.log'], { cwd: dir });
    const plain = await runCli(['parse', 'plain.log'], { cwd: dir });
    expect(spaced.code).toBe(0);
    expect(spaced.stderr).toContain('3 lines read, 3 records, 0 not access logs, 0 malformed');
    const records = ndjson(spaced.stdout);
    const want = ndjson(plain.stdout);
    expect(records.map((r) => ({ ...r, source: null }))).toEqual(want.map((r) => ({ ...r, source: null })));
    expect(records[2]?.['source']).toMatchObject({ line: 3, timestamp: '2022-10-23T18:28:33.800000000Z' });
  });
});

describe("stern's coloured output (`stern --color always`) is audited as the plain output is", () => {
  const esc = (code: string, text: string): string => `\u001b[${code}m${text}\u001b[0m`;
  const prefix = (pod: string): string => `${esc('96', pod)} ${esc('32', 'istio-proxy')} `;

  it('finds the direct flow and fails the run: the same verdicts, pods and exit code as without colour', async () => {
    // Every line was malformed (text-before-entry): no records, exit 4.
    const coloured = await audit(`${prefix('client-abc')}${SIDECAR_HOP}\n${prefix('client-abc')}${DIRECT_TEXT}\n`, `${prefix('egw-1')}${GATEWAY_HOP}\n`);
    const plain = await audit(`client-abc istio-proxy ${SIDECAR_HOP}\nclient-abc istio-proxy ${DIRECT_TEXT}\n`, `egw-1 istio-proxy ${GATEWAY_HOP}\n`);
    expect(coloured.report.summary.verdicts).toMatchObject({ direct: 1, 'via-gateway': 1 });
    expect(coloured.report.summary).toEqual(plain.report.summary);
    expect(coloured.report.flows.map((f) => f.evidence)).toEqual(plain.report.flows.map((f) => f.evidence));
    expect(coloured.report.coverage.lines).toMatchObject({ lines: 3, records: 3, malformed: {} });
    expect(coloured.report.coverage.warnings.map((w) => w.code)).toEqual(plain.report.coverage.warnings.map((w) => w.code));
    expect(coloured.code).toBe(1);
  });

  it('parse names the namespace, pod and container from between the colour codes, and writes the record the plain line gives', async () => {
    const dir = tempDir('ea-stern-parse-');
    writeFileSync(join(dir, 'stern.log'), `${esc('96', 'shop')} ${prefix('client-abc')}${DIRECT_TEXT}\n`);
    const res = await runCli(['parse', 'stern.log'], { cwd: dir });
    expect(res.code).toBe(0);
    writeFileSync(join(dir, 'plain.log'), `${DIRECT_TEXT}\n`);
    const plain = await runCli(['parse', 'plain.log'], { cwd: dir });
    const [record] = ndjson(res.stdout);
    expect(record?.['source']).toMatchObject({ namespace: 'shop', pod: 'client-abc', container: 'istio-proxy' });
    expect({ ...record, source: null }).toEqual({ ...ndjson(plain.stdout)[0], source: null });
  });
});
