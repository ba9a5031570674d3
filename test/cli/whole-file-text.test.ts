// A policy, a baseline, a format file or a --pods list whose bytes are not valid in their encoding (a Latin-1 byte in
// UTF-8, a lone surrogate or an odd last byte in UTF-16): before, each was read with U+FFFD in their place, silently.
// Now the policy, the baseline and the format are refused (exit 3) and the pod list is read with a warning, each naming
// the file, the line and the byte offset of the first bad sequence.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const ROOT = join(import.meta.dirname, '..', '..');
const DEMO = join(ROOT, 'fixtures', 'demo');
const POLICY = readFileSync(join(DEMO, 'policy.yaml'), 'utf8');

let dir = '';
beforeAll(() => {
  dir = tempDir('ea-whole-text-');
});

/** `text` as UTF-8 with `bad` put in place of the first `marker`: the bytes and the offset where `bad` begins. */
function withBytes(text: string, marker: string, bad: readonly number[]): { bytes: Buffer; offset: number; line: number } {
  const at = text.indexOf(marker);
  const before = Buffer.from(text.slice(0, at));
  const bytes = Buffer.concat([before, Buffer.from(bad), Buffer.from(text.slice(at + marker.length))]);
  return { bytes, offset: before.length, line: text.slice(0, at).split('\n').length };
}

/** `text` as UTF-16LE with its byte-order mark, as Windows PowerShell 5.1 saves it. */
function utf16le(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** Writes `bytes` as `name` in the test folder; its path. */
function saved(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** The json report without the run's own clock. */
function withoutClock(json: string): string {
  return json.replace(/"(generatedAt|startedAt|endedAt)":"[^"]*"/g, '"$1":0');
}

describe('a policy whose bytes are not text', () => {
  it('is refused (exit 3), naming the file, the line and the byte offset of a Latin-1 byte in UTF-8', async () => {
    const { bytes, offset, line } = withBytes(POLICY, 'PyPI', [0x50, 0x79, 0xe9, 0x50, 0x49]);
    const file = saved('latin1.yaml', bytes);
    const res = await runCli(['audit', DEMO, '--policy', file, '-o', 'json']);
    expect(res.code).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`egress-audit: ${file}:${line}: not valid UTF-8 at byte offset ${offset + 2}: a policy is read only as written`);
  });

  it('is refused for a lone surrogate or an odd last byte in UTF-16, and in a gzip file by its inflated offset', async () => {
    const lone = Buffer.concat([utf16le(POLICY.slice(0, 40)), Buffer.from([0x00, 0xd8]), Buffer.from(POLICY.slice(40), 'utf16le')]);
    const odd = Buffer.concat([utf16le(POLICY), Buffer.from([0x41])]);
    const latin1 = withBytes(POLICY, 'reason:', [0xff]);
    const files = [saved('lone.yaml', lone), saved('odd.yaml', odd), saved('latin1.yaml.gz', gzipSync(latin1.bytes))];
    const runs = await Promise.all(files.map((file) => runCli(['audit', DEMO, '--policy', file, '-o', 'json'])));
    expect(runs.map((r) => r.code)).toEqual([3, 3, 3]);
    const loneLine = POLICY.slice(0, 40).split('\n').length;
    expect(runs[0]?.stderr).toContain(`${files[0]}:${loneLine}: not valid UTF-16LE at byte offset ${2 + 80}: a policy is read only as written`);
    expect(runs[1]?.stderr).toContain(`${files[1]}:${POLICY.split('\n').length}: not valid UTF-16LE at byte offset ${odd.length - 1}:`);
    expect(runs[2]?.stderr).toContain(`${files[2]}:${latin1.line}: not valid UTF-8 at byte offset ${latin1.offset} of its inflated text:`);
  });
});

describe('a baseline whose bytes are not text', () => {
  it('is refused (exit 3), naming the line and the byte offset, where the valid one is read', async () => {
    const baseline = join(dir, 'baseline.json');
    expect((await runCli(['audit', DEMO, '--write-baseline', baseline, '-o', 'table'])).code).toBe(1);
    const text = readFileSync(baseline, 'utf8');
    const marker = text.slice(text.indexOf('"host": "') + 9, text.indexOf('"host": "') + 10);
    const { bytes, offset, line } = withBytes(text, `"host": "${marker}`, [...Buffer.from('"host": "'), 0xc3, 0x28]);
    const bad = saved('bad-baseline.json', bytes);
    const [good, res] = await Promise.all([runCli(['audit', DEMO, '--baseline', baseline, '-o', 'json']), runCli(['audit', DEMO, '--baseline', bad, '-o', 'json'])]);
    expect(good.code).toBe(0);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`egress-audit: ${bad}:${line}: not valid UTF-8 at byte offset ${offset + 9}: a baseline is read only as --write-baseline wrote it`);
  });
});

describe('a format file whose bytes are not text', () => {
  it('is refused (exit 3), naming the flag, the file, the line and the byte offset', async () => {
    const format = '[%START_TIME%] "%REQ(:METHOD)% caf\u00e9" %RESPONSE_CODE%\n';
    const { bytes, offset } = withBytes(format, '\u00e9', [0xe9]);
    const file = saved('format.txt', bytes);
    const res = await runCli(['audit', DEMO, '--format', `@${file}`, '-o', 'json']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`egress-audit: --format @${file}:1: not valid UTF-8 at byte offset ${offset}: a format is read only as written`);
  });
});

describe('a --pods list whose bytes are not text', () => {
  const POD = (note: string): unknown => ({
    kind: 'Pod',
    metadata: { name: 'sleep-1', namespace: 'shop', labels: { app: 'sleep' }, annotations: { note } },
    spec: { containers: [{ name: 'sleep' }, { name: 'istio-proxy' }] },
    status: { podIP: '10.244.1.7' },
  });
  const list = (note: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [POD(note)] }, null, 2);

  it('is read with U+FFFD in their place, and a warning naming the file, the line and the byte offset', async () => {
    const { bytes, offset, line } = withBytes(list('caf\u00e9'), '\u00e9', [0xe9]);
    const bad = saved('pods-latin1.json', bytes);
    const good = saved('pods.json', Buffer.from(list('caf\ufffd')));
    const [plain, res] = await Promise.all([good, bad].map((file) => runCli(['audit', DEMO, '--pods', file, '-o', 'json'])));
    expect(res?.code).toBe(plain?.code);
    expect(withoutClock(res?.stdout ?? '')).toBe(withoutClock(plain?.stdout ?? '').replaceAll(good, bad));
    expect(res?.stderr).toContain(`egress-audit: --pods ${bad}:${line}: not valid UTF-8 at byte offset ${offset} (the first such bytes), read as U+FFFD`);
    expect(plain?.stderr).not.toContain('not valid UTF-8');
  });

  it('names a lone surrogate in a UTF-16 list by its byte offset, counting the byte-order mark', async () => {
    const text = list('x');
    const at = text.indexOf('"x"') + 1;
    const bytes = Buffer.concat([utf16le(text.slice(0, at)), Buffer.from([0x00, 0xdc]), Buffer.from(text.slice(at), 'utf16le')]);
    const file = saved('pods-utf16.json', bytes);
    const res = await runCli(['audit', DEMO, '--pods', file, '-o', 'json']);
    expect(res.code).not.toBe(3);
    expect(res.stderr).toContain(`--pods ${file}:${text.slice(0, at).split('\n').length}: not valid UTF-16LE at byte offset ${2 + 2 * at} (the first such bytes), read as U+FFFD`);
  });
});
