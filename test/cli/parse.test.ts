import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { RECORD_KEYS } from '../../parsers/index.js';
import { corpusLines } from '../helpers/corpus.js';
import { spawn } from 'node:child_process';
import { ndjson, outcome, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const TCP = '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';
let dir = '';

beforeAll(() => {
  dir = tempDir('ea-parse-');
  writeFileSync(join(dir, 'one.log'), `${TCP}\n2020-08-20T03:25:49.580264Z\tinfo\tVersion 1.6.4\n`);
  mkdirSync(join(dir, 'nested/deeper'), { recursive: true });
  writeFileSync(join(dir, 'nested/deeper/two.log'), `${TCP}\n${TCP}\n`);
  writeFileSync(join(dir, 'three.gz'), gzipSync(`${TCP}\n`));
  writeFileSync(join(dir, 'corrupt.gz'), Buffer.concat([gzipSync(`${TCP}\n`.repeat(100)).subarray(0, 40), Buffer.from('garbage')]));
  writeFileSync(join(dir, 'bad.log'), `${TCP}\n[2024-03-01T10:00:00.123Z] "GET /x HTTP/1.1" 200\n[2024-03-01T10:00:00.123Z] "GET /y\n`);
  writeFileSync(join(dir, 'corpus.log'), `${corpusLines.map((o) => o.line).join('\n')}\n`);
});

describe('egress-audit parse', () => {
  it('prints one NDJSON object per record with all 24 keys, format and source', async () => {
    const res = await runCli(['parse', join(dir, 'one.log')]);
    expect(res.code).toBe(0);
    const [rec] = ndjson(res.stdout);
    expect(Object.keys(rec as object)).toEqual([...RECORD_KEYS, 'format', 'source']);
    expect(rec).toMatchObject({ bytes_received: 85, response_flags: null, format: 'istio-1.9', source: { file: join(dir, 'one.log'), line: 1, pod: null } });
    expect(res.stderr).toContain('2 lines read, 1 record, 1 not an access log, 0 malformed, 0 too long');
  });

  it('reads directories recursively, globs and gzip (by content), in a stable order', async () => {
    const res = await runCli(['parse', join(dir, 'nested'), join(dir, 'th*.gz')]);
    expect(res.code).toBe(0);
    const files = ndjson(res.stdout).map((r) => (r['source'] as { file: string }).file);
    expect(files).toEqual([join(dir, 'nested/deeper/two.log'), join(dir, 'nested/deeper/two.log'), join(dir, 'three.gz')]);
  });

  it('reads stdin as -', async () => {
    const res = await runCli(['parse', '-'], { input: `[pod/sleep-1/istio-proxy] ${TCP}\n` });
    expect(ndjson(res.stdout)[0]).toMatchObject({ source: { file: '-', line: 1, pod: 'sleep-1', container: 'istio-proxy' } });
  });

  it("reads JSON pretty-printed (`parse | jq '.'`, without -c), from a file or stdin, as it reads the same JSON one object per line", async () => {
    const compact = await runCli(['parse', join(dir, 'nested/deeper/two.log')]);
    const pretty = ndjson(compact.stdout).map((r) => JSON.stringify(r, null, 2)).join('\n');
    const folder = tempDir('ea-parse-pretty-');
    const file = join(folder, 'pretty.json');
    writeFileSync(file, `${pretty}\n`);
    writeFileSync(join(folder, 'compact.ndjson'), compact.stdout);
    const fromCompact = ndjson((await runCli(['parse', join(folder, 'compact.ndjson')])).stdout).map((r) => ({ ...r, source: undefined }));
    for (const [args, input] of [[[file], undefined], [['-'], `${pretty}\n`]] as const) {
      const res = await runCli(['parse', ...args], input === undefined ? {} : { input });
      expect(res.code).toBe(0);
      const records = ndjson(res.stdout);
      expect(records).toHaveLength(2);
      expect(records.map((r) => ({ ...r, source: undefined }))).toEqual(fromCompact);
      expect(res.stderr).toContain(`${pretty.split('\n').length} lines read, 2 records`);
    }
  });

  it('accounts for every corpus line on stderr', async () => {
    const res = await runCli(['parse', join(dir, 'corpus.log')]);
    expect(res.code).toBe(0);
    const m = /(\d+) lines read, (\d+) records, (\d+) not access logs, (\d+) malformed.*?, (\d+) too long/.exec(res.stderr);
    const [, lines, records, noise, malformed, tooLong] = (m ?? []).map(Number);
    expect(lines).toBe(corpusLines.length);
    expect((records ?? 0) + (noise ?? 0) + (malformed ?? 0) + (tooLong ?? 0)).toBe(lines);
    expect(ndjson(res.stdout)).toHaveLength(records ?? -1);
  });

  it('names a line with text before its [timestamp] as such, not as cut short (truncated)', async () => {
    const res = await runCli(['parse', '--strict', '-'], { input: `${TCP}\n  ${TCP}\njunk: ${TCP}\n` });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('3 lines read, 1 record, 0 not access logs, 2 malformed (text-before-entry 2), 0 too long');
    expect(res.stderr).toContain('-:2: text-before-entry\n  -:3: text-before-entry');
  });

  it('--strict exits 1 and lists malformed lines with file:line and reason', async () => {
    const res = await runCli(['parse', '--strict', join(dir, 'bad.log')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${join(dir, 'bad.log')}:2: truncated`);
    expect(res.stderr).toContain(`${join(dir, 'bad.log')}:3: truncated`);
    expect(ndjson(res.stdout)).toHaveLength(1);
  });

  it('skips and counts lines over --max-line-length; without --strict only no record at all fails (exit 4)', async () => {
    const long = join(dir, 'one-long.log');
    writeFileSync(long, `${'x'.repeat(400)}\n${TCP}\n`);
    const res = await runCli(['parse', '--max-line-length', '300', long]);
    expect(res.stderr).toContain('2 lines read, 1 record, 0 not access logs, 0 malformed, 1 too long');
    expect(res.code).toBe(0);
    const none = await runCli(['parse', '--max-line-length', '100', join(dir, 'one.log')]);
    expect(none.stderr).toContain('0 records, 1 not an access log, 0 malformed, 1 too long');
    expect(none.code).toBe(4);
  });

  it('--strict fails on a line over --max-line-length and lists it with the malformed ones, in file and line order', async () => {
    const long = join(dir, 'long.log');
    writeFileSync(long, `${TCP}\n`);
    const res = await runCli(['parse', '--strict', '--max-line-length', '100', long, join(dir, 'bad.log')]);
    expect(res.code).toBe(4); // no line was read as a record: no evidence ranks above --strict's 1, as in an audit, and the lines are still listed
    expect(res.stderr).toContain(`--strict: lines not read (first 4):\n  ${join(dir, 'bad.log')}:1: too-long\n  ${join(dir, 'bad.log')}:2: truncated\n`);
    expect(res.stderr).toContain(`${join(dir, 'bad.log')}:3: truncated\n  ${long}:1: too-long\n`);
  });

  it('counts a line of CRI parts far past --max-line-length once as too long, its parts as joined, and --strict fails naming it', async () => {
    // As kubelet writes a 3 MB line: 16 KiB parts, then the final one; the parts span many reads and batches.
    const part = (tag: string, text: string) => `2024-03-01T10:00:00.000000001Z stdout ${tag} ${text}\n`;
    const file = join(dir, 'long-cri.log');
    writeFileSync(file, part('F', TCP) + part('P', 'x'.repeat(16384)).repeat(200) + part('F', 'end') + part('F', TCP));
    const res = await runCli(['parse', '--strict', '--max-line-length', '65536', file]);
    expect(res.stderr).toContain('203 lines read, 2 records, 0 not access logs, 0 malformed, 1 too long, 200 partial lines joined');
    // Missing from the output as a malformed line would be: --strict is a gate on every line read.
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`--strict: lines not read (first 1):\n  ${file}:202: too-long\n`);
    expect(ndjson(res.stdout).map((r) => (r['source'] as { line: number }).line)).toEqual([1, 203]);
  });

  it('reads a custom --format given inline or from @FILE', async () => {
    const format = '[%START_TIME%] %UPSTREAM_CLUSTER% %REQ(X-B3-TRACEID)%';
    writeFileSync(join(dir, 'format.txt'), `${format}\n`);
    writeFileSync(join(dir, 'custom.log'), '[2024-03-01T10:00:00.123Z] PassthroughCluster 80f198ee\n');
    for (const option of [format, `@${join(dir, 'format.txt')}`]) {
      const res = await runCli(['parse', '--format', option, join(dir, 'custom.log')]);
      expect(ndjson(res.stdout)[0]).toMatchObject({ format: 'custom', upstream_cluster: 'PassthroughCluster', extra: { 'REQ(X-B3-TRACEID)': '80f198ee' } });
    }
  });

  it.each([
    { name: 'a missing file', args: ['parse', '/nonexistent/x.log'], code: 3, message: '/nonexistent/x.log: no such file or directory' },
    { name: 'a glob matching nothing', args: ['parse', '/nonexistent/*.log'], code: 3, message: 'no files match' },
    { name: 'an unknown flag', args: ['parse', '--frobnicate'], code: 2, message: "unknown option '--frobnicate'" },
    { name: 'an unknown command', args: ['frobnicate'], code: 2, message: "unknown command 'frobnicate'" },
    { name: 'a bad --format', args: ['parse', '--format', 'nginx', '-'], code: 2, message: '--format: "nginx" is not a format name' },
    { name: 'a bad --max-line-length', args: ['parse', '--max-line-length', 'lots', '-'], code: 2, message: '--max-line-length: "lots" is not a size' },
  ])('exits $code on $name, naming it', async ({ args, code, message }) => {
    const res = await runCli(args);
    expect(res.code).toBe(code);
    expect(res.stderr).toContain(message);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 3 on a corrupt .gz, naming it, after printing what it could read', async () => {
    const res = await runCli(['parse', join(dir, 'corrupt.gz'), join(dir, 'one.log')]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`${join(dir, 'corrupt.gz')}: corrupt or truncated gzip data`);
    expect(ndjson(res.stdout).some((r) => (r['source'] as { file: string }).file === join(dir, 'one.log'))).toBe(true);
  });

  it('prints help and version', async () => {
    const help = await runCli(['parse', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  });
});

describe('parse on its worker threads', () => {
  // ~1.3 MB of Grafana "Download logs" rows (the JavaScript parsers read them, so `parse` starts its worker threads),
  // after the head that names their pod: every row keeps the head's labels, and the output is the one-thread output.
  it("gives every row of a Grafana download its head's pod, byte for byte as on one thread", async () => {
    // The first file's head is met on the main thread; the second's, once the worker threads run, in a batch bound for one.
    const dir = tempDir('ea-grafana-');
    const rows = Array.from({ length: 6000 }, (_, i) => `${1709290800000 + i}\t2024-03-01T11:00:00.500Z\t${TCP}`);
    const files = ['a', 'b'].map((pod) => {
      const file = join(dir, `${pod}.txt`);
      writeFileSync(file, [`Common labels: {"container":"istio-proxy","namespace":"shop","pod":"${pod}"}`, '', ...rows, ''].join('\n'));
      return file;
    });
    const threaded = await runCli(['parse', ...files], { env: { EGRESS_AUDIT_THREADS: '2' } });
    const inline = await runCli(['parse', ...files], { env: { EGRESS_AUDIT_THREADS: '0' } });
    expect(threaded.code).toBe(0);
    const records = ndjson(threaded.stdout) as { source: { file: string; pod?: string; line: number } }[];
    expect(records.filter((r) => r.source.pod === 'a' && r.source.file.endsWith('a.txt'))).toHaveLength(6000);
    expect(records.filter((r) => r.source.pod === 'b' && r.source.file.endsWith('b.txt'))).toHaveLength(6000);
    expect(records.map((r) => r.source.line)).toEqual([...rows, ...rows].map((_, i) => (i % 6000) + 3));
    expect(threaded.stdout).toBe(inline.stdout);
  });

  // An install whose worker script is gone (a partial copy, a packaging slip): the batches meant for the threads are
  // parsed on the main thread, once each, with a one-line note; before, an unhandled rejection's stack trace and exit 1.
  it('parses on the main thread, the same records, when the worker script is missing, saying so in one line', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const copy = tempDir('ea-no-worker-');
    for (const part of ['bin', 'package.json', 'dist/bundle', 'dist/src/output/wasm/fast-lane.wasm']) cpSync(join(root, part), join(copy, part), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    rmSync(join(copy, 'dist/bundle/parse-worker.js'));
    const input = join(tempDir('ea-no-worker-in-'), 'prefixed.log');
    writeFileSync(input, Array.from({ length: 6000 }, () => `[pod/ratings-v1-abc/istio-proxy] ${TCP}\n`).join(''));
    const env = { ...process.env, NO_COLOR: '1', EGRESS_AUDIT_THREADS: '2' };
    const broken = await outcome(spawn(process.execPath, [join(copy, 'bin/egress-audit.js'), 'parse', input], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const inline = await runCli(['parse', input], { env: { EGRESS_AUDIT_THREADS: '0' } });
    expect(broken.stderr).toBe(
      `egress-audit: the worker script ${join(copy, 'dist/bundle/parse-worker.js')} is missing; parsing on the main thread instead, with the same records (set EGRESS_AUDIT_THREADS=0 to skip worker threads, or reinstall egress-audit)\n` +
        'egress-audit parse: 6000 lines read, 6000 records, 0 not access logs, 0 malformed, 0 too long\n',
    );
    expect(broken.code).toBe(0);
    expect(broken.stdout).toBe(inline.stdout);
  });
});
