import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ndjson, outcome, runCli, type CliResult } from '../helpers/cli.js';

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const VIA = fixture('scenarios/seed-000-via-gateway-tcp');
const TCP = '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';
const CID = 'c0ffee'.padEnd(64, '0');
let root = '';

/** The evidence file of each record `parse` printed. */
function files(res: CliResult): string[] {
  return ndjson(res.stdout).map((r) => (r['source'] as { file: string }).file);
}

/** Whether this system can make a FIFO (mkfifo); the FIFO cases say so in their names when it cannot. */
function canMkfifo(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'ea-fifo-probe-'));
  const made = spawnSync('mkfifo', [join(dir, 'p')]).status === 0;
  rmSync(dir, { recursive: true, force: true });
  return made;
}
const FIFO = canMkfifo();
const NO_FIFO = FIFO ? '' : ' (skipped: mkfifo is not available here)';

/** Runs the CLI while another process writes `data` into the FIFO, as `audit <(zcat x.gz)` would; the writer never outlives the run. */
async function withWriter(fifo: string, data: Buffer, args: string[]): Promise<CliResult> {
  const script = 'require("fs").writeFileSync(process.argv[1], Buffer.from(process.argv[2], "base64"))';
  const writer = spawn(process.execPath, ['-e', script, fifo, data.toString('base64')], { stdio: 'ignore' });
  try {
    return await runCli(args);
  } finally {
    writer.kill();
  }
}

