import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostPort, splitAuthority } from '../../src/engine/net.js';
import { InputError } from '../../src/errors.js';
import { createPolicyStage, fingerprintOf, loadBaseline, writeBaseline } from '../../src/policy/index.js';
import { fingerprintOfParts } from '../../src/policy/fingerprint.js';
import type { Finding } from '../../src/report/model.js';
import { finding, flow } from './builders.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'egress-baseline-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A finding with the fingerprint its fields give, as the policy stage makes it (a baseline's entries are checked for it). */
function recorded(overrides: Omit<Partial<Finding>, 'fingerprint'>): Finding {
  const f = finding({ fingerprint: '', ...overrides });
  return { ...f, fingerprint: fingerprintOfParts(f) };
}

const GOOGLE = recorded({ destination: 'www.googleapis.com:443', sourceWorkload: 'productpage-v1' });
const DB = recorded({ rule: 'direct/endpoint-outside-mesh', destination: 'external-db.default.svc.cluster.local:3306', sourceWorkload: 'ratings-v1' });
const BLOCKED = recorded({ verdict: 'blocked', rule: 'blocked/blackhole-cluster', destination: '192.168.0.78:1234', failing: false });
const ALLOWED = recorded({ destination: 'storage.googleapis.com:443', failing: false, allowedBy: { id: 'googleapis', reason: 'approved', expires: null } });
const OLD = recorded({ destination: 'www.google.com:80', failing: false, baselined: true });

const ENTRY_FIELDS = '"verdict":"direct","rule":"direct/service-entry-host","destination":"www.googleapis.com:443","namespace":"default","sourceWorkload":"productpage-v1"';
const EXPECTED: Record<string, string> = { verdict: 'a verdict', rule: 'a rule', destination: 'a destination (host:port)', namespace: 'a namespace, or null', sourceWorkload: 'a workload' };

/** The InputError (exit 3) a promise is rejected with. */
async function rejection(promise: Promise<unknown>): Promise<InputError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).exitCode).toBe(3);
  return err as InputError;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

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
    { name: 'keeps --fail-on verdicts, baselined ones too, but not ones an exception allows', failOn: ['direct'], kept: [GOOGLE, OLD] },
    { name: 'keeps every --fail-on verdict', failOn: ['direct', 'blocked'], kept: [GOOGLE, BLOCKED, OLD] },
    { name: 'without --fail-on, keeps what fails now or was baselined', failOn: undefined, kept: [GOOGLE, OLD] },
    { name: 'keeps nothing for --fail-on none', failOn: [], kept: [] },
  ])('$name', async ({ failOn, kept }) => {
    const path = join(dir, 'baseline.json');
    await writeBaseline(path, [GOOGLE, BLOCKED, ALLOWED, OLD], { version: '0.1.0', ...(failOn ? { failOn } : {}) });
    const baseline = await loadBaseline(path);
    expect([...baseline.fingerprints].sort()).toEqual(kept.map((f) => f.fingerprint).sort());
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
    const hostile = recorded({ destination: 'a\u001b[2J\u009b\u202eb:443' });
    await writeBaseline(path, [hostile], { version: '0.1.0', failOn: ['direct'] });
    const text = await readFile(path, 'utf8');
    expect(text).toContain('"destination":"a\\u001b[2J\\u009b\\u202eb:443"');
    expect(JSON.parse(text).findings[0].destination).toBe(hostile.destination);
  });

  it('skips findings folded into (other), which have no fingerprint, and counts them', async () => {
    const path = join(dir, 'baseline.json');
    const folded = finding({ fingerprint: '(other)/direct', destination: '(other)', sourceWorkload: '(other)' });
    const result = await writeBaseline(path, [GOOGLE, folded, DB], { version: '0.1.0', failOn: ['direct'] });
    expect(result).toEqual({ written: 2, unrecorded: 1, withoutNamespace: 0, ofExpiredExceptions: 0, byPodIp: 0, unidentified: 0 });
    expect([...(await loadBaseline(path)).fingerprints].sort()).toEqual([GOOGLE.fingerprint, DB.fingerprint].sort());
  });

  it('counts the entries that name a workload without a namespace (a --prefix save), not callers known by their IP', async () => {
    const prefixed = recorded({ namespace: null, sourceWorkload: 'frontend' });
    const byIp = recorded({ namespace: null, sourceWorkload: '10.244.1.9' });
    const byIpv6 = recorded({ namespace: null, sourceWorkload: 'fd00::9', destination: 'api.example.com:443' });
    const result = await writeBaseline(join(dir, 'baseline.json'), [GOOGLE, prefixed, byIp, byIpv6], { version: '0.1.0', failOn: ['direct'] });
    expect(result).toEqual({ written: 4, unrecorded: 0, withoutNamespace: 1, ofExpiredExceptions: 0, byPodIp: 0, unidentified: 0 });
  });

  it('counts the entries whose caller is a pod known only by its IP (its own proxy\'s entry), not a peer only the egress gateway saw', async () => {
    const at = (hop: 'sidecar' | 'gateway' | 'ingress-gateway') => [{ hop, file: 'a.log', line: 1 }];
    const sidecarIp = recorded({ namespace: null, sourceWorkload: '10.244.1.9', evidence: at('sidecar') });
    const joinedIpv6 = recorded({ namespace: null, sourceWorkload: 'fd00::9', verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-gateway-entry', evidence: at('sidecar') });
    const ingressIp = recorded({ namespace: null, sourceWorkload: '10.244.1.10', rule: 'direct/from-ingress-gateway', evidence: at('ingress-gateway') });
    const gatewayPeer = recorded({ namespace: null, sourceWorkload: '192.168.10.5', verdict: 'gateway-only', rule: 'gateway-only/no-sidecar-entry', evidence: at('gateway') });
    const inboundPeer = recorded({ namespace: null, sourceWorkload: '10.244.1.11', verdict: 'inbound', rule: 'inbound/inbound-cluster', evidence: at('sidecar') });
    const failOn = ['direct', 'via-gateway-unconfirmed', 'gateway-only', 'inbound'];
    const result = await writeBaseline(join(dir, 'baseline.json'), [GOOGLE, sidecarIp, joinedIpv6, ingressIp, gatewayPeer, inboundPeer], { version: '0.1.0', failOn });
    expect(result).toEqual({ written: 6, unrecorded: 0, withoutNamespace: 0, ofExpiredExceptions: 0, byPodIp: 3, unidentified: 0 });
  });

  it('leaves out, and counts, the findings whose log does not say where their flows went', async () => {
    const unlocated = recorded({ rule: 'direct/passthrough-cluster', destination: 'unknown', sourceWorkload: 'frontend' });
    const path = join(dir, 'baseline.json');
    const result = await writeBaseline(path, [GOOGLE, unlocated, DB], { version: '0.1.0', failOn: ['direct'], unidentified: new Set([unlocated.fingerprint]) });
    expect(result).toEqual({ written: 2, unrecorded: 0, withoutNamespace: 0, ofExpiredExceptions: 0, byPodIp: 0, unidentified: 1 });
    expect([...(await loadBaseline(path)).fingerprints].sort()).toEqual([GOOGLE.fingerprint, DB.fingerprint].sort());
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
    expect([...(await loadBaseline(real)).fingerprints]).toEqual([GOOGLE.fingerprint]);
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
    await writeBaseline(path, [recorded({})], { version: '0.1.0', failOn: ['direct'] });
    expect(recorded({}).fingerprint).toBe(fingerprintOf(known));
    const stage = createPolicyStage({ settings: {}, exceptions: [], file: null }, { failOn: ['direct'], baseline: await loadBaseline(path), now: new Date('2026-02-19T00:00:00Z') });
    const again = flow({ host: 'www.googleapis.com', workload: 'productpage-v1', pod: 'productpage-v1-new-pod', sourceAddress: '10.1.2.3:5555' });
    stage.apply(again);
    stage.apply(fresh);
    expect([again.failing, fresh.failing]).toEqual([false, true]);
    expect(again.fingerprint).toBe(fingerprintOf(known));
  });

  it('names the entries that held no flow (a finding fixed since), counting one an exception allows as used', async () => {
    const path = join(dir, 'baseline.json');
    const db = flow({ rule: 'direct/endpoint-outside-mesh', host: 'external-db.default.svc.cluster.local', port: 3306, workload: 'ratings-v1' });
    const storage = { destination: 'storage.googleapis.com:443', failing: false, baselined: true };
    await writeBaseline(path, [GOOGLE, DB, recorded(storage)], { version: '0.1.0', failOn: ['direct'] });
    const allow = { id: 'storage', reason: 'approved', expires: null, verdicts: ['direct' as const], hosts: ['storage.googleapis.com'], cidrs: [], ports: [], from: { namespaces: [], workloads: [], cidrs: [] }, line: 1 };
    const stage = createPolicyStage({ settings: {}, exceptions: [allow], file: null }, { failOn: ['direct'], baseline: await loadBaseline(path), now: new Date('2026-02-19T00:00:00Z') });
    const allowed = flow({ host: 'storage.googleapis.com', workload: 'productpage-v1' });
    stage.apply(db);
    stage.apply(allowed);
    expect([db.failing, allowed.allowedBy?.id]).toEqual([false, 'storage']);
    const { fingerprint, verdict, rule, destination, namespace, sourceWorkload } = GOOGLE;
    // Sorted by destination, the file holds DB on line 5, storage on 6, GOOGLE on 7.
    expect(stage.unusedBaselineEntries()).toEqual({ file: path, entries: [{ entry: { fingerprint, verdict, rule, destination, namespace, sourceWorkload }, fingerprints: [fingerprint], line: 7 }] });
  });

  it('uses an entry an older version wrote by the fingerprint it has today (a CronJob run named by its workload)', async () => {
    const path = join(dir, 'baseline.json');
    const run = recorded({ destination: 'backup.example.com:443', namespace: 'ops', sourceWorkload: 'backup-29893500' });
    await writeBaseline(path, [run], { version: '0.1.0', failOn: ['direct'] });
    const stage = createPolicyStage({ settings: {}, exceptions: [], file: null }, { failOn: ['direct'], baseline: await loadBaseline(path), now: new Date('2026-02-19T00:00:00Z') });
    expect(stage.unusedBaselineEntries()?.entries).toHaveLength(1);
    const later = flow({ host: 'backup.example.com', namespace: 'ops', workload: 'backup', pod: 'backup-29893560-x7k2p' });
    stage.apply(later);
    expect([later.failing, stage.unusedBaselineEntries()?.entries]).toEqual([false, []]);
  });

  it('has no unused entries without a baseline', () => {
    const stage = createPolicyStage({ settings: {}, exceptions: [], file: null }, { failOn: ['direct'], baseline: null, now: new Date('2026-02-19T00:00:00Z') });
    expect(stage.unusedBaselineEntries()).toBeNull();
  });
});

