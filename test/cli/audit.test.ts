import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ndjson, outcome, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const DIRECT = fixture('scenarios/direct-passthrough');
const VIA = fixture('scenarios/seed-000-via-gateway-tcp');
const UNCONFIRMED = fixture('scenarios/unconfirmed-no-gateway-logs');
const GOOGLEAPIS = fixture('scenarios/seed-001-direct-googleapis');
const NONE_MESSAGE = 'none cannot be combined with other names (it means never fail)';
let dir = '';

beforeAll(() => {
  dir = tempDir('ea-audit-');
  writeFileSync(join(dir, 'noise.log'), '2020-08-20T03:25:49.580264Z\tinfo\tVersion 1.6.4\n');
});

describe('egress-audit audit: exit codes, whatever the output format', () => {
  it.each(['table', 'json', 'ndjson', 'junit', 'sarif', 'markdown'])('exits 1 on a direct flow with -o %s', async (format) => {
    const res = await runCli(['audit', DIRECT, '-o', format]);
    expect(res.code).toBe(1);
    expect(res.stdout.length).toBeGreaterThan(0);
  });

  it('exits 0 when everything went through the gateway', async () => {
    const res = await runCli(['audit', VIA]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('via-gateway');
  });

  it('exits 4 when there was nothing to read, saying so', async () => {
    const res = await runCli(['audit', join(dir, 'noise.log'), '-o', 'json']);
    expect(res.code).toBe(4);
    const report = JSON.parse(res.stdout) as { summary: { exitCode: number }; coverage: { warnings: { code: string }[] } };
    expect(report.summary.exitCode).toBe(4);
    expect(report.coverage.warnings.map((w) => w.code)).toContain('no-records');
  });

  it('gives a stream without records no role, with the rule that says why', async () => {
    const res = await runCli(['audit', DIRECT, join(dir, 'noise.log'), '-o', 'json', '--explain']);
    const report = JSON.parse(res.stdout) as { coverage: { streams: { name: string; records: number; role: string; roleRule: string }[] } };
    const noise = report.coverage.streams.find((s) => s.name.endsWith('noise.log'));
    const sidecar = report.coverage.streams.find((s) => s.name.endsWith('sidecar.log'));
    expect(noise).toMatchObject({ records: 0, role: 'unknown', roleRule: 'no-records' });
    expect(sidecar?.role).toBe('sidecar');
    // --explain agrees with coverage (it used to say "sidecar (default)" for such a file)
    expect(res.stderr).toMatch(/noise\.log\s+unknown\s+no-records: some other log, not an access log: if it is an istio-proxy log, its access logging is off/);
    expect(res.stderr).toMatch(/sidecar\.log\s+sidecar\s+file-name/);
  });

  it('--explain says an input without records is empty, or of blank lines only, as coverage does', async () => {
    writeFileSync(join(dir, 'empty.log'), '');
    writeFileSync(join(dir, 'blank.log'), '\n\ufeff\n');
    const res = await runCli(['audit', DIRECT, join(dir, 'empty.log'), join(dir, 'blank.log'), '-o', 'json', '--explain']);
    expect(res.stderr).toMatch(/empty\.log\s+unknown\s+no-records: empty: the save or export failed, or its proxy logged nothing in that time\n/);
    expect(res.stderr).toMatch(/blank\.log\s+unknown\s+no-records: only blank lines: as good as empty\n/);
  });

  it('--explain keeps the role a flag gave an input without records, saying it held none, as coverage does', async () => {
    writeFileSync(join(dir, 'flagged-empty.log'), '');
    const res = await runCli(['audit', DIRECT, '--sidecar', join(dir, 'flagged-empty.log'), '-o', 'json', '--explain']);
    const report = JSON.parse(res.stdout) as { coverage: { streams: { name: string; role: string; roleRule: string }[] } };
    expect(report.coverage.streams.find((s) => s.name.endsWith('flagged-empty.log'))).toMatchObject({ role: 'sidecar', roleRule: 'flag:--sidecar' });
    // Before, --explain said `unknown no-records` of it while the report kept the flag's role.
    expect(res.stderr).toMatch(/flagged-empty\.log\s+sidecar\s+flag:--sidecar: .*named by --sidecar.*; it held no access-log entry \(empty: the save or export failed/);
  });

  it('--explain does not call an input that could not be read empty', async () => {
    writeFileSync(join(dir, 'corrupt.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x61, 0x62]));
    const res = await runCli(['audit', DIRECT, join(dir, 'corrupt.gz'), '-o', 'json', '--explain']);
    expect(res.stderr).toContain('corrupt or truncated gzip data');
    expect(res.stderr).toMatch(/corrupt\.gz\s+unknown\s+no-records: no line of it was read\n/);
  });

  it('--fail-on names verdicts and coverage conditions', async () => {
    expect((await runCli(['audit', DIRECT, '--fail-on', 'none'])).code).toBe(0);
    expect((await runCli(['audit', UNCONFIRMED])).code).toBe(0);
    const res = await runCli(['audit', UNCONFIRMED, '--fail-on', 'no-gateway-logs']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/No egress-gateway logs were read/);
  });

  it('--fail-on given twice adds up: a later --fail-on does not silently drop the first (a direct flow still fails)', async () => {
    const res = await runCli(['audit', DIRECT, '--fail-on', 'direct', '--fail-on', 'blocked', '-o', 'json']);
    expect(res.code).toBe(1);
    expect((JSON.parse(res.stdout) as { summary: { failOn: string[] } }).summary.failOn).toEqual(['direct', 'blocked']);
    expect((await runCli(['audit', DIRECT, '--fail-on', 'blocked'])).code).toBe(0); // one --fail-on still replaces the default
    const none = await runCli(['audit', DIRECT, '--fail-on', 'none', '--fail-on', 'direct']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--fail-on: none cannot be combined with other names');
  });

  it('fails by default an audit of gateway logs alone: with no sidecar log, direct egress could not have been seen', async () => {
    const GATEWAY_ONLY = fixture('scenarios/gateway-only-cnn');
    const res = await runCli(['audit', GATEWAY_ONLY, '-o', 'json']);
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as { summary: { failOn: string[] }; coverage: { warnings: { code: string }[] } };
    expect(report.summary.failOn).toEqual(['direct', 'mixed-roles', 'ambiguous-lines', 'unparsed-lines', 'no-sidecar-logs']);
    expect(report.coverage.warnings.map((w) => w.code)).toContain('no-sidecar-logs');
    expect((await runCli(['audit', GATEWAY_ONLY, '--fail-on', 'direct'])).code).toBe(0); // a list without + replaces the default
  });

  it('--fail-on +NAME adds to the default instead of replacing it, and a list may not mix the two', async () => {
    const added = await runCli(['audit', DIRECT, '--fail-on', '+gateway-only,+no-gateway-logs', '-o', 'json']);
    expect(added.code).toBe(1); // direct still fails
    expect((JSON.parse(added.stdout) as { summary: { failOn: string[] } }).summary.failOn).toEqual(['direct', 'mixed-roles', 'ambiguous-lines', 'unparsed-lines', 'no-sidecar-logs', 'gateway-only', 'no-gateway-logs']);
    const unconfirmed = await runCli(['audit', UNCONFIRMED, '--fail-on', '+no-gateway-logs']);
    expect(unconfirmed.code).toBe(1);
    const mixed = await runCli(['audit', DIRECT, '--fail-on', '+gateway-only', '--fail-on', 'blocked']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--fail-on: "+gateway-only" adds to the default (direct,mixed-roles,ambiguous-lines,unparsed-lines,no-sidecar-logs), so every name must then have its +');
    const unknown = await runCli(['audit', DIRECT, '--fail-on', '+sideways']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--fail-on: unknown name "sideways"');
    expect((await runCli(['audit', DIRECT, '--fail-on', '+none'])).stderr).toContain(NONE_MESSAGE);
  });

  it('--fail-on none inside a list is refused as none with other names, not as an unknown name', async () => {
    const res = await runCli(['audit', DIRECT, '--fail-on', 'direct,none']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('egress-audit: --fail-on: "direct,none": none cannot be combined with other names (it means never fail)\n');
  });

  it('exits 3 for a missing input and for an invalid policy, naming line, column and field', async () => {
    const missing = await runCli(['audit', join(dir, 'nope.log')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.log: no such file or directory');
    const policy = await runCli(['audit', DIRECT, '--policy', fixture('policy/invalid/bad-cidr.yaml')]);
    expect(policy.code).toBe(3);
    expect(policy.stderr).toMatch(/bad-cidr\.yaml:\d+:\d+: allow\[\d+\]\.cidrs/);
  });

  it('exits 3 for a policy with an explicit tag, naming its line and the tag (!!int "0x10" would be port 16)', async () => {
    const res = await runCli(['audit', DIRECT, '--policy', fixture('policy/invalid/tag-int.yaml')]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/tag-int\.yaml:7:13: !!int: explicit tags are refused/);
  });

  it.each([
    [['audit', DIRECT, '-o', 'xml'], '-o/--output: unknown format "xml"'],
    [['audit', DIRECT, '--fail-on', 'sideways'], '--fail-on: unknown name "sideways"'],
    // An unset CI variable must not turn gating off: "never fail" is said as none.
    [['audit', DIRECT, '--fail-on', ''], '--fail-on: "" names nothing'],
    [['audit', DIRECT, '--fail-on', ' , '], '--fail-on: " , " names nothing'],
    // An empty item must not silently drop a name (`direct,,blocked`, `direct,$UNSET`), in audit and in watch.
    [['audit', DIRECT, '--fail-on', 'direct,,blocked'], '--fail-on: "direct,,blocked" has an empty item (item 2 of 3'],
    [['audit', DIRECT, '--fail-on', 'direct,'], '--fail-on: "direct," has an empty item (item 2 of 2'],
    [['watch', '--kubeconfig', '/nonexistent', '--fail-on', 'direct,,blocked'], '--fail-on: "direct,,blocked" has an empty item'],
    [['watch', '--kubeconfig', '/nonexistent', '-n', 'shop,,payments'], '-n/--namespace: "shop,,payments" has an empty item'],
    [['audit', DIRECT, '--window', 'soon'], '--window: "soon" is not a duration'],
    [['audit', DIRECT, '--mesh-cidr', '10.0.0.0/33'], '--mesh-cidr'],
    [['audit', DIRECT, '--report', 'sarif'], '--report: "sarif" is not FORMAT=PATH'],
    // A report to `-` was written to a file named `-` in the working directory, with nothing said.
    [['audit', DIRECT, '--report', 'json=-'], '--report: "json=-" names no file (- is standard output there, which -o writes: give -o json'],
    // An unset CI variable must not silently drop the policy (its mesh ranges decide verdicts) or a baseline.
    [['audit', DIRECT, '--policy', ''], '--policy: "" names no file'],
    [['audit', DIRECT, '--baseline', ''], '--baseline: "" names no file'],
    [['audit', DIRECT, '--write-baseline', ''], '--write-baseline: "" names no file'],
    [['audit', DIRECT, '--pods', ''], '--pods: "" names no file'],
    // Nor an input: an empty role flag crashed the glob matcher (exit 70), an empty argument was ": no such file" (exit 3).
    [['audit', DIRECT, '--sidecar', ''], '--sidecar: "" names no file'],
    [['audit', '--gateway', '', DIRECT], '--gateway: "" names no file'],
    [['audit', DIRECT, '--ingress', ''], '--ingress: "" names no file'],
    [['audit', DIRECT, ''], 'an input argument is "", which names no file'],
    [['parse', ''], 'an input argument is "", which names no file'],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const res = await runCli(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
  });

  it('quotes a bad value on stderr escaped once: a literal backslash-n unlike a newline, an ESC as one escape', async () => {
    const literal = await runCli(['audit', DIRECT, '--mesh-cidr', 'a\\nb\u001b']);
    const newline = await runCli(['audit', DIRECT, '--mesh-cidr', 'a\nb\u001b']);
    expect([literal.code, newline.code]).toEqual([2, 2]);
    // The flag's message escapes the value, and the last guard before stderr leaves it as it is (it showed `\\e`).
    expect(literal.stderr).toContain('--mesh-cidr: "a\\\\nb\\e" is not');
    expect(newline.stderr).toContain('--mesh-cidr: "a\\nb\\e" is not');
  });

  it.each([
    ['--report', 'is not FORMAT=PATH'],
    ['--window', 'is not a duration'],
    ['--max-pending', 'is not a positive whole number'],
  ])('quotes a bad %s value the same way: the literal and the control character read differently', async (flag, problem) => {
    const literal = 'a\\tb'; // a backslash and a t
    const [shownLiteral, shownControl] = await Promise.all([runCli(['audit', DIRECT, flag, literal]), runCli(['audit', DIRECT, flag, literal.replace('\\t', '\t')])]);
    expect([shownLiteral.code, shownControl.code]).toEqual([2, 2]);
    expect(shownLiteral.stderr).toContain(`${flag}: "${literal.replace('\\', '\\\\')}" ${problem}`);
    expect(shownControl.stderr).toContain(`${flag}: "${literal}" ${problem}`);
  });
});

describe('egress-audit audit: the end of a run that could not finish or had several problems', () => {
  it('never exits 0 when the reader of its output went away before the end (audit | head)', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../helpers/cli.js');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'audit', fixture('demo'), '-o', 'ndjson', '--fail-on', 'none'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.once('data', () => child.stdout.destroy()); // like `| head -1`: read a little, then close the pipe
      child.on('close', resolve);
    });
    expect(code).toBe(141);
  });

  it('prints each problem of a policy file on a line of its own', async () => {
    const res = await runCli(['audit', DIRECT, '--policy', fixture('policy/many-problems.yaml')]);
    expect(res.code).toBe(3);
    const lines = res.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(res.stderr).not.toContain('\\n');
    expect(lines.filter((l) => /many-problems\.yaml:\d+:\d+: /.test(l)).length).toBe(lines.length);
  });
});

describe('egress-audit audit: one input holding both sidecar and gateway logs (mixed-roles)', () => {
  const scenarios = fixture('scenarios');
  const warningsOf = (stdout: string): { code: string; message: string }[] => (JSON.parse(stdout) as { coverage: { warnings: { code: string; message: string }[] } }).coverage.warnings;
  const mixedFile = (parts: string[]): string => {
    const dir = tempDir('ea-mixed-');
    const file = join(dir, 'all.log');
    writeFileSync(file, parts.map((p) => readFileSync(join(scenarios, p), 'utf8')).join(''));
    return file;
  };

  it('fails by default when a gateway log with direct sidecar lines appended would otherwise pass as gateway-only', async () => {
    const file = mixedFile(['corpus-sni-two-line-gateway/egress-gateway.log', 'direct-passthrough/sidecar.log']);
    const res = await runCli(['audit', file, '-o', 'json']);
    expect(res.code).toBe(1);
    const mixed = warningsOf(res.stdout).find((w) => w.code === 'mixed-roles');
    expect(mixed?.message).toContain('all.log (read as an egress gateway; 3 of 7 entries read like a sidecar');
    expect(mixed?.message).toMatch(/^1 input seems to hold the logs of both sidecars and egress gateways, and it was read as one role, so part of its verdicts/);
  });

  it('says so when sidecar and gateway logs were concatenated into one file read as a sidecar', async () => {
    const file = mixedFile(['seed-000-via-gateway-tcp/sidecar.log', 'seed-000-via-gateway-tcp/egress-gateway.log']);
    const res = await runCli(['audit', file, '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(warningsOf(res.stdout).find((w) => w.code === 'mixed-roles')?.message).toMatch(/all\.log \(read as a sidecar; \d+ of \d+ entries read like an egress gateway's/);
  });

  it('never warns on one kubectl logs --prefix file holding a sidecar pod and a gateway pod (roles are per pod there)', async () => {
    const dir = tempDir('ea-prefixed-');
    const file = join(dir, 'all.log');
    const prefixed = (path: string, pod: string): string => readFileSync(join(scenarios, path), 'utf8').split('\n').filter((l) => l !== '').map((l) => `[pod/${pod}/istio-proxy] ${l}\n`).join('');
    writeFileSync(file, prefixed('seed-000-via-gateway-tcp/sidecar.log', 'sleep-7c7db887d8-9dnd7') + prefixed('seed-000-via-gateway-tcp/egress-gateway.log', 'istio-egressgateway-5f7b8c9d4-x2x9z'));
    const res = await runCli(['audit', file, '-o', 'json']);
    expect(warningsOf(res.stdout).map((w) => w.code)).not.toContain('mixed-roles');
    expect(res.stdout).toContain('"verdict":"via-gateway"');
  });

  it('never warns on the scenario fixtures, each proxy in a file of its own', async () => {
    const res = await runCli(['audit', scenarios, '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(warningsOf(res.stdout).map((w) => w.code)).not.toContain('mixed-roles');
  });
});

describe('egress-audit audit: policy host names the client only claimed', () => {
  const CLAIMED = fixture('policy/claimed-host');

  it('does not allow PassthroughCluster flows by the Host header or SNI they sent, and says why', async () => {
    const res = await runCli(['audit', join(CLAIMED, 'sidecar.log'), '--policy', join(CLAIMED, 'by-host.yaml'), '-o', 'json']);
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as { flows: { allowedBy: unknown; failing: boolean }[]; coverage: { warnings: { code: string; message: string }[] } };
    expect(report.flows.map((f) => [f.allowedBy, f.failing])).toEqual([[null, true], [null, true]]);
    const warning = report.coverage.warnings.find((w) => w.code === 'claimed-host-not-trusted');
    expect(warning?.message).toContain('googleapis');
  });

  it('allows them by the addresses they went to', async () => {
    const res = await runCli(['audit', join(CLAIMED, 'sidecar.log'), '--policy', join(CLAIMED, 'by-cidr.yaml'), '-o', 'json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { summary: { allowed: number }; coverage: { warnings: { code: string }[] } };
    expect(report.summary.allowed).toBe(2);
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('claimed-host-not-trusted');
  });

  it('still trusts names from a ServiceEntry cluster', async () => {
    const policy = join(dir, 'googleapis-host.yaml');
    writeFileSync(policy, 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: googleapis\n    reason: approved\n    hosts: [www.googleapis.com]\n');
    const res = await runCli(['audit', GOOGLEAPIS, '--policy', policy, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { flows: { verdict: string; allowedBy: { id: string } | null }[] };
    const direct = report.flows.filter((f) => f.verdict === 'direct');
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.every((f) => f.allowedBy?.id === 'googleapis')).toBe(true);
  });
});

describe('egress-audit audit: international host names in the policy', () => {
  const IDN = fixture('policy/idn-host');

  it('matches a punycode glob to a Unicode Host header and a Unicode glob to a punycode one, reporting each host in its one (punycode) form', async () => {
    const res = await runCli(['audit', join(IDN, 'sidecar.log'), '--policy', join(IDN, 'policy.yaml'), '-o', 'json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { flows: { destination: { host: string }; allowedBy: { id: string } | null }[] };
    expect(report.flows.map((f) => [f.destination.host, f.allowedBy?.id])).toEqual([
      ['xn--bcher-kva.example', 'punycode-glob'],
      ['shop.xn--bcher-kva.example', 'unicode-glob'],
    ]);
  });
});

describe('egress-audit audit: reports', () => {
  it('writes several reports in one run that agree with the console', async () => {
    const json = join(dir, 'r.json');
    const sarif = join(dir, 'r.sarif');
    const junit = join(dir, 'r.xml');
    const md = join(dir, 'r.md');
    const res = await runCli(['audit', DIRECT, VIA, '-o', 'json', '--report', `sarif=${sarif}`, '--report', `junit=${junit}`, '--report', `markdown=${md}`, '--report', `json=${json}`]);
    expect(res.code).toBe(1);
    const console = JSON.parse(res.stdout) as { summary: unknown; findings: unknown; destinations: unknown };
    const file = JSON.parse(readFileSync(json, 'utf8')) as typeof console;
    expect(file.summary).toEqual(console.summary);
    expect(file.findings).toEqual(console.findings);
    const sarifDoc = JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: unknown[] }[] };
    expect(sarifDoc.runs[0]?.results.length).toBe((console.findings as unknown[]).length);
    expect(readFileSync(junit, 'utf8')).toMatch(/<failure /);
    expect(readFileSync(md, 'utf8')).toMatch(/direct/);
  });

  it('embeds both hops as parse records (same keys as parse output) in json flows', async () => {
    const res = await runCli(['audit', VIA, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { schema: string; flows: { verdict: string; sidecar: Record<string, unknown>; gateway: Record<string, unknown> }[] };
    expect(report.schema).toBe('egress-audit/report@1');
    const flow = report.flows.find((f) => f.verdict === 'via-gateway');
    const parsed = await runCli(['parse', join(VIA, 'sidecar.log')]);
    expect(flow?.sidecar).toEqual(ndjson(parsed.stdout)[0]);
    expect((flow?.gateway['source'] as { file: string }).file).toBe(join(VIA, 'egress-gateway.log'));
  });

  it('applies a policy exception (reported, not failing) and says when one has expired', async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n' +
        '  - {id: gapi-tls, reason: approved in SEC-101, hosts: [www.googleapis.com], ports: [443], expires: 2099-01-01}\n' +
        '  - {id: gapi-http, reason: allowed during the migration, hosts: [www.googleapis.com], ports: [80], expires: 2020-01-01}\n',
    );
    const res = await runCli(['audit', GOOGLEAPIS, '--policy', policy, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { findings: { destination: string; allowedBy: { id: string } | null; expiredException: { id: string } | null; failing: boolean }[]; coverage: { warnings: { code: string }[] } };
    expect(res.code).toBe(1);
    const byDest = Object.fromEntries(report.findings.map((f) => [f.destination, f]));
    expect(byDest['www.googleapis.com:443']).toMatchObject({ failing: false, allowedBy: { id: 'gapi-tls' } });
    expect(byDest['www.googleapis.com:80']).toMatchObject({ failing: true, allowedBy: null, expiredException: { id: 'gapi-http' } });
    expect(report.coverage.warnings.map((w) => w.code)).toContain('expired-exceptions');
  });

  it('leaves an expired exception\'s findings out of a baseline written after it lapsed, so they keep failing, and says so', async () => {
    const policy = join(dir, 'lapsed.yaml');
    writeFileSync(policy, 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - {id: gapi-http, reason: allowed during the migration, hosts: [www.googleapis.com], ports: [80], expires: 2020-01-01}\n');
    const baseline = join(dir, 'after-lapse.json');
    const write = await runCli(['audit', GOOGLEAPIS, '--policy', policy, '--write-baseline', baseline]);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('1 failing finding of expired policy exceptions was not recorded');
    const recorded = (JSON.parse(readFileSync(baseline, 'utf8')) as { findings: { destination: string }[] }).findings.map((f) => f.destination);
    expect(recorded).not.toContain('www.googleapis.com:80');
    expect(recorded).toContain('www.googleapis.com:443'); // no exception names it: the baseline takes it
    expect((await runCli(['audit', GOOGLEAPIS, '--policy', policy, '--baseline', baseline])).code).toBe(1);
    // Without the exception in the policy, the same finding is the baseline's to record.
    expect((await runCli(['audit', GOOGLEAPIS, '--write-baseline', baseline])).stderr).not.toContain('expired policy exceptions');
    expect((await runCli(['audit', GOOGLEAPIS, '--policy', policy, '--baseline', baseline])).code).toBe(0);
  });

  it('says, in every report, how many flows of a failing finding an exception narrower than it allowed', async () => {
    // from.cidrs of one frontend pod: 7 of the 11 flows of shop/frontend -> telemetry.vendor.io:443 are that pod's.
    const policy = join(dir, 'one-pod.yaml');
    writeFileSync(policy, 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - {id: one-pod, reason: SEC-9, cidrs: [35.190.12.4], ports: [443], from: {cidrs: [10.244.1.9]}}\n');
    const md = join(dir, 'one-pod.md');
    const junit = join(dir, 'one-pod.xml');
    const res = await runCli(['audit', fixture('demo'), '--policy', policy, '--no-color', '--report', `markdown=${md}`, '--report', `junit=${junit}`]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/allowed {3}7 of 11 flows, by one-pod: SEC-9/);
    expect(readFileSync(md, 'utf8')).toContain('**Partly allowed:** 7 of 11 flows, by <code>one-pod</code>: SEC-9');
    expect(readFileSync(junit, 'utf8')).toContain('partly allowed: 7 of 11 flows, by one-pod: SEC-9');
  });

  it('names an exception in use that stops applying within 14 days, and fails on it only when asked', async () => {
    // Dates relative to today (UTC), as the CLI counts them: 5 days left, and 60 days left.
    const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    const policy = join(dir, 'expiring.yaml');
    writeFileSync(
      policy,
      'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n' +
        `  - {id: gapi-tls, reason: approved in SEC-101, hosts: [www.googleapis.com], ports: [443], expires: ${day(5)}}\n` +
        `  - {id: gapi-http, reason: approved in SEC-102, hosts: [www.googleapis.com], ports: [80], expires: ${day(60)}}\n`,
    );
    const res = await runCli(['audit', GOOGLEAPIS, '--policy', policy, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    expect(res.code).toBe(0);
    const expiring = report.coverage.warnings.filter((w) => w.code === 'expiring-exceptions');
    expect(expiring.map((w) => w.message)).toEqual([expect.stringContaining(`gapi-tls (last day ${day(5)})`)]);
    expect(expiring[0]?.message).not.toContain('gapi-http');
    const strict = await runCli(['audit', GOOGLEAPIS, '--policy', policy, '--fail-on', 'direct,expiring-exceptions', '-o', 'markdown']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('expiring-exceptions');
  });

  it('writes a baseline, then fails only on findings new since it', async () => {
    const baseline = join(dir, 'baseline.json');
    const first = await runCli(['audit', DIRECT, '--write-baseline', baseline]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/wrote baseline \S+ \(3 findings\)\n/);
    expect((await runCli(['audit', DIRECT, '--baseline', baseline])).code).toBe(0);
    expect((await runCli(['audit', DIRECT, GOOGLEAPIS, '--baseline', baseline])).code).toBe(1);
  });

  it('names the baseline entries that held no flow (a finding fixed since), failing on them only when asked', async () => {
    const baseline = join(dir, 'baseline-unused.json');
    expect((await runCli(['audit', DIRECT, GOOGLEAPIS, '--write-baseline', baseline])).code).toBe(1);
    const fixed = await runCli(['audit', DIRECT, '--baseline', baseline, '-o', 'json']);
    expect(fixed.code).toBe(0);
    const warnings = (JSON.parse(fixed.stdout) as { coverage: { warnings: { code: string; message: string }[] } }).coverage.warnings;
    const unused = warnings.filter((w) => w.code === 'baseline-entries-unused').map((w) => w.message);
    expect(unused).toEqual([
      expect.stringMatching(/^2 baseline entries held no flow in this run: direct 10\.244\.0\.15 -> www\.googleapis\.com:443; direct 10\.244\.0\.15 -> www\.googleapis\.com:80\. If their findings were fixed, rewrite the baseline with --write-baseline/),
    ]);
    // Failing, it is a SARIF result located at the entries' lines in the baseline, as code scanning shows only results.
    const sarif = join(dir, 'unused.sarif');
    expect((await runCli(['audit', DIRECT, '--baseline', baseline, '--fail-on', '+baseline-entries-unused', '--report', `sarif=${sarif}`])).code).toBe(1);
    const lines = readFileSync(baseline, 'utf8').split('\n').flatMap((l, i) => (l.includes('"www.googleapis.com:') ? [i + 1] : []));
    type Located = { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; relatedLocations?: { physicalLocation: { region: { startLine: number } } }[] };
    const located = ((JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: Located[] }[] }).runs[0]?.results ?? []).filter((r) => r.ruleId === 'coverage/baseline-entries-unused');
    expect(located.map((r) => [r.locations[0]?.physicalLocation.artifactLocation.uri.endsWith('baseline-unused.json'), r.locations[0]?.physicalLocation.region.startLine, r.relatedLocations?.map((l) => l.physicalLocation.region.startLine)])).toEqual([[true, lines[0], lines.slice(1)]]);
    expect(lines).toHaveLength(2);
    const every = await runCli(['audit', DIRECT, GOOGLEAPIS, '--baseline', baseline, '-o', 'json']);
    expect((JSON.parse(every.stdout) as { coverage: { warnings: { code: string }[] } }).coverage.warnings.map((w) => w.code)).not.toContain('baseline-entries-unused');
    // Rewritten in place, the baseline loses them, and the run says so beside what it wrote.
    const rewrite = await runCli(['audit', DIRECT, '--baseline', baseline, '--write-baseline', baseline]);
    expect(rewrite.stderr).toContain(`wrote baseline ${baseline} (3 findings)\negress-audit: 2 entries of the baseline read (${baseline}) held no flow in this run, so they are not in the one written\n`);
    expect((await runCli(['audit', DIRECT, '--baseline', baseline, '-o', 'json'])).stdout).not.toContain('baseline-entries-unused');
    const alone = await runCli(['audit', DIRECT, '--fail-on', '+baseline-entries-unused']);
    expect([alone.code, alone.stderr]).toEqual([2, 'egress-audit: --fail-on: baseline-entries-unused needs --baseline: it names the entries of the baseline read that held no flow\n']);
  });

  it('with a baseline, SARIF marks each result new or unchanged and the JSON summary says a baseline was compared', async () => {
    const baseline = join(dir, 'baseline-states.json');
    await runCli(['audit', DIRECT, '--write-baseline', baseline]);
    const known = (JSON.parse(readFileSync(baseline, 'utf8')) as { findings: { fingerprint: string }[] }).findings.map((f) => f.fingerprint);
    const sarif = join(dir, 'states.sarif');
    const json = join(dir, 'states.json');
    const res = await runCli(['audit', DIRECT, GOOGLEAPIS, '--baseline', baseline, '--report', `sarif=${sarif}`, '--report', `json=${json}`]);
    expect(res.code).toBe(1);
    const results = (JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: { baselineState?: string; partialFingerprints: Record<string, string> }[] }[] }).runs[0]?.results ?? [];
    const states = results.map((r) => [known.includes(Object.values(r.partialFingerprints)[0] as string), r.baselineState]);
    expect(states.map(([, state]) => state)).toEqual(expect.arrayContaining(['new', 'unchanged']));
    expect(states.every(([old, state]) => state === (old as boolean ? 'unchanged' : 'new'))).toBe(true);
    expect((JSON.parse(readFileSync(json, 'utf8')) as { summary: { baseline?: true } }).summary.baseline).toBe(true);
    const without = await runCli(['audit', DIRECT, '-o', 'json']);
    expect((JSON.parse(without.stdout) as { summary: { baseline?: true } }).summary).not.toHaveProperty('baseline');
  });

  it('says a finding the baseline held is unchanged (SARIF) and held (JUnit) when an exception now allows it', async () => {
    const baseline = join(dir, 'baseline-then-allowed.json');
    await runCli(['audit', DIRECT, '--write-baseline', baseline]);
    const policy = join(dir, 'allow-ibm.yaml');
    writeFileSync(policy, 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - {id: ibm, reason: approved in SEC-7, cidrs: [104.102.54.251], ports: [443]}\n');
    const sarif = join(dir, 'allowed-held.sarif');
    const junit = join(dir, 'allowed-held.xml');
    const res = await runCli(['audit', DIRECT, '--baseline', baseline, '--policy', policy, '--report', `sarif=${sarif}`, '--report', `junit=${junit}`, '-o', 'json']);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as { summary: { allowed: number; baselined: number } }).summary).toMatchObject({ allowed: 1, baselined: 2 });
    const results = (JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: { baselineState?: string; suppressions?: { justification: string }[] }[] }[] }).runs[0]?.results ?? [];
    expect(results.map((r) => [r.suppressions?.[0]?.justification.startsWith('ibm:') === true, r.baselineState]).sort()).toEqual([[false, 'unchanged'], [false, 'unchanged'], [true, 'unchanged']]);
    expect(readFileSync(junit, 'utf8')).toContain('<property name="baseline" value="compared: 3 findings held by it (2 baselined, not failing; 1 allowed by an exception or not in --fail-on), 0 new"/>');
  });

  it('does not overwrite a baseline from a run that read no access-log records (exit 4): nothing found is not "no findings"', async () => {
    const baseline = join(dir, 'kept-baseline.json');
    expect((await runCli(['audit', DIRECT, '--write-baseline', baseline])).code).toBe(1);
    const before = readFileSync(baseline, 'utf8');
    expect(before).toContain('"fingerprint"');
    const empty = await runCli(['audit', join(dir, 'noise.log'), '--baseline', baseline, '--write-baseline', baseline]);
    expect(empty.code).toBe(4);
    expect(empty.stderr).toContain(`baseline ${baseline} not written: no access-log records were read`);
    expect(readFileSync(baseline, 'utf8')).toBe(before);
    expect((await runCli(['audit', DIRECT, '--baseline', baseline])).code).toBe(0);
  });

  it('does not overwrite a baseline from a run with an input it could not read to the end (exit 3): its unread findings would be dropped', async () => {
    const baseline = join(dir, 'kept-baseline-partial.json');
    expect((await runCli(['audit', DIRECT, GOOGLEAPIS, '--write-baseline', baseline])).code).toBe(1);
    const before = readFileSync(baseline, 'utf8');
    const broken = join(dir, 'broken.log.gz');
    writeFileSync(broken, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65]));
    const partial = await runCli(['audit', DIRECT, broken, '--write-baseline', baseline]);
    expect(partial.code).toBe(3);
    expect(partial.stderr).toContain(`baseline ${baseline} not written: an input could not be read to the end`);
    expect(readFileSync(baseline, 'utf8')).toBe(before);
  });

  it.each([
    ['--policy', ['--policy', 'a.yaml', '--policy', 'b.yaml']],
    ['--window', ['--window', '5s', '--window', '9s']],
    ['-o/--output', ['-o', 'json', '--output', 'sarif']],
  ])('refuses %s given twice (exit 2): only the last would count', async (flag, args) => {
    const res = await runCli(['audit', DIRECT, ...args]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${flag} was given twice; it takes one value`);
  });

  it('--explain prints the rule that gave each file its role', async () => {
    const res = await runCli(['audit', VIA, '--explain']);
    expect(res.stderr).toMatch(/egress-gateway\.log\s+egress-gateway\s+file-name/);
    expect(res.stderr).toMatch(/sidecar\.log\s+sidecar/);
  });

  it('--gateway gives a role whatever the file is called, and reads stdin', async () => {
    const gw = readFileSync(join(VIA, 'egress-gateway.log'));
    const res = await runCli(['audit', join(VIA, 'sidecar.log'), '--gateway', '-', '-o', 'ndjson'], { input: gw });
    const flows = ndjson(res.stdout).filter((f) => f['type'] === 'flow');
    expect(flows.map((f) => f['verdict'])).toEqual(['via-gateway']);
  });

  it('reads stdin once when it is named twice (- and /dev/stdin), whether a socket or a redirected file', async () => {
    const file = join(DIRECT, 'sidecar.log');
    const streams = (stdout: string): unknown => (JSON.parse(stdout) as { coverage: { streams: { name: string; lines: number }[] } }).coverage.streams.map((s) => [s.name, s.lines]);
    const piped = await runCli(['audit', '-', '/dev/stdin', '-o', 'json'], { input: readFileSync(file) });
    expect(streams(piped.stdout)).toEqual([['-', 3]]);
    const fd = openSync(file, 'r');
    const child = spawn(process.execPath, [BIN, 'audit', '-', '/dev/stdin', '-o', 'json'], { stdio: [fd, 'pipe', 'pipe'] });
    closeSync(fd);
    const redirected = await outcome(child);
    expect(streams(redirected.stdout)).toEqual([['-', 3]]);
    expect(redirected.code).toBe(1);
  });

  it('never lets a hostile log line reach the terminal raw', async () => {
    const line = readFileSync(join(DIRECT, 'sidecar.log'), 'utf8').split('\n')[0]?.replace(/cloud\.ibm\.com|"-" 805/, (m) => m) ?? '';
    const hostile = line.replace(/ - *$/, ' evil\u001b]0;pwned\u0007\u001b[2J.example -');
    const file = join(dir, 'sidecar-hostile.log');
    writeFileSync(file, `${hostile}\n`);
    const res = await runCli(['audit', file]);
    expect(res.stdout).not.toMatch(/\u001b/);
    expect(res.stdout).not.toMatch(/\u0007/);
  });

  it('prints an error about a file whose name holds a newline on one line, escaped (no forged stderr line)', async () => {
    const res = await runCli(['audit', join(dir, 'missing\negress-audit: all clear.log')]);
    expect(res.code).toBe(3);
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('missing\\negress-audit: all clear.log');
  });
});

describe('egress-audit audit: a custom format with %START_TIME(<layout>)%', () => {
  it('reads the time back, so TCP hops join by address within the window (without it they had no time)', async () => {
    const format = '[%START_TIME(%d/%b/%Y:%H:%M:%S.%3f %z)%] %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%';
    const work = tempDir('ea-strftime-');
    const sidecar = (t: string, port: number): string =>
      `[01/May/2024:14:00:${t} +0200] 100 2000 40 10.1.0.55:8443 outbound|443||istio-egressgateway.istio-system.svc.cluster.local 10.1.1.2:${port} 93.184.216.34:443 10.1.1.2:40000 api.example.com`;
    const gateway = (t: string, port: number): string =>
      `[01/May/2024:12:00:${t} +0000] 100 2000 38 93.184.216.34:443 outbound|443||api.example.com 10.1.0.55:30000 10.1.0.55:8443 10.1.1.2:${port} api.example.com`;
    // One socket used twice, 20 s apart: only the times tell the two connections apart.
    writeFileSync(join(work, 'sidecar.log'), `${sidecar('01.000', 20000)}\n${sidecar('21.000', 20000)}\n`);
    writeFileSync(join(work, 'egress-gateway.log'), `${gateway('01.002', 20000)}\n${gateway('21.003', 20000)}\n`);
    const res = await runCli(['audit', work, '--format', format, '-o', 'ndjson']);
    const flows = ndjson(res.stdout).filter((f) => f['type'] === 'flow');
    expect(flows.map((f) => [f['verdict'], f['joinedBy'], f['startTime']])).toEqual([
      ['via-gateway', 'address', '2024-05-01T12:00:01.000Z'],
      ['via-gateway', 'address', '2024-05-01T12:00:21.000Z'],
    ]);
    expect(res.code).toBe(0);
  });
});

describe('egress-audit audit: pods learned from saved logs', () => {
  it('names a gateway entry caller by the pod whose own sidecar log shows its IP', async () => {
    const root = tempDir('ea-learned-');
    const podDir = join(root, 'pods', 'shop_sleep-7c7db887d8-9dnd7_0a122598-f40d-1198-397e-a9f4c207b970', 'istio-proxy');
    mkdirSync(podDir, { recursive: true });
    // The sidecar logged only an internal call; its egress connection's own entry is missing.
    writeFileSync(join(podDir, '0.log'), '2026-11-02T09:00:00.536748164Z stdout F [2026-11-02T09:00:00.507Z] "GET /reviews/0 HTTP/1.1" 200 - via_upstream - "-" 0 358 29 29 "-" "curl/8.5.0" "0a122598-f40d-1198-397e-a9f4c207b970" "reviews:9080" "10.244.3.21:9080" outbound|9080||reviews.shop.svc.cluster.local 10.244.1.7:59391 10.96.81.152:9080 10.244.1.7:34997 - default\n');
    writeFileSync(join(root, 'istio-egressgateway.log'), '[2026-11-02T09:00:01.147Z] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.108.0.55:49356 10.108.0.55:2234 10.244.1.7:33706 - -\n');
    const res = await runCli(['audit', root, '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    const flows = (JSON.parse(res.stdout) as { flows: { verdict: string; source: { workload: string; pod: string | null; namespace: string | null } }[] }).flows;
    const alone = flows.find((f) => f.verdict === 'gateway-only');
    expect(alone?.source).toMatchObject({ workload: 'sleep', pod: 'sleep-7c7db887d8-9dnd7', namespace: 'shop' });
    const explained = await runCli(['audit', root, '-o', 'json', '--fail-on', 'none', '--explain']);
    expect(explained.stderr).toContain('pod IPs learned from their own sidecar logs (1): 10.244.1.7=shop/sleep-7c7db887d8-9dnd7');
  });
});
