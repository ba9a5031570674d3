// A log pipeline's export mixes every pod's lines in one file, each wrapped in the pipeline's JSON with the
// pod that wrote it (fixtures/pipelines: Fluent Bit, Fluentd, Vector, Filebeat, Loki's JSON and default output, Google Cloud Logging).
// Each pod gets its own role, the join works inside the one file, and a time-ordered export is not held whole.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../bench/generate.js';
import { vectorRecords } from '../../bench/write-inputs.js';
import { ndjson, runCli, type CliResult } from '../helpers/cli.js';
import { gzipSync } from 'node:zlib';
import type { ExpectedVerdict as Expected, HopSource as Hop } from '../helpers/expected.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const DIR = fileURLToPath(new URL('../../fixtures/pipelines/', import.meta.url));
const GATEWAY_POD = 'egress-proxy-5d4f8b7c9-kq2mx';

/** Each evidence line's verdict and pod, from the ndjson flows' hops. */
function byLine(stdout: string): Map<number, { verdict: string; rule: string; pod: string | null }> {
  const out = new Map<number, { verdict: string; rule: string; pod: string | null }>();
  for (const flow of ndjson(stdout).filter((f) => f['type'] === 'flow')) {
    for (const hop of [flow['sidecar'], flow['gateway']] as (Hop | null)[]) {
      if (hop !== null) out.set(hop.source.line, { verdict: flow['verdict'] as string, rule: flow['rule'] as string, pod: hop.source.pod ?? null });
    }
  }
  return out;
}