describe('loadBaseline', () => {
  it('reads the checked-in example', async () => {
    const baseline = await loadBaseline('fixtures/policy/baseline.json');
    expect(baseline.fingerprints).toEqual(new Set([DB.fingerprint, GOOGLE.fingerprint]));
    expect(baseline.file).toBe('fixtures/policy/baseline.json');
    expect(baseline.entries.map((h) => [h.entry.sourceWorkload, h.fingerprints, h.line])).toEqual([
      ['ratings-v1', [DB.fingerprint], 5],
      ['productpage-v1', [GOOGLE.fingerprint], 6],
    ]);
  });

  it('reads a baseline an editor saved with a UTF-8 byte order mark', async () => {
    const path = join(dir, 'baseline.json');
    await writeFile(path, `\ufeff${await readFile('fixtures/policy/baseline.json', 'utf8')}`);
    expect((await loadBaseline(path)).fingerprints).toEqual(new Set([DB.fingerprint, GOOGLE.fingerprint]));
  });

  it.each([
    { name: 'an entry keyed in Unicode before hosts were keyed in punycode', namespace: 'shop', was: 'cart', now: 'cart' },
    { name: "an entry written both ways before: a Unicode host and a CronJob run's Job as caller", namespace: 'ops', was: 'backup-29893500', now: 'backup' },
  ])("also holds today's fingerprint for $name", async ({ namespace, was, now }) => {
    const old = { verdict: 'direct', rule: 'direct/passthrough-cluster', destination: 'bücher.example:443', namespace, sourceWorkload: was };
    const path = join(dir, 'baseline.json');
    await writeFile(path, JSON.stringify({ schema: 'egress-audit/baseline@1', findings: [{ fingerprint: fingerprintOfParts(old), ...old }] }));
    const today = flow({ host: 'xn--bcher-kva.example', rule: old.rule, namespace, workload: now });
    expect((await loadBaseline(path)).fingerprints).toEqual(new Set([fingerprintOfParts(old), fingerprintOf(today)]));
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

  it('refuses, naming the file, line and entry, an entry whose fields do not give back its fingerprint (edited by hand)', async () => {
    const path = join(dir, 'baseline.json');
    await writeBaseline(path, [GOOGLE, DB], { version: '0.1.0', failOn: ['direct'] });
    // The reviewed line says www.googleapis.com; the fingerprint silences external-db (sorted first, line 5).
    const text = (await readFile(path, 'utf8')).replace(GOOGLE.fingerprint, DB.fingerprint).replace(`"fingerprint":"${DB.fingerprint}","verdict":"direct","rule":"direct/endpoint-outside-mesh"`, `"fingerprint":"${GOOGLE.fingerprint}","verdict":"direct","rule":"direct/endpoint-outside-mesh"`);
    await writeFile(path, text);
    const err = await rejection(loadBaseline(path));
    const why = 'the fields show a review what the entry silences, so they must be what was hashed; rewrite the baseline with --write-baseline, or remove the entry';
    expect(err.message).toBe([
      `${path}:5: findings[0]: fingerprint ${GOOGLE.fingerprint} is not that of the finding its fields name (direct direct/endpoint-outside-mesh default/ratings-v1 -> external-db.default.svc.cluster.local:3306, fingerprint ${DB.fingerprint}): ${why}`,
      `${path}:6: findings[1]: fingerprint ${DB.fingerprint} is not that of the finding its fields name (direct direct/service-entry-host default/productpage-v1 -> www.googleapis.com:443, fingerprint ${GOOGLE.fingerprint}): ${why}`,
    ].join('\n'));
  });

  it('names an entry by index alone when the file is not one entry per line, and checks the address too', async () => {
    const claimed = { verdict: 'direct', rule: 'direct/passthrough-cluster', destination: 'api.stripe.com:443', address: '54.187.174.169', namespace: null, sourceWorkload: 'cart' };
    const path = join(dir, 'baseline.json');
    await writeFile(path, JSON.stringify({ schema: 'egress-audit/baseline@1', findings: [{ fingerprint: fingerprintOfParts(claimed), ...claimed, address: '198.51.100.77' }] }, null, 2));
    const err = await rejection(loadBaseline(path));
    expect(err.message).toMatch(new RegExp(`^${escapeRegExp(path)}: findings\\[0\\]: fingerprint ${fingerprintOfParts(claimed)} is not that of the finding its fields name \\(direct direct/passthrough-cluster cart -> api.stripe.com:443 at 198.51.100.77, fingerprint [0-9a-f]{16}\\)`));
  });

  it('refuses an entry with a key written twice, naming its line and index (JSON.parse keeps the last)', async () => {
    const path = join(dir, 'baseline.json');
    await writeBaseline(path, [GOOGLE, DB], { version: '0.1.0', failOn: ['direct'] });
    await writeFile(path, (await readFile(path, 'utf8')).replace(`{"fingerprint":"${GOOGLE.fingerprint}"`, `{"fingerprint":"1111111111111111","fingerprint":"${GOOGLE.fingerprint}"`));
    const err = await rejection(loadBaseline(path));
    expect(err.message).toBe(`${path}:6: findings[1]: a key is written twice; JSON keeps the last of the two, while a reader sees the first: write it once`);
  });

  it('refuses a key written twice outside the entries (a second findings list), naming the file', async () => {
    const path = join(dir, 'baseline.json');
    await writeFile(path, `{"schema":"egress-audit/baseline@1","findings":[],"findings":[${JSON.stringify({ fingerprint: GOOGLE.fingerprint, verdict: 'direct', rule: GOOGLE.rule, destination: GOOGLE.destination, namespace: 'default', sourceWorkload: GOOGLE.sourceWorkload })}]}`);
    const err = await rejection(loadBaseline(path));
    expect(err.message).toBe(`${path}: a key is written twice in one object; JSON keeps the last of the two, while a reader sees the first: write it once`);
  });

  it.each([
    { name: 'a missing file', text: null, message: 'cannot read baseline: no such file' },
    { name: 'text that is not JSON', text: '{"schema": ', message: 'not JSON: Unexpected end of JSON input' },
    { name: 'another schema', text: '{"schema":"egress-audit/baseline@2","findings":[]}', message: 'schema: "egress-audit/baseline@2" is not "egress-audit/baseline@1"; a baseline is written by --write-baseline' },
    // A JSON report given for the baseline: said in one line, not one per key its findings have that an entry has not.
    { name: 'a JSON report', text: `{"schema":"egress-audit/report@1","findings":[{"fingerprint":"abcdef0123456789","reason":"r","count":1}]}`, message: 'schema: "egress-audit/report@1" is an egress-audit report (-o json), not a baseline; a baseline is written by --write-baseline' },
    { name: 'a schema that is not a string', text: '{"schema":1,"findings":[]}', message: 'schema: must be "egress-audit/baseline@1"\n(a baseline is written by --write-baseline)' },
    { name: 'no findings list', text: '{"schema":"egress-audit/baseline@1"}', message: 'findings: is missing (expected a list of findings)\n(a baseline is written by --write-baseline)' },
    { name: 'a list', text: '[]', message: '(top level): must be a mapping with schema and findings, not a list\n(a baseline is written by --write-baseline)' },
    { name: 'a bad fingerprint', text: `{"schema":"egress-audit/baseline@1","findings":[{"fingerprint":"xyz",${ENTRY_FIELDS}}]}`, message: 'findings[0].fingerprint: must be 16 lower-case hex characters\n(a baseline is written by --write-baseline)' },
    // The fields are every input of the hash, so that a review reads what the entry silences.
    { name: 'an entry with a fingerprint alone', text: '{"schema":"egress-audit/baseline@1","findings":[{"fingerprint":"abcdef0123456789"}]}', message: ['verdict', 'rule', 'destination', 'namespace', 'sourceWorkload'].map((k, i) => `${i === 0 ? '' : 'PATH: '}findings[0].${k}: is missing (expected ${EXPECTED[k]})`).join('\n') + '\n(a baseline is written by --write-baseline)' },
    { name: 'an entry with a key of its own', text: `{"schema":"egress-audit/baseline@1","findings":[{"fingerprint":"abcdef0123456789",${ENTRY_FIELDS},"note":"www.googleapis.com:443"}]}`, message: 'findings[0].note: unknown key (expected one of: fingerprint, verdict, rule, destination, address, namespace, sourceWorkload)\n(a baseline is written by --write-baseline)' },
  ])('rejects $name with exit code 3, naming the file', async ({ text, message }) => {
    const path = join(dir, 'baseline.json');
    if (text !== null) await writeFile(path, text);
    const err = await loadBaseline(path).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(3);
    expect((err as InputError).message).toBe(`${path}: ${message.replaceAll('PATH', path)}`);
  });

  it('names the line of an entry the schema refuses, in a file laid out one entry per line as --write-baseline writes it', async () => {
    const path = join(dir, 'baseline.json');
    await writeBaseline(path, [GOOGLE, DB], { version: '0.1.0', failOn: ['direct'] });
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[5] = (lines[5] as string).replace(/"fingerprint":"[0-9a-f]+"/, '"fingerprint":"XYZ"').replace('"rule":"direct/service-entry-host",', '');
    await writeFile(path, lines.join('\n'));
    const err = await rejection(loadBaseline(path));
    expect(err.message.split('\n')).toEqual([
      `${path}:6: findings[1].rule: is missing (expected a rule)`,
      `${path}:6: findings[1].fingerprint: must be 16 lower-case hex characters`,
      '(a baseline is written by --write-baseline)',
    ]);
  });
});
