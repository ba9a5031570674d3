// audit --since/--until: a log-time window on decided flows, for incident response on saved logs.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditOptions, watchOptions } from '../helpers/program.js';
import type { Report } from '../../src/report/model.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** A sidecar's TCP connection to the egress gateway from `socket`, at `time`. */
const toGateway = (time: string, port: number): string =>
  `[2026-11-02T${time}Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:${port} 192.168.0.78:1234 10.108.0.56:50898 - -`;
/** The egress gateway's entry of that connection. */
const atGateway = (time: string, port: number): string =>
  `[2026-11-02T${time}Z] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.108.0.55:49356 10.108.0.55:2234 10.108.0.56:${port} - -`;
/** A direct call through PassthroughCluster to `host` (`ip`), at `time`. */
const direct = (time: string, host: string, ip: string): string =>
  `[2026-11-02T${time}Z] "HEAD / HTTP/1.1" 301 - via_upstream - "-" 0 0 31 30 "-" "curl/8.5.0" "-" "${host}" "${ip}:80" PassthroughCluster 10.42.0.7:36682 ${ip}:80 10.42.0.7:36676 - allow_any`;

/**
 * Direct flows before (01:30), inside (02:30) and after (04:00) the window 02:00-03:15, and two joined
 * flows at its edges: one whose gateway clock runs 15ms behind, so its gateway hop is logged before
 * --since while the flow (started at the sidecar) is inside; one whose gateway hop is logged after --until.
 */
const SIDECAR = [
  direct('01:30:00.000', 'before.example.com', '162.125.68.19'),
  toGateway('02:00:00.010', 33706),
  direct('02:30:00.000', 'inside.example.com', '183.2.172.185'),
  toGateway('03:14:59.990', 33710),
  direct('04:00:00.000', 'after.example.com', '104.102.54.251'),
];
const GATEWAY = [atGateway('01:59:59.995', 33706), atGateway('03:15:00.004', 33710)];
const SINCE = '2026-11-02T02:00:00Z';
const UNTIL = '2026-11-02T03:15:00Z';

let sidecar = '';
let gateway = '';

beforeAll(() => {
  const dir = tempDir('ea-window-');
  sidecar = join(dir, 'sidecar.log');
  gateway = join(dir, 'egress-gateway.log');
  writeFileSync(sidecar, `${SIDECAR.join('\n')}\n`);
  writeFileSync(gateway, `${GATEWAY.join('\n')}\n`);
});

function audit(...flags: string[]): ReturnType<typeof runCli> {
  return runCli(['audit', '--sidecar', sidecar, '--gateway', gateway, ...flags]);
}

async function jsonReport(...flags: string[]): Promise<{ code: number | null; report: Report & { flows: { verdict: string; destination: { host: string } }[] } }> {
  const res = await audit('-o', 'json', ...flags);
  return { code: res.code, report: JSON.parse(res.stdout) as Report & { flows: { verdict: string; destination: { host: string } }[] } };
}

