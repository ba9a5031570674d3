import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostPort, splitAuthority } from '../../src/engine/net.js';
import { InputError } from '../../src/errors.js';
import { createPolicyStage, fingerprintOf, loadBaseline, writeBaseline } from '../../src/policy/index.js';
import { fingerprintOfParts } from '../../src/policy/fingerprint.js';
import { finding, flow } from './builders.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'egress-baseline-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GOOGLE = finding({ fingerprint: '1111111111111111', destination: 'www.googleapis.com:443', sourceWorkload: 'productpage-v1' });
const DB = finding({ fingerprint: '2222222222222222', rule: 'direct/endpoint-outside-mesh', destination: 'external-db.default.svc.cluster.local:3306', sourceWorkload: 'ratings-v1' });
const BLOCKED = finding({ fingerprint: '3333333333333333', verdict: 'blocked', rule: 'blocked/blackhole-cluster', destination: '192.168.0.78:1234', failing: false });
const ALLOWED = finding({ fingerprint: '4444444444444444', failing: false, allowedBy: { id: 'googleapis', reason: 'approved', expires: null } });
const OLD = finding({ fingerprint: '5555555555555555', destination: 'www.google.com:80', failing: false, baselined: true });

describe('writeBaseline', () => {
  it('writes sorted, one finding per line, with no timestamps', async () => {
    const path = join(dir, 'baseline.json');
    await writeBaseline(path, [GOOGLE, DB, BLOCKED], { version: '0.1.0', failOn: ['direct'] });
    expect(await readFile(path, 'utf8')).toBe(await readFile('fixtures/policy/baseline.json', 'utf8'));
  });

  it('matches the baseline example shown in docs/policy.md', async () => {
    const doc = await readFile('docs/policy.md', 'utf8');
    expect(/```json\n([\s\S]*?)```/.exec(doc)?.[1]).toBe(await readFile('fixtures/policy/baseline.json', 'utf8'));
  });

  it('writes the same bytes whatever order the findings come in', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    await writeBaseline(a, [GOOGLE, DB, OLD], { version: '0.1.0', failOn: ['direct'] });
    await writeBaseline(b, [OLD, DB, GOOGLE, DB], { version: '0.1.0', failOn: ['direct'] });
    expect(await readFile(a, 'utf8')).toBe(await readFile(b, 'utf8'));
  });

  it.each([
    { name: 'keeps --fail-on verdicts, baselined ones too, but not ones an exception allows', failOn: ['direct'], kept: ['1111111111111111', '5555555555555555'] },
    { name: 'keeps every --fail-on verdict', failOn: ['direct', 'blocked'], kept: ['1111111111111111', '3333333333333333', '5555555555555555'] },
    { name: 'without --fail-on, keeps what fails now or was baselined', failOn: undefined, kept: ['1111111111111111', '5555555555555555'] },
    { name: 'keeps nothing for --fail-on none', failOn: [], kept: [] },
  ])('$name', async ({ failOn, kept }) => {
    const path = join(dir, 'baseline.json');
    await writeBaseline(path, [GOOGLE, BLOCKED, ALLOWED, OLD], { version: '0.1.0', ...(failOn ? { failOn } : {}) });
    const baseline = await loadBaseline(path);
    expect([...baseline.fingerprints].sort()).toEqual(kept);
  });

  it('reads a baseline saved again as UTF-16 (Windows PowerShell 5.1) or with UTF-8\'s byte-order mark', async () => {
    const path = join(dir, 'baseline.json');
    await writeBaseline(path, [GOOGLE, DB], { version: '0.1.0', failOn: ['direct'] });
    const text = await readFile(path, 'utf8');
    const expected = [...(await loadBaseline(path)).fingerprints].sort();
    await writeFile(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect([...(await loadBaseline(path)).fingerprints].sort()).toEqual(expected);
    await writeFile(path, `\ufeff${text}`);
    expect([...(await loadBaseline(path)).fingerprints].sort()).toEqual(expected);
  });

  it('escapes control, C1 and bidi characters so the file is safe to cat', async () => {
    const path = join(dir, 'baseline.json');
    const hostile = finding({ fingerprint: '6666666666666666', destination: 'a\u001b[2J\u009b\u202eb:443' });
    await writeBaseline(path, [hostile], { version: '0.1.0', failOn: ['direct'] });
    const text = await readFile(path, 'utf8');
    expect(text).toContain('"destination":"a\\u001b[2J\\u009b\\u202eb:443"');
    expect(JSON.parse(text).findings[0].destination).toBe(hostile.destination);
  });

  it('skips findings folded into (other), which have no fingerprint, and counts them', async () => {
    const path = join(dir, 'baseline.json');
    const folded = finding({ fingerprint: '(other)/direct', destination: '(other)', sourceWorkload: '(other)' });
    const result = await writeBaseline(path, [GOOGLE, folded, DB], { version: '0.1.0', failOn: ['direct'] });
    expect(result).toEqual({ written: 2, unrecorded: 1 });
    expect([...(await loadBaseline(path)).fingerprints].sort()).toEqual(['1111111111111111', '2222222222222222']);
  });

  it('leaves no temporary file behind', async () => {
    await writeBaseline(join(dir, 'baseline.json'), [GOOGLE], { version: '0.1.0', failOn: ['direct'] });
    expect(await readdir(dir)).toEqual(['baseline.json']);
  });

  it('writes through a symbolic link to its target, which keeps its permission bits (the link stays a link)', async () => {
    await mkdir(join(dir, 'kept'));
    const real = join(dir, 'kept', 'baseline.json');
    await writeFile(real, '{}');
    await chmod(real, 0o640);
    const link = join(dir, 'baseline.json');
    await symlink('kept/baseline.json', link);
    await writeBaseline(link, [GOOGLE], { version: '0.1.0', failOn: ['direct'] });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('kept/baseline.json');
    expect([...(await loadBaseline(real)).fingerprints]).toEqual(['1111111111111111']);
    expect((await stat(real)).mode & 0o777).toBe(0o640);
    expect((await readdir(dir)).sort()).toEqual(['baseline.json', 'kept']);
    expect(await readdir(join(dir, 'kept'))).toEqual(['baseline.json']);
  });

  it('refuses a dangling link with exit code 3, as cp does, leaving the link as it was', async () => {
    const link = join(dir, 'baseline.json');
    await symlink('nowhere/baseline.json', link);
    await expect(writeBaseline(link, [GOOGLE], { version: '0.1.0' })).rejects.toThrow(
      new InputError(`${link}: cannot write baseline: it is a symbolic link to nowhere/baseline.json, which does not exist; like cp, egress-audit does not write through a dangling link (create the file it names, or remove the link)`),
    );
    expect(await readlink(link)).toBe('nowhere/baseline.json');
    expect(await readdir(dir)).toEqual(['baseline.json']);
  });

  it('fails with exit code 3 naming the file when it cannot write', async () => {
    const path = join(dir, 'missing-dir', 'baseline.json');
    await expect(writeBaseline(path, [GOOGLE], { version: '0.1.0' })).rejects.toThrow(
      new InputError(`${path}: cannot write baseline: its directory ${join(dir, 'missing-dir')} does not exist`),
    );
  });
});