describe("log pipelines' exports, through the real binary", () => {
  const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected[];
  const files = readdirSync(DIR).filter((f) => f.endsWith('.jsonl') || f.endsWith('.log'));

  it('has one export per pipeline', () => {
    expect(files.sort()).toEqual(['ecs-flat.jsonl', 'filebeat.jsonl', 'fluent-bit.jsonl', 'fluentd.jsonl', 'gcp.jsonl', 'loki-default.log', 'loki.jsonl', 'vector.jsonl']);
  });

  it.each(files)('%s: every line gets its verdict, and the gateway pod its role, inside one file', async (file) => {
    const res = await runCli(['audit', join(DIR, file), '-o', 'ndjson', '--fail-on', 'direct', '--explain']);
    expect(res.code).toBe(1); // the passthrough request went direct
    const got = byLine(res.stdout);
    const mine = expected.filter((e) => e.file === file);
    expect(mine).toHaveLength(5);
    for (const e of mine) expect(got.get(e.line), `${file}:${e.line}`).toMatchObject({ verdict: e.verdict, rule: e.rule });
    expect(got.size).toBe(5);
    expect([...got.values()].filter((v) => v.pod === GATEWAY_POD)).toHaveLength(2);
    // Named unlike a gateway: its labels say so where the pipeline keeps them (logcli's stream labels do not).
    const rule = file.startsWith('loki') ? 'content:far-side' : 'pod-labels';
    expect(res.stderr).toMatch(new RegExp(`${file}#istio-system/${GATEWAY_POD}\\s+egress-gateway\\s+${rule}`));
    expect(res.stderr).toMatch(new RegExp(`${file}#default/sleep-76df4f989c-lrvpj\\s+sidecar`));
  });

  it('parse prints each record with the pod, namespace, container and time its envelope named', async () => {
    const res = await runCli(['parse', join(DIR, 'vector.jsonl')]);
    expect(res.code).toBe(0);
    const records = ndjson(res.stdout);
    expect(records).toHaveLength(5);
    expect(records[0]?.['source']).toMatchObject({ pod: GATEWAY_POD, namespace: 'istio-system', container: 'istio-proxy', timestamp: '2021-06-08T03:14:07.619000000Z' });
  });

  it('does not hold a large time-ordered export until it ends: its joins need only the window', async () => {
    const dir = tempDir('ea-pipeline-');
    const file = join(dir, 'vector-export.jsonl');
    writeFileSync(file, `${vectorExport(3000).join('\n')}\n`);
    const res = await runCli(['audit', file, '-o', 'json', '--max-pending', '200', '--explain']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { summary: { verdicts: Record<string, number> }; coverage: { warnings: { code: string }[] } };
    expect(report.summary.verdicts).toMatchObject({ 'via-gateway': 3000 });
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('evicted-entries');
    expect(res.stderr).not.toContain('waited until it ended');
  });

  it('reads a newest-first export file from its last line back: only the window is held, and evidence keeps the file\'s line numbers', async () => {
    const dir = tempDir('ea-pipeline-newest-');
    const file = join(dir, 'loki-backward.jsonl');
    // The gateway's pipeline ships its lines 1 s later, so partners are ~100 lines apart; newest first, as
    // logcli without --forward and gcloud logging read write them. Before, such a file was held until it ended
    // (memory for every line of it); read back, it is in log-time order and held only for the window.
    const lines = newestFirstLagged(3000);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const res = await runCli(['audit', file, '-o', 'ndjson', '--max-pending', '200', '--explain']);
    expect(res.code).toBe(0);
    const out = ndjson(res.stdout);
    const report = out.find((r) => r['type'] === 'report') as { summary: { verdicts: Record<string, number> }; coverage: { warnings: { code: string }[] } };
    expect(report.summary.verdicts).toMatchObject({ 'via-gateway': 3000, 'gateway-only': 0 });
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('evicted-entries');
    expect(res.stderr).toContain('loki-backward.jsonl: read from its last line back, as its log time runs newest first\n'); // in place: no temporary copy
    expect(res.stderr).not.toContain('waited until it ended');
    const flows = out.filter((r) => r['type'] === 'flow') as unknown as { sidecar: Hop & { request_id: string }; gateway: Hop & { request_id: string } }[];
    for (const flow of flows) {
      for (const hop of [flow.sidecar, flow.gateway]) expect(lines[hop.source.line - 1], `line ${hop.source.line}`).toContain(hop.request_id);
    }
    expect(flows.find((f) => f.sidecar.request_id === requestId(0))?.sidecar.source.line).toBe(6000); // the oldest line is the last
  });

  it('gives every line of an export the verdict it gets from one file per role (20k generated lines, seed 1)', async () => {
    const lines = [...generateLines(20_000)];
    const dir = tempDir('ea-pipeline-same-');
    const write = (name: string, texts: string[]) => writeFileSync(join(dir, name), `${texts.join('\n')}\n`);
    write('export.jsonl', [...vectorRecords(lines)].map((r) => r.text));
    write('sidecars.log', lines.filter((l) => l.role === 'sidecar').map((l) => l.text));
    write('istio-egressgateway.log', lines.filter((l) => l.role === 'egress-gateway').map((l) => l.text));
    // Each export line's place in its role's file.
    const counters = { sidecar: 0, 'egress-gateway': 0 };
    const place = lines.map((l) => `${l.role}:${++counters[l.role]}`);
    const verdicts = async (files: string[], key: (file: string, line: number) => string) => {
      const res = await runCli(['audit', ...files.map((f) => join(dir, f)), '-o', 'ndjson', '--fail-on', 'none']);
      expect(res.code).toBe(0);
      const out = new Map<string, string>();
      for (const flow of ndjson(res.stdout).filter((f) => f['type'] === 'flow')) {
        for (const hop of [flow['sidecar'], flow['gateway']] as (Hop | null)[]) if (hop !== null) out.set(key(hop.source.file, hop.source.line), `${flow['verdict'] as string} ${flow['rule'] as string}`);
      }
      return out;
    };
    const fromExport = await verdicts(['export.jsonl'], (_file, line) => place[line - 1] as string);
    const fromFiles = await verdicts(['sidecars.log', 'istio-egressgateway.log'], (file, line) => `${file.endsWith('sidecars.log') ? 'sidecar' : 'egress-gateway'}:${line}`);
    expect(fromExport.size).toBeGreaterThan(19_000);
    expect(fromExport).toEqual(fromFiles);
  });

  it('says a pod first seen after the role sample was judged by its name, not by entries it never looked at', async () => {
    // 2,200 records from one client pod fill the 2,000-record sample; the next request comes from another.
    const lines = [...vectorExport(1100).map((l) => l.replace(/client-7c9f-\d+/, 'client-7c9f-0')), ...vectorExport(1101).slice(2200)];
    const res = await runCli(['audit', '-', '-o', 'json', '--explain'], { input: `${lines.join('\n')}\n` });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/#shop\/client-7c9f-20\s+sidecar\s+pod-name: pod "client-7c9f-20" is not named like a gateway and none of its entries was sampled/);
    expect(res.stderr).toMatch(/#shop\/client-7c9f-0\s+sidecar\s+content:sidecar|#shop\/client-7c9f-0\s+sidecar\s+pod-name: pod "client-7c9f-0" is not named like a gateway and its entries show no gateway traffic/);
  });

  it('keeps two pods of one name in two namespaces apart: each its own role, its own IP and its own namespace', async () => {
    // shop/web-0 (10.1.1.2) and billing/web-0 (10.1.2.2) each send one request through the gateway; the
    // gateway's entry of a third request from billing's IP has no sidecar entry, so only the IP names its
    // source. One pod key for both had given both IPs to whichever namespace came first.
    const gwLine = (i: number, client: string) =>
      `[${stamp(i * 20 + 1)}] "GET /v1/${i} HTTP/1.1" 200 - via_upstream - "-" 0 10 8 7 "${client}" "curl/8" "${requestId(i)}" "api.example.com" "93.184.216.34:443" outbound|443||api.example.com 10.1.0.50:${30_000 + i} 10.1.0.50:8080 ${client}:${20_000 + i} - -`;
    const sidecarLine = (i: number, client: string) =>
      `[${stamp(i * 20)}] "GET /v1/${i} HTTP/1.1" 200 - via_upstream - "-" 0 10 10 9 "-" "curl/8" "${requestId(i)}" "api.example.com" "10.1.0.50:8080" outbound|80||istio-egressgateway.istio-system.svc.cluster.local ${client}:${20_000 + i} 10.96.0.80:80 ${client}:${40_000 + i} - -`;
    const gateway = 'istio-egressgateway-6d8f-0';
    const lines = [
      vectorLine('web-0', 'shop', 11, sidecarLine(0, '10.1.1.2')),
      vectorLine(gateway, 'istio-system', 12, gwLine(0, '10.1.1.2')),
      vectorLine('web-0', 'billing', 31, sidecarLine(1, '10.1.2.2')),
      vectorLine(gateway, 'istio-system', 32, gwLine(1, '10.1.2.2')),
      vectorLine(gateway, 'istio-system', 52, gwLine(2, '10.1.2.2')),
    ];
    const res = await runCli(['audit', '-', '-o', 'ndjson', '--fail-on', 'none', '--explain'], { input: `${lines.join('\n')}\n` });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/#shop\/web-0\s+sidecar/);
    expect(res.stderr).toMatch(/#billing\/web-0\s+sidecar/);
    expect(res.stderr).toMatch(/10\.1\.1\.2=shop\/web-0, 10\.1\.2\.2=billing\/web-0/);
    const flows = ndjson(res.stdout).filter((f) => f['type'] === 'flow');
    const sources = flows.map((f) => [f['verdict'], (f['source'] as { namespace: string | null }).namespace]);
    expect(sources).toEqual(expect.arrayContaining([['via-gateway', 'shop'], ['via-gateway', 'billing'], ['gateway-only', 'billing']]));
    expect(flows).toHaveLength(3);
  });

  it('counts the entries that contradict a pod\'s role per namespace too (mixed-roles names the one pod)', async () => {
    // shop/web-0 is an egress gateway that neither its name nor its labels give away, and no sidecar in the
    // export dials it: it is read as a sidecar, and its entries say otherwise. billing/web-0 is a sidecar.
    const gatewayLike = (i: number) =>
      `[${stamp(i * 20 + 1)}] "GET /v1/${i} HTTP/1.1" 200 - via_upstream - "-" 0 10 8 7 "10.1.9.9" "curl/8" "${requestId(i)}" "api.example.com" "93.184.216.34:443" outbound|443||api.example.com 10.1.0.50:${30_000 + i} 10.1.0.50:8080 10.1.9.9:${20_000 + i} - -`;
    const passthrough = (i: number) =>
      `[${stamp(i * 20)}] "GET /v1/${i} HTTP/1.1" 200 - via_upstream - "-" 0 10 10 9 "-" "curl/8" "${requestId(100 + i)}" "pypi.org" "151.101.0.223:443" PassthroughCluster 10.1.2.2:${40_000 + i} 151.101.0.223:443 10.1.2.2:${41_000 + i} - allow_any`;
    const lines = [0, 1, 2, 3, 4].flatMap((i) => [vectorLine('web-0', 'billing', i * 20 + 5, passthrough(i)), ...(i < 3 ? [vectorLine('web-0', 'shop', i * 20 + 9, gatewayLike(i))] : [])]);
    const res = await runCli(['audit', '-', '-o', 'json', '--fail-on', 'none'], { input: `${lines.join('\n')}\n` });
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    const mixed = report.coverage.warnings.find((w) => w.code === 'mixed-roles');
    expect(mixed?.message).toContain('pod shop/web-0 (read as a sidecar; 3 of 3 entries read like an egress gateway\'s');
    // The way out for a pod: splitting the file by pod is done already; naming the pod with --gateway-pod is not.
    expect(mixed?.message).toContain('name it with --gateway-pod POD (a glob, or NAMESPACE/POD)');
    expect(mixed?.message).not.toContain('or kubectl logs --prefix');
  });

  it('names an export on stdin held whole (two exports one after another, seen in its head) as the cause when --max-pending evicts, and the way out', async () => {
    const lines = newestFirstLagged(300).reverse(); // oldest first, each gateway line ~50 lines after its sidecar's
    const input = `${[...lines.slice(300), ...lines.slice(0, 300)].join('\n')}\n`; // its second half first
    expect(input.length).toBeLessThan(1 << 20); // it ends within the head: judged whole, held until it ends
    const res = await runCli(['audit', '-', '-o', 'json', '--fail-on', 'none', '--max-pending', '20', '--explain'], { input });
    expect(res.stderr).toMatch(/-: its entries waited until it ended: its log time goes back \d+s at line 301, seen in it \(it ends within the head looked at before it is read\)/);
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    const evicted = report.coverage.warnings.find((w) => w.code === 'evicted-entries');
    expect(evicted?.message).toMatch(/^\d+ entries were released before their window closed/);
    expect(evicted?.message).toContain('1 input held its entries until it ended, as its log time goes back or could not be told before it was read: -. A newest-first export');
    expect(evicted?.message).toContain('is read from its end instead when its order is seen before it is read (probes of a file; the first MiB of stdin or a .gz)');
  });

  it('reads a newest-first export on stdin that ends within its head from its end, however short: only the window is held', async () => {
    const input = `${newestFirstLagged(300).join('\n')}\n`;
    expect(input.length).toBeLessThan(1 << 20);
    const res = await runCli(['audit', '-', '-o', 'json', '--fail-on', 'none', '--explain'], { input });
    expect(res.stderr).toContain('-: read from its last line back, as its log time runs newest first (through a temporary copy'); // was read as it came, held whole
    const report = JSON.parse(res.stdout) as { summary: { verdicts: Record<string, number> } };
    expect(report.summary.verdicts).toMatchObject({ 'via-gateway': 300 });
  });

  describe('a newest-first export that cannot be probed (stdin, gzip): its head is judged, and it is read from its end through a temporary copy', () => {
    // 3,000 requests: 6,000 entries, about 3.6 MB. Held whole, --max-pending 2000 would evict; read from its end
    // (oldest first), only the window's entries wait.
    const lines = newestFirstLagged(3000);
    const text = `${lines.join('\n')}\n`;
    const args = ['audit', '-o', 'json', '--fail-on', 'unordered-input', '--max-pending', '2000', '--explain'];

    async function audit(input: 'stdin' | 'gzip'): Promise<{ res: CliResult; tmp: string }> {
      const tmp = tempDir('ea-spool-');
      const env = { TMPDIR: tmp };
      if (input === 'stdin') return { res: await runCli([...args, '-'], { input: text, env }), tmp };
      const gz = join(tempDir('ea-gz-'), 'export.jsonl.gz');
      writeFileSync(gz, gzipSync(text));
      return { res: await runCli([...args, gz], { env }), tmp };
    }

    it.each(['stdin', 'gzip'] as const)('from %s: every request joined, nothing evicted, the evidence at the export\'s own line numbers, no temporary file left', async (input) => {
      const { res, tmp } = await audit(input);
      expect(res.code).toBe(0);
      const report = JSON.parse(res.stdout) as { summary: { verdicts: Record<string, number> }; coverage: { warnings: { code: string }[] }; flows: { sidecar: Hop | null; gateway: Hop | null }[] };
      expect(report.summary.verdicts).toMatchObject({ 'via-gateway': 3000, 'via-gateway-unconfirmed': 0, 'gateway-only': 0 });
      expect(report.coverage.warnings.map((w) => w.code)).not.toContain('evicted-entries');
      expect(res.stderr).toMatch(/: read from its last line back, as its log time runs newest first \(through a temporary copy, as it cannot be read from its end in place\)/);
      // Line numbers are the export's own: each hop's line holds that hop's request.
      expect(report.flows.length).toBeGreaterThan(0);
      for (const flow of report.flows.slice(0, 50)) {
        for (const hop of [flow.sidecar, flow.gateway] as (Hop & { request_id: string })[]) {
          const shipped = JSON.parse(lines[hop.source.line - 1] as string) as { message: string };
          expect(shipped.message).toContain(hop.request_id);
        }
      }
      expect(readdirSync(tmp)).toEqual([]); // the copy was unlinked as soon as it was open
    });

    it('reads what a cut .gz held before its end, from its end, and then fails (exit 3) as a front-to-back read does', async () => {
      const tmp = tempDir('ea-spool-');
      const whole = gzipSync(text);
      const gz = join(tmp, 'cut.jsonl.gz');
      writeFileSync(gz, whole.subarray(0, Math.floor(whole.length * 0.8)));
      const res = await runCli(['audit', '-o', 'json', '--fail-on', 'none', '--explain', gz], { env: { TMPDIR: tmp } });
      expect(res.code).toBe(3);
      expect(res.stderr).toContain('cut.jsonl.gz: corrupt or truncated gzip data');
      expect(res.stderr).toMatch(/cut\.jsonl\.gz: read from its last line back/);
      const report = JSON.parse(res.stdout) as { summary: { verdicts: Record<string, number> } };
      expect(report.summary.verdicts['via-gateway']).toBeGreaterThan(2000);
      expect(readdirSync(tmp)).toEqual(['cut.jsonl.gz']);
    });

    it('exits 3 naming the input and the place when the temporary copy cannot be made (TMPDIR that is not there)', async () => {
      const missing = join(tempDir('ea-spool-'), 'not-there');
      const res = await runCli(['audit', '-o', 'json', '--fail-on', 'none', '-'], { input: text, env: { TMPDIR: missing } });
      expect(res.code).toBe(3);
      expect(res.stderr).toContain(`-: runs newest first, and its temporary copy (to read it from its end) could not be written in ${missing} (ENOENT); set TMPDIR`);
      expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  });

  it('reads a newest-first export on stdin (logcli without --forward) without a false unordered-input warning', async () => {
    const res = await runCli(['audit', '-', '-o', 'json', '--fail-on', 'unordered-input'], { input: `${vectorExport(1000).reverse().join('\n')}\n` });
    expect(res.code).toBe(0); // was 1: "entries read before that point were given up on", when none was
    const report = JSON.parse(res.stdout) as { summary: { verdicts: Record<string, number> } };
    expect(report.summary.verdicts).toMatchObject({ 'via-gateway': 1000 });
  });
});

/**
 * A Vector export of `n` HTTP requests 20 ms apart from 40 client pods through 2 gateway replicas,
 * interleaved by time as a pipeline stores them; held whole, --max-pending 200 would evict most of them.
 */
function vectorExport(n: number): string[] {
  const lines: string[] = [];
  const at = stamp;
  const envelope = vectorLine;
  for (let i = 0; i < n; i++) {
    const t = i * 20;
    const client = `10.1.${1 + (i % 40)}.2`;
    const gw = `10.1.0.${50 + (i % 2)}`;
    const rid = requestId(i);
    lines.push(envelope(`istio-egressgateway-6d8f-${i % 2}`, 'istio-system', t + 9,
      `[${at(t + 1)}] "GET /v1/${i} HTTP/1.1" 200 - via_upstream - "-" 0 10 8 7 "${client}" "curl/8" "${rid}" "api.example.com" "93.184.216.34:443" outbound|443||api.example.com ${gw}:${30_000 + i} ${gw}:8080 ${client}:${20_000 + i} - -`));
    lines.push(envelope(`client-7c9f-${i % 40}`, 'shop', t + 11,
      `[${at(t)}] "GET /v1/${i} HTTP/1.1" 200 - via_upstream - "-" 0 10 10 9 "-" "curl/8" "${rid}" "api.example.com" "${gw}:8080" outbound|80||istio-egressgateway.istio-system.svc.cluster.local ${client}:${20_000 + i} 10.96.0.80:80 ${client}:${40_000 + i} - -`));
  }
  return lines;
}

/** A log time `ms` after the exports' base time. */
function stamp(ms: number): string {
  return new Date(Date.parse('2024-05-01T12:00:00.000Z') + ms).toISOString();
}

/** The request id of request `i`. */
function requestId(i: number): string {
  return `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** One line of a Vector `kubernetes_logs` export: `message` as pod `pod` in namespace `ns` wrote it, shipped at `ms`. */
function vectorLine(pod: string, ns: string, ms: number, message: string): string {
  return JSON.stringify({ kubernetes: { container_name: 'istio-proxy', pod_name: pod, pod_namespace: ns }, message, stream: 'stdout', timestamp: stamp(ms) });
}

/** vectorExport(n) as a store returns it newest first, with the gateway's lines shipped 1 s late: partners ~100 lines apart. */
function newestFirstLagged(n: number): string[] {
  const shipped = vectorExport(n).map((line) => {
    const record = JSON.parse(line) as { kubernetes: { pod_name: string }; timestamp: string };
    if (record.kubernetes.pod_name.startsWith('istio-egressgateway')) record.timestamp = new Date(Date.parse(record.timestamp) + 1000).toISOString();
    return { at: record.timestamp, line: JSON.stringify(record) };
  });
  return shipped.sort((a, b) => b.at.localeCompare(a.at)).map((s) => s.line);
}