describe('audit --since/--until', () => {
  it('keeps the flows that started in the window, joins hops across its edges, and counts the flows left out', async () => {
    const { code, report } = await jsonReport('--since', SINCE, '--until', UNTIL);
    expect(code).toBe(1); // the direct flow inside the window
    const hosts = report.flows.map((f) => `${f.verdict} ${f.destination.host}`).sort();
    expect(hosts).toEqual(['direct inside.example.com', 'via-gateway my.server.com', 'via-gateway my.server.com']);
    expect(report.summary.flows).toBe(3);
    expect(report.summary.verdicts.direct).toBe(1);
    expect(report.summary.verdicts['via-gateway']).toBe(2);
    expect(report.coverage.window).toEqual({ since: '2026-11-02T02:00:00.000Z', until: '2026-11-02T03:15:00.000Z', flowsOutside: 2 });
    expect(report.destinations.map((d) => d.host)).not.toContain('before.example.com');
    expect(report.findings.map((f) => f.destination)).toEqual(['inside.example.com:80']);
    // Coverage still describes every line read: the window narrows the verdicts, not what was read.
    expect(report.coverage.lines.records).toBe(7);
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('unmatched-entries');
  });

  it('leaves the flows outside out of the ndjson stream too, and says the window in the table and the Markdown summary', async () => {
    const nd = await audit('-o', 'ndjson', '--since', SINCE, '--until', UNTIL);
    const lines = ndjson(nd.stdout);
    expect(lines.filter((l) => l['type'] === 'flow')).toHaveLength(3);
    expect((lines.at(-1) as unknown as Report).coverage.window?.flowsOutside).toBe(2);
    const table = (await audit('--since', SINCE, '--until', UNTIL)).stdout.replace(/\s+/g, ' ');
    expect(table).toContain('window 2026-11-02T02:00:00.000Z to 2026-11-02T03:15:00.000Z (--since/--until): 2 flows started outside it and were left out');
    const md = (await audit('-o', 'markdown', '--since', SINCE, '--until', UNTIL)).stdout;
    expect(md).toContain('- Window: 2026-11-02T02:00:00.000Z to 2026-11-02T03:15:00.000Z (--since/--until): 2 flows started outside it and were left out.');
    // Beside it, that the join figures (unmatched, evicted, ...) count every entry read, not only the window's.
    expect(table).toContain('count every entry read (the join sees the whole input); flows, verdicts and findings count the window only');
    expect(md).toContain('count every entry read (the join sees the whole input); flows, verdicts and findings count the window only.');
  });

  it('--fail-on counts only the flows in the window: direct flows outside it do not fail the run', async () => {
    const { code, report } = await jsonReport('--since', SINCE, '--until', '2026-11-02T02:20:00Z');
    expect(code).toBe(0);
    expect(report.summary.exitCode).toBe(0);
    expect(report.summary.verdicts.direct).toBe(0);
    expect(report.coverage.window?.flowsOutside).toBe(4);
    expect((await audit('--until', '2026-11-02T02:20:00Z')).code).toBe(1); // the direct flow at 01:30
  });

  it('takes a date as UTC midnight, an offset as the time it names, and one open side', async () => {
    const { report } = await jsonReport('--since', '2026-11-02T03:00:00+01:00', '--until', '2026-11-02T04:15:00.000+01:00');
    expect(report.coverage.window).toMatchObject({ since: '2026-11-02T02:00:00.000Z', until: '2026-11-02T03:15:00.000Z', flowsOutside: 2 });
    const after = await jsonReport('--since', '2026-11-02');
    expect(after.report.coverage.window).toEqual({ since: '2026-11-02T00:00:00.000Z', until: null, flowsOutside: 0 });
    expect(after.report.summary.flows).toBe(5);
  });

  it('has window: null without the flags, and reports every flow as before', async () => {
    const { code, report } = await jsonReport();
    expect(code).toBe(1);
    expect(report.coverage.window).toBeNull();
    expect(report.summary.flows).toBe(5);
    expect(report.summary.verdicts.direct).toBe(3);
  });
});