/** Runs `sh -c "cat FILE | egress-audit ARGS"`: stdin a real pipe, not the socket node gives its children. */
function throughPipe(file: string, args: string[]): Promise<CliResult> {
  const child = spawn('sh', ['-c', 'f=$1; shift; cat "$f" | "$@"', 'sh', file, process.execPath, BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  return outcome(child);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ea-inputs-'));
  // /var/log/pods and /var/log/containers as kubelet lays them out: the containers are links into pods.
  const pod = join(root, 'var/log/pods/default_sleep-7d9f_0123abcd-4567-89ab-cdef-0123456789ab/istio-proxy');
  mkdirSync(pod, { recursive: true });
  writeFileSync(join(pod, '0.log'), `${TCP}\n`);
  mkdirSync(join(root, 'var/log/containers'));
  symlinkSync(join(pod, '0.log'), join(root, `var/log/containers/sleep-7d9f_default_istio-proxy-${CID}.log`));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('inputs: a directory of symbolic links', () => {
  it('parse reads the linked files under the link names, which carry the pod', async () => {
    const dir = join(root, 'var/log/containers');
    const res = await runCli(['parse', dir]);
    expect(res.code).toBe(0);
    expect(ndjson(res.stdout)).toMatchObject([
      { source: { file: join(dir, `sleep-7d9f_default_istio-proxy-${CID}.log`), line: 1, pod: 'sleep-7d9f', namespace: 'default', container: 'istio-proxy' } },
    ]);
    expect(res.stderr).toContain('1 line read, 1 record');
  });

  it('reads a file reached both through a link and directly once, under the first name', async () => {
    const res = await runCli(['parse', join(root, 'var/log')]);
    expect(res.code).toBe(0);
    expect(files(res)).toEqual([join(root, `var/log/containers/sleep-7d9f_default_istio-proxy-${CID}.log`)]);
  });

  it('audit finds the files behind the links, and a role flag naming a link target still applies', async () => {
    const dir = join(root, 'links');
    // The targets sit beside the links and sort after them wherever the checkout is (/tmp/ci/... would sort first).
    const targets = join(root, 'targets');
    mkdirSync(dir);
    mkdirSync(targets);
    for (const f of ['sidecar.log', 'egress-gateway.log']) writeFileSync(join(targets, f), readFileSync(join(VIA, f)));
    symlinkSync(join(targets, 'sidecar.log'), join(dir, 'a.log'));
    symlinkSync(join(targets, 'egress-gateway.log'), join(dir, 'b.log'));
    const res = await runCli(['audit', dir, '--gateway', join(targets, 'egress-gateway.log'), '-o', 'json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { summary: { flows: number }; coverage: { streams: { name: string; role: string; roleRule: string }[] } };
    expect(report.summary.flows).toBe(1);
    expect(report.coverage.streams).toMatchObject([
      { name: join(dir, 'a.log'), role: 'sidecar' },
      { name: join(dir, 'b.log'), role: 'egress-gateway', roleRule: 'flag:--gateway' },
    ]);
  });

  it('follows a link to a directory, and a link loop neither hangs nor reads a file twice', async () => {
    const dir = join(root, 'loops');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub/x.log'), `${TCP}\n`);
    symlinkSync('..', join(dir, 'sub/up'));
    symlinkSync('.', join(dir, 'self'));
    symlinkSync('knot', join(dir, 'knot'));
    const res = await runCli(['parse', dir]);
    expect(res.code).toBe(0);
    expect(files(res)).toEqual([join(dir, 'sub/x.log')]);
    expect(res.stderr).toContain(`egress-audit: ${join(dir, 'knot')}: skipped, a symbolic link loop\n`);
  });

  it('warns about a dangling link inside a directory by name and reads the rest', async () => {
    const dir = join(root, 'dangling');
    mkdirSync(dir);
    writeFileSync(join(dir, 'live.log'), `${TCP}\n`);
    symlinkSync(join(root, 'rotated-away.log'), join(dir, 'stale.log'));
    const res = await runCli(['parse', dir]);
    expect(res.code).toBe(0);
    expect(files(res)).toEqual([join(dir, 'live.log')]);
    expect(res.stderr).toContain(`egress-audit: ${join(dir, 'stale.log')}: skipped, a broken symbolic link (to ${join(root, 'rotated-away.log')})\n`);
  });

  it('names a dangling link left out of an audit in the report too (inputs-skipped), which --fail-on can fail on', async () => {
    const dir = join(root, 'dangling-audit');
    mkdirSync(dir);
    writeFileSync(join(dir, 'live.log'), `${TCP}\n`);
    symlinkSync(join(root, 'rotated-away.log'), join(dir, 'stale.log'));
    const res = await runCli(['audit', dir, '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    expect(report.coverage.warnings.filter((w) => w.code === 'inputs-skipped')).toEqual([
      { code: 'inputs-skipped', message: `1 input found but left out, so its logs were not audited: ${join(dir, 'stale.log')}: skipped, a broken symbolic link (to ${join(root, 'rotated-away.log')}).` },
    ]);
    expect(res.stderr).toContain(`egress-audit: ${join(dir, 'stale.log')}: skipped, a broken symbolic link`);
    expect((await runCli(['audit', dir, '-o', 'json', '--fail-on', 'inputs-skipped'])).code).toBe(1);
    const clean = await runCli(['audit', join(dir, 'live.log'), '-o', 'json', '--fail-on', 'inputs-skipped']);
    expect(clean.code).toBe(0);
    expect((JSON.parse(clean.stdout) as { coverage: { warnings: { code: string }[] } }).coverage.warnings.map((w) => w.code)).not.toContain('inputs-skipped');
  });

  it('a dangling link given as an argument is an input error naming it (exit 3)', async () => {
    const link = join(root, 'dangling-arg.log');
    symlinkSync(join(root, 'nowhere.log'), link);
    const res = await runCli(['audit', link]);
    expect(res.code).toBe(3);
    expect(res.stderr).toBe(`egress-audit: ${link}: a broken symbolic link (to ${join(root, 'nowhere.log')})\n`);
  });
});

describe('inputs: a glob matching links that point at nothing', () => {
  it('names each dangling link a glob matches as unreadable (exit 3), as a file argument is, and reads the rest', async () => {
    const dir = join(root, 'glob-dangling');
    mkdirSync(dir);
    writeFileSync(join(dir, 'live.log'), `${TCP}\n`);
    symlinkSync(join(root, 'gone/a.log'), join(dir, 'stale.log'));
    symlinkSync('knot.log', join(dir, 'knot.log'));
    const res = await runCli(['parse', join(dir, '*.log')]);
    expect(res.code).toBe(3);
    expect(files(res)).toEqual([join(dir, 'live.log')]);
    expect(res.stderr).toContain(`egress-audit: ${join(dir, 'stale.log')}: a broken symbolic link (to ${join(root, 'gone/a.log')})\n`);
    expect(res.stderr).toContain(`egress-audit: ${join(dir, 'knot.log')}: a symbolic link loop\n`);
  });

  it('a glob matching only dangling links names them instead of saying that nothing matches', async () => {
    const dir = join(root, 'glob-only-dangling/containers');
    mkdirSync(dir, { recursive: true });
    symlinkSync(`/var/log/pods/default_gone_0123/istio-proxy/0.log`, join(dir, `gone_default_istio-proxy-${CID}.log`));
    const res = await runCli(['audit', 'glob-only-dangling/containers/*.log'], { cwd: root });
    expect(res.code).toBe(3);
    expect(res.stderr).not.toContain('no files match');
    expect(res.stderr).toContain(`egress-audit: glob-only-dangling/containers/gone_default_istio-proxy-${CID}.log: a broken symbolic link (to /var/log/pods/default_gone_0123/istio-proxy/0.log)\n`);
  });
});

describe('inputs: FIFOs, process substitution and /dev/stdin', () => {
  it.skipIf(!FIFO)(`reads a FIFO given as an argument, gzip detected by content${NO_FIFO}`, async () => {
    const plain = join(root, 'plain.fifo');
    const gz = join(root, 'gz.fifo');
    spawnSync('mkfifo', [plain, gz]);
    const res = await withWriter(plain, Buffer.from(`${TCP}\n${TCP}\n`), ['parse', plain]);
    expect(res.stderr).toBe('egress-audit parse: 2 lines read, 2 records, 0 not access logs, 0 malformed, 0 too long\n');
    expect(res.code).toBe(0);
    expect(files(res)).toEqual([plain, plain]);
    const zipped = await withWriter(gz, gzipSync(`${TCP}\n`), ['parse', gz]);
    expect(zipped.code).toBe(0);
    expect(files(zipped)).toEqual([gz]);
  });

  it.skipIf(!FIFO)(`audit --sidecar FIFO reads it with the role the flag gives${NO_FIFO}`, async () => {
    const fifo = join(root, 'sidecar.fifo');
    spawnSync('mkfifo', [fifo]);
    const res = await withWriter(fifo, readFileSync(join(VIA, 'sidecar.log')), ['audit', '--sidecar', fifo, join(VIA, 'egress-gateway.log'), '-o', 'json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { coverage: { streams: { name: string; role: string; roleRule: string }[] } };
    expect(report.coverage.streams).toContainEqual(expect.objectContaining({ name: fifo, role: 'sidecar', roleRule: 'flag:--sidecar' }));
  });

  it.skipIf(!FIFO)(`takes a FIFO's role from its name, as a file's (mkfifo egress-gateway.log)${NO_FIFO}`, async () => {
    const dir = join(root, 'named-fifo');
    mkdirSync(dir);
    const fifo = join(dir, 'egress-gateway.log');
    spawnSync('mkfifo', [fifo]);
    const res = await withWriter(fifo, readFileSync(join(VIA, 'egress-gateway.log')), ['audit', fifo, join(VIA, 'sidecar.log'), '-o', 'json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { summary: { verdicts: Record<string, number> }; coverage: { streams: { name: string; role: string; roleRule: string }[] } };
    expect(report.coverage.streams).toContainEqual(expect.objectContaining({ name: fifo, role: 'egress-gateway', roleRule: 'file-name' }));
    expect(report.summary.verdicts['via-gateway']).toBe(1);
  });

  it.skipIf(!FIFO)(`says so when a directory walk leaves a FIFO out (reading it could block)${NO_FIFO}`, async () => {
    const dir = join(root, 'dir-with-fifo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), `${TCP}\n`);
    spawnSync('mkfifo', [join(dir, 'b.log')]);
    const res = await runCli(['parse', dir]);
    expect(res.code).toBe(0);
    expect(files(res)).toEqual([join(dir, 'a.log')]);
    expect(res.stderr).toContain(`${join(dir, 'b.log')}: skipped, not a regular file`);
  });

  it.skipIf(!FIFO)(`says so, in a pattern's words, when a glob matches a FIFO or a link to one, which it leaves out${NO_FIFO}`, async () => {
    const dir = join(root, 'glob-with-fifo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), `${TCP}\n`);
    spawnSync('mkfifo', [join(dir, 'b.log')]);
    symlinkSync('b.log', join(dir, 'c.log'));
    const pattern = join(dir, '*.log');
    const res = await runCli(['parse', pattern]);
    expect(res.code).toBe(0);
    expect(files(res)).toEqual([join(dir, 'a.log')]);
    for (const name of ['b.log', 'c.log']) {
      expect(res.stderr).toContain(`egress-audit: ${join(dir, name)}: skipped, a FIFO matched by the pattern ${pattern} (a pattern reads regular files only, as a FIFO, socket or device could block the run; name it on its own to read it)\n`);
    }
    expect(res.stderr).not.toContain('in a directory');
    const only = await runCli(['parse', join(dir, 'b*')]); // was "no files match this pattern": the FIFO matched it
    expect(only.stderr).toContain(`${join(dir, 'b.log')}: skipped, a FIFO matched by the pattern`);
    expect(only.stderr).not.toContain('no files match');
  });

  it('reads /dev/stdin when stdin is a pipe', async () => {
    const res = await throughPipe(join(VIA, 'sidecar.log'), ['parse', '/dev/stdin']);
    expect(res.stderr).toContain('1 line read, 1 record');
    expect(res.code).toBe(0);
    expect(files(res)).toEqual(['/dev/stdin']);
  });

  it('decompresses gzip on stdin (-), detected by content as for files', async () => {
    const res = await runCli(['parse', '-'], { input: gzipSync(`${TCP}\n${TCP}\n`) });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('2 lines read, 2 records');
    expect(files(res)).toEqual(['-', '-']);
  });

  it('reads /dev/stdin when stdin is a socket (as node and some CI runners give it)', async () => {
    const res = await runCli(['parse', '/dev/stdin'], { input: `${TCP}\n` });
    expect(res.code).toBe(0);
    expect(files(res)).toEqual(['/dev/stdin']);
  });
});

describe('inputs: file names that are not UTF-8', () => {
  const dir = (): string => join(root, 'bytes');
  let made = false;

  beforeAll(() => {
    mkdirSync(dir());
    try {
      writeFileSync(Buffer.concat([Buffer.from(`${dir()}/caf`), Buffer.from([0xe9]), Buffer.from('.log')]), `${TCP}\n`);
      made = true;
    } catch {
      made = false; // a file system that only takes UTF-8 names (APFS): nothing to test
    }
    writeFileSync(join(dir(), 'ok.log'), `${TCP.replace(' 85 ', ' 86 ')}\n`); // not the same bytes: an audit reads a copy once
  });

  it('reads such a file in a directory, named with \\xNN escapes, instead of an internal error', async () => {
    const res = await runCli(['parse', dir()]);
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(files(res)).toEqual(made ? [join(dir(), 'caf\\xe9.log'), join(dir(), 'ok.log')] : [join(dir(), 'ok.log')]);
  });

  it('reads it through a glob too', async (ctx) => {
    if (!made) ctx.skip('this file system does not take a name that is not UTF-8');
    const res = await runCli(['parse', join(dir(), 'caf*')]);
    expect(res.code).toBe(0);
    expect(files(res)).toEqual([join(dir(), 'caf\\xe9.log')]);
  });

  it('audit counts it as a stream', async () => {
    const res = await runCli(['audit', dir(), '-o', 'json']);
    expect(res.stderr).not.toContain('internal error');
    const report = JSON.parse(res.stdout) as { coverage: { streams: { name: string }[] } };
    expect(report.coverage.streams.map((s) => s.name)).toEqual(made ? [join(dir(), 'caf\\xe9.log'), join(dir(), 'ok.log')] : [join(dir(), 'ok.log')]);
  });
});