describe('baselines suppress known findings', () => {
  it('fails only the flow that is new since the baseline', async () => {
    const known = flow({ host: 'www.googleapis.com', workload: 'productpage-v1' });
    const fresh = flow({ host: 'www.google.com', port: 80, workload: 'productpage-v1' });
    const path = join(dir, 'baseline.json');
    await writeBaseline(path, [finding({ fingerprint: fingerprintOf(known) })], { version: '0.1.0', failOn: ['direct'] });
    const stage = createPolicyStage({ settings: {}, exceptions: [], file: null }, { failOn: ['direct'], baseline: await loadBaseline(path), now: new Date('2026-02-19T00:00:00Z') });
    const again = flow({ host: 'www.googleapis.com', workload: 'productpage-v1', pod: 'productpage-v1-new-pod', sourceAddress: '10.1.2.3:5555' });
    stage.apply(again);
    stage.apply(fresh);
    expect([again.failing, fresh.failing]).toEqual([false, true]);
    expect(again.fingerprint).toBe(fingerprintOf(known));
  });
});

describe('loadBaseline', () => {
  it('reads the checked-in example', async () => {
    const baseline = await loadBaseline('fixtures/policy/baseline.json');
    expect(baseline).toEqual({ fingerprints: new Set(['2222222222222222', '1111111111111111']), file: 'fixtures/policy/baseline.json' });
  });

  it('reads a baseline an editor saved with a UTF-8 byte order mark', async () => {
    const path = join(dir, 'baseline.json');
    await writeFile(path, `\ufeff${await readFile('fixtures/policy/baseline.json', 'utf8')}`);
    expect((await loadBaseline(path)).fingerprints).toEqual(new Set(['2222222222222222', '1111111111111111']));
  });

  it('also holds, for an entry keyed in Unicode before hosts were keyed in punycode, the fingerprint it has now', async () => {
    const old = { verdict: 'direct', rule: 'direct/passthrough-cluster', destination: 'bücher.example:443', namespace: 'shop', sourceWorkload: 'cart' };
    const path = join(dir, 'baseline.json');
    await writeFile(path, JSON.stringify({ schema: 'egress-audit/baseline@1', findings: [{ fingerprint: fingerprintOfParts(old), ...old }] }));
    const now = flow({ host: 'xn--bcher-kva.example', rule: old.rule, namespace: 'shop', workload: 'cart' });
    expect((await loadBaseline(path)).fingerprints).toEqual(new Set([fingerprintOfParts(old), fingerprintOf(now)]));
  });

  // A Host whose port is not a port was keyed in brackets; its host inside them is in punycode now.
  it('also holds the fingerprint it has now for an entry whose Unicode host held a colon (a Host with port 99999)', async () => {
    const old = { verdict: 'direct', rule: 'direct/passthrough-cluster', destination: '[bücher.example:99999]:80', namespace: 'shop', sourceWorkload: 'cart' };
    const path = join(dir, 'baseline.json');
    await writeFile(path, JSON.stringify({ schema: 'egress-audit/baseline@1', findings: [{ fingerprint: fingerprintOfParts(old), ...old }] }));
    const authority = splitAuthority('bücher.example:99999'); // how a sidecar's destination reads that Host today
    expect(authority.port).toBeNull();
    const now = { ...old, destination: hostPort(authority.host, 80) };
    expect(now.destination).toBe('[xn--bcher-kva.example:99999]:80');
    // The entry as written still matches a Host logged with the brackets, which is kept whole (and keyed so today).
    expect(hostPort(splitAuthority('[bücher.example:99999]').host, 80)).toBe(old.destination);
    expect((await loadBaseline(path)).fingerprints).toEqual(new Set([fingerprintOfParts(old), fingerprintOfParts(now)]));
  });

  it('matches an entry only as written when its fields do not give back its fingerprint (edited by hand)', async () => {
    const old = { verdict: 'direct', rule: 'direct/passthrough-cluster', destination: 'bücher.example:443', namespace: 'shop', sourceWorkload: 'cart' };
    const path = join(dir, 'baseline.json');
    const edited = { ...old, sourceWorkload: 'checkout' };
    await writeFile(path, JSON.stringify({ schema: 'egress-audit/baseline@1', findings: [{ fingerprint: fingerprintOfParts(old), ...edited }, { fingerprint: 'abcdef0123456789' }] }));
    expect((await loadBaseline(path)).fingerprints).toEqual(new Set([fingerprintOfParts(old), 'abcdef0123456789']));
  });

  it.each([
    { name: 'a missing file', text: null, message: 'cannot read baseline: no such file' },
    { name: 'text that is not JSON', text: '{"schema": ', message: 'not JSON: Unexpected end of JSON input' },
    { name: 'another schema', text: '{"schema":"egress-audit/report@1","findings":[]}', message: 'schema: must be "egress-audit/baseline@1"\n(a baseline is written by --write-baseline)' },
    { name: 'no findings list', text: '{"schema":"egress-audit/baseline@1"}', message: 'findings: is missing (expected a list of findings)\n(a baseline is written by --write-baseline)' },
    { name: 'a list', text: '[]', message: '(top level): must be a mapping with schema and findings, not a list\n(a baseline is written by --write-baseline)' },
    { name: 'a bad fingerprint', text: '{"schema":"egress-audit/baseline@1","findings":[{"fingerprint":"xyz"}]}', message: 'findings[0].fingerprint: must be 16 lower-case hex characters\n(a baseline is written by --write-baseline)' },
  ])('rejects $name with exit code 3, naming the file', async ({ text, message }) => {
    const path = join(dir, 'baseline.json');
    if (text !== null) await writeFile(path, text);
    const err = await loadBaseline(path).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(3);
    expect((err as InputError).message).toBe(`${path}: ${message}`);
  });
});