describe('a window that holds no flow', () => {
  const empty = ['--since', '2026-11-03', '--until', '2026-11-03T06:00:00Z'];
  const inputsCover = '2026-11-02T01:30:00.000Z to 2026-11-02T04:00:00.031Z';

  it('exits 4 with an empty-window warning naming the window and the log time the inputs cover', async () => {
    const { code, report } = await jsonReport(...empty);
    expect(code).toBe(4);
    expect(report.summary.exitCode).toBe(4);
    expect(report.coverage.window?.flowsOutside).toBe(5);
    const warning = report.coverage.warnings.find((w) => w.code === 'empty-window');
    expect(warning?.message).toBe(
      `No flow started in the window 2026-11-03T00:00:00.000Z to 2026-11-03T06:00:00.000Z (--since/--until), although 7 access-log records were read; the inputs cover ${inputsCover}: nothing in the window was audited, so nothing is proven.`,
    );
  });

  // The table, JUnit, SARIF and Markdown state the result; json and ndjson carry the warning.
  it.each(['table', 'ndjson', 'junit', 'sarif', 'markdown'])('exits 4 and says so with -o %s', async (format) => {
    const res = await audit('-o', format, ...empty);
    expect(res.code).toBe(4);
    const text = res.stdout.replace(/\s*\n\s*/g, ' ');
    expect(text).toMatch(/no flow started in the window 2026-11-03T00:00:00\.000Z to 2026-11-03T06:00:00\.000Z/i);
    expect(text).toContain(`the inputs cover ${inputsCover}`);
    if (!format.endsWith('json')) expect(text).toContain(`NO EVIDENCE: no flow started in the window 2026-11-03T00:00:00.000Z to 2026-11-03T06:00:00.000Z, while the inputs cover ${inputsCover}, so nothing was audited (exit 4).`);
  });

  it('errs in its own JUnit case (nothing in the window could be checked), not no-records (records were read), and is an error in SARIF', async () => {
    const junit = (await audit('-o', 'junit', ...empty)).stdout;
    expect(junit).toMatch(/<testcase name="empty-window"[^>]*>\s*<error /);
    expect(junit).toMatch(/<testcase name="no-records"[^>]*\/>|<testcase name="no-records"[^>]*>\s*<system-out>/);
    const sarif = JSON.parse((await audit('-o', 'sarif', ...empty)).stdout) as { runs: { invocations: { toolExecutionNotifications: { descriptor: { id: string }; level: string }[] }[] }[] };
    const notes = sarif.runs[0]?.invocations[0]?.toolExecutionNotifications ?? [];
    expect(notes.filter((n) => n.level === 'error').map((n) => n.descriptor.id)).toEqual(['empty-window']);
  });

  it('says that a baseline entry of a finding outside the window is unused because of the window', async () => {
    const baseline = join(tempDir('ea-window-unused-'), 'baseline.json');
    expect((await audit('--write-baseline', baseline)).code).toBe(1);
    const { code, report } = await jsonReport('--since', SINCE, '--until', UNTIL, '--baseline', baseline);
    expect(code).toBe(0);
    const unused = report.coverage.warnings.filter((w) => w.code === 'baseline-entries-unused').map((w) => w.message);
    expect(unused).toEqual([expect.stringMatching(/^2 baseline entries held no flow in this run: direct 10\.42\.0\.7 -> after\.example\.com:80 at 104\.102\.54\.251; direct 10\.42\.0\.7 -> before\.example\.com:80 at 162\.125\.68\.19\. .* This run audited only the flows that started in --since\/--until, so entries of findings outside it are unused too\.$/)]);
  });

  it('says that an exception for traffic outside the window is unused because of the window', async () => {
    const policy = join(tempDir('ea-window-exceptions-'), 'policy.yaml');
    writeFileSync(policy, 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: after-vendor\n    reason: Called after the incident (SEC-9).\n    hosts: [after.example.com]\n');
    const { report } = await jsonReport('--since', SINCE, '--until', UNTIL, '--policy', policy);
    const unused = report.coverage.warnings.filter((w) => w.code === 'exceptions-unused').map((w) => w.message);
    expect(unused).toEqual([
      `1 policy exception allowed no flow in this run: after-vendor (${policy}:4). If the traffic it was written for has stopped, remove it from the policy: left in, it still allows its destinations, and traffic to them that came back would pass unseen. This run audited only the flows that started in --since/--until (2026-11-02T02:00:00.000Z to 2026-11-02T03:15:00.000Z), so exceptions for traffic outside it are unused too.`,
    ]);
    // The whole log: its flow at 04:00 uses it.
    expect((await jsonReport('--policy', policy)).report.coverage.warnings.map((w) => w.code)).not.toContain('exceptions-unused');
  });

  it('refuses --write-baseline with a window before reading anything (exit 2): the findings outside it would be dropped', async () => {
    const baseline = join(tempDir('ea-window-baseline-'), 'baseline.json');
    const res = await audit(...empty, '--write-baseline', baseline);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--write-baseline records every finding, so it cannot be combined with --since/--until');
    expect(res.stdout).toBe('');
    expect(existsSync(baseline)).toBe(false);
  });
});

describe('--since/--until usage errors (exit 2, naming the flag and the value)', () => {
  it.each([
    ['--since', '5m', /--since: "5m" is a duration, but audit reads saved logs: give a time, e\.g\. 2026-11-02T02:00:00Z/],
    ['--until', '2026-11-02T02:00:00', /--until: "2026-11-02T02:00:00" has no time zone \(Envoy logs in UTC\): add Z or an offset, e\.g\. 2026-11-02T02:00:00Z/],
    ['--since', '2026-11-02 02:00', /--since: "2026-11-02 02:00" has no time zone .* e\.g\. 2026-11-02T02:00:00Z/],
    ['--since', '2026-02-30', /--since: "2026-02-30" is not a time that exists .* e\.g\. 2026-11-02T02:00:00Z/],
    ['--until', '2026-11-02T24:00:00Z', /--until: "2026-11-02T24:00:00Z" is not a time that exists/],
    ['--until', '2026-11-02T02:00:00+25:00', /--until: "2026-11-02T02:00:00\+25:00" is not a time that exists/],
    ['--since', 'yesterday', /--since: "yesterday" is not a time: give RFC 3339 with a zone or a date, e\.g\. /],
    ['--since', '2026-11-02T02:00Z', /--since: "2026-11-02T02:00Z" is not a time/],
    ['--since', 'x\u001b]0;pwned\u0007', /--since: "x\\e\]0;pwned\\x07" is not a time/],
  ])('%s %s', async (flag, value, message) => {
    await expect(auditOptions([flag, value])).rejects.toThrow(message);
  });

  it('since at or after until', async () => {
    await expect(auditOptions(['--since', UNTIL, '--until', SINCE])).rejects.toThrow(
      /--since "2026-11-02T03:15:00Z" is not before --until "2026-11-02T02:00:00Z": the window holds no time \(e\.g\. --since 2026-11-02T02:00:00Z --until 2026-11-02T03:15:00Z\)/,
    );
    await expect(auditOptions(['--since', SINCE, '--until', '2026-11-02T03:00:00+01:00'])).rejects.toThrow(/is not before --until/);
  });

  it('a flag given twice', async () => {
    await expect(auditOptions(['--since', SINCE, '--since', UNTIL])).rejects.toThrow(/--since was given twice/);
  });

  it('exits 2 from the command line, before reading, with the message on stderr', async () => {
    const res = await audit('--since', '30m');
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('egress-audit: --since: "30m" is a duration, but audit reads saved logs: give a time');
  });

  it('--until is only a flag of audit; watch --since takes a duration back from now, or 0 (new lines)', async () => {
    expect((await watchOptions(['--since', '5m'])).since).toEqual({ agoMs: 300_000 });
    expect((await watchOptions(['--since', '0'])).since).toEqual({ agoMs: 0 });
    await expect(watchOptions(['--until', SINCE])).rejects.toThrow(/unknown option '--until'/);
  });

  it('watch --since takes a time too, in the forms audit takes (the log API starts at a time)', async () => {
    expect((await watchOptions(['--since', SINCE])).since).toEqual({ atMs: Date.parse(SINCE) });
    expect((await watchOptions(['--since', '2026-11-02T03:00:00+01:00'])).since).toEqual({ atMs: Date.parse(SINCE) });
    expect((await watchOptions(['--since', '2026-11-02'])).since).toEqual({ atMs: Date.parse('2026-11-02T00:00:00Z') });
  });

  it.each([
    ['yesterday', '--since: "yesterday" is neither a duration back from now (e.g. 500ms, 5s, 10m, 1h30m) nor a time (e.g. 2026-11-02T02:00:00Z, 2026-11-02T03:00:00+01:00 or 2026-11-02)'],
    ['2026-11-02 02:00', '--since: "2026-11-02 02:00" has no time zone (Envoy logs in UTC): add Z or an offset, e.g. 2026-11-02T02:00:00Z'],
    ['2026-02-30', '--since: "2026-02-30" is not a time that exists'],
    ['9999-01-01T00:00:00Z', '--since: "9999-01-01T00:00:00Z" is in the future, and watch starts with lines already logged: give a time before now, or leave --since out to start with new lines'],
  ])('watch --since %j is a usage error saying what it takes', async (value, message) => {
    await expect(watchOptions(['--since', value])).rejects.toThrow(message);
  });

  it('watch --since with a bad time exits 2 from the command line, naming the flag', async () => {
    const res = await runCli(['watch', '--since', '2026-11-02T02:00', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--since: "2026-11-02T02:00" has no time zone');
  });
});
