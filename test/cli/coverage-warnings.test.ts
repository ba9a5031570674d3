import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** Coverage warnings and learned facts a user sees: fixtures/coverage/README.md says where each case comes from. */
const DIR = fileURLToPath(new URL('../../fixtures/coverage/', import.meta.url));

interface Report {
  summary: { exitCode: number; verdicts: Record<string, number> };
  coverage: {
    warnings: { code: string; message: string }[];
    firstSeen: string | null;
    lastSeen: string | null;
    streams: { name: string; role: string; roleRule: string; firstSeen: string | null; lastSeen: string | null }[];
  };
  flows?: { verdict: string; rule: string; destination: { host: string } }[];
}

async function audit(args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const res = await runCli(['audit', ...args, '-o', 'json']);
  expect(res.stdout, res.stderr).not.toBe('');
  return { code: res.code, report: JSON.parse(res.stdout) as Report, stderr: res.stderr };
}

/** Text-format logs (each line opening with its `[time]`) as one Vector export of their pods, in log-time order; its path. */
function vectorExport(logs: [file: string, pod: string, namespace: string][]): string {
  const lines = logs.flatMap(([file, pod, namespace]) =>
    readFileSync(file, 'utf8').trim().split('\n').map((message) => ({
      at: message.slice(1, 25),
      line: JSON.stringify({ kubernetes: { container_name: 'istio-proxy', pod_name: pod, pod_namespace: namespace }, message, stream: 'stdout', timestamp: message.slice(1, 25) }),
    })),
  );
  lines.sort((a, b) => a.at.localeCompare(b.at));
  const file = join(tempDir('ea-export-'), 'vector.jsonl');
  writeFileSync(file, lines.map((l) => l.line).join('\n') + '\n');
  return file;
}

function codes(r: Report): string[] {
  return r.coverage.warnings.map((w) => w.code);
}

describe('pretty-printed JSON (`jq` without -c)', () => {
  const seed = fileURLToPath(new URL('../../fixtures/scenarios/seed-003-via-gateway-mtls-subsets/', import.meta.url));

  /** `parse FILE | jq 'select(...)'`: each record printed over many lines (after `before`, when given). */
  async function prettyRecords(file: string, name: string, before = ''): Promise<string> {
    const parsed = await runCli(['parse', `${seed}${file}`]);
    const pretty = parsed.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.stringify(JSON.parse(l), null, 2)).join('\n');
    const path = join(tempDir('ea-pretty-'), name);
    writeFileSync(path, `${before}${pretty}\n`);
    return path;
  }

  it('is read, each object one entry, when it opens the input: the same verdicts as the logs, every line accounted for', async () => {
    const sidecar = await prettyRecords('sidecar.log', 'sidecar.json');
    const gateway = await prettyRecords('egress-gateway.log', 'gateway.json');
    const { code, report } = await audit([sidecar, gateway]);
    expect(code).toBe(0);
    expect(report.summary.verdicts).toMatchObject({ 'via-gateway': 2, direct: 0, 'via-gateway-unconfirmed': 0 });
    const lines = readFileSync(sidecar, 'utf8').split('\n').length - 1 + readFileSync(gateway, 'utf8').split('\n').length - 1;
    expect(report.coverage.warnings.map((w) => w.code)).toEqual([]);
    const res = await runCli(['audit', sidecar, gateway, '-o', 'json']);
    const counts = (JSON.parse(res.stdout) as { coverage: { lines: { lines: number; records: number; joinedPartials: number } } }).coverage.lines;
    expect(counts).toMatchObject({ lines, records: 4, joinedPartials: lines - 4 });
  });

  it('after other lines (not read as objects): no-records names it and the fix, not access logging (exit 4)', async () => {
    const path = await prettyRecords('sidecar.log', 'kept.json', 'records kept on Monday:\n');
    const { code, report } = await audit([path]);
    expect(code).toBe(4);
    const message = report.coverage.warnings.find((w) => w.code === 'no-records')?.message ?? '';
    expect(message).toContain(`${path} (pretty-printed JSON, each object opened by a line of only \`{\`, as \`jq\` prints without -c: egress-audit reads one JSON object per line, so print it with \`jq -c\`).`);
    expect(message).not.toContain('access logging is off');
  });

  it("a sidecar's, after other lines, beside the other logs: fails the run on its entries (unknown-envelope), still naming the cause", async () => {
    // a silent-inputs note alone passed it, exit 0, whatever its entries held
    const path = await prettyRecords('sidecar.log', 'sidecar-kept.json', 'records kept on Monday:\n');
    const other = `${DIR}../false-pass/unknown-envelope/`; // a sidecar's two requests and the gateway's entries for them
    const { code, report } = await audit([`${other}sleep.log`, `${other}istio-egressgateway.log`, '--sidecar', path]);
    expect(report.coverage.warnings.find((w) => w.code === 'unparsed-lines')?.message).toMatch(/\(unknown-envelope \d+\)/);
    expect(report.coverage.warnings.find((w) => w.code === 'silent-inputs')?.message).toContain(`${path}, given with --sidecar (pretty-printed JSON, each object`);
    expect(code).toBe(1);
  });

  it("a gateway's, after other lines, beside a sidecar log: the no-gateway-logs warning names the cause", async () => {
    const path = await prettyRecords('egress-gateway.log', 'gateway-kept.json', 'records kept on Monday:\n');
    const { report } = await audit([`${seed}sidecar.log`, '--gateway', path, '--fail-on', 'none']);
    const message = report.coverage.warnings.find((w) => w.code === 'no-gateway-logs')?.message ?? '';
    expect(message).toContain(`Read as egress-gateway logs but holding no access-log entry: ${path} (pretty-printed JSON, each object`);
    expect(message).not.toContain('is access logging off');
  });
});

describe('lines that could not be read are a coverage warning', () => {
  const log = `${DIR}truncated-direct/sidecar.log`;

  it('says how many of how many lines, by reason, and that their traffic was not judged', async () => {
    const { code, report } = await audit([log, '--fail-on', 'direct']);
    expect(code).toBe(0); // nothing readable went direct; the warning alone does not fail unless named
    const warning = report.coverage.warnings.find((w) => w.code === 'unparsed-lines');
    expect(warning?.message).toMatch(/^3 of 5 lines could not be read/);
    expect(warning?.message).toContain('truncated 3');
    expect(warning?.message).toMatch(/not judged/);
  });

  it('fails CI when --fail-on names unparsed-lines', async () => {
    const { code, report } = await audit([log, '--fail-on', 'direct,unparsed-lines']);
    expect(code).toBe(1);
    expect(report.summary.exitCode).toBe(1);
  });

  it('counts lines over --max-line-length too', async () => {
    const { report } = await audit([log, '--fail-on', 'none', '--max-line-length', '300']);
    const warning = report.coverage.warnings.find((w) => w.code === 'unparsed-lines');
    expect(warning?.message).toMatch(/^4 of 5 lines/);
    expect(warning?.message).toContain('truncated 3, too-long 1');
  });

  it('counts in words that agree when every line failed: "All 5 lines", "The one line", never "1 of 1 lines"', async () => {
    const dir = tempDir('ea-unparsed-all-');
    const lines = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
    const tooLong = join(dir, 'all.log');
    writeFileSync(tooLong, `${lines.join('\n')}\n`);
    const all = (await audit([tooLong, '--fail-on', 'none', '--max-line-length', '20'])).report;
    expect(all.coverage.warnings.find((w) => w.code === 'unparsed-lines')?.message).toMatch(new RegExp(`^All ${lines.length} lines could not be read`));
    const one = join(dir, 'one.log');
    writeFileSync(one, `${lines[0]}\n`);
    const single = (await audit([one, '--fail-on', 'none', '--max-line-length', '20'])).report;
    expect(single.coverage.warnings.find((w) => w.code === 'unparsed-lines')?.message).toMatch(/^The one line could not be read/);
  });

  it('says when the text before each entry is an ANSI code of a coloured prefix not read, and suggests capturing without colour, verdicts unchanged', async () => {
    const dir = tempDir('ea-ansi-');
    const entry = '[2024-03-01T10:00:00.123Z] "GET /x HTTP/1.1" 200 - via_upstream - "-" 0 10 5 4 "-" "curl" "id-1" "example.com" "93.184.216.34:443" PassthroughCluster 10.0.0.5:40000 93.184.216.34:443 10.0.0.5:39999 - -';
    const file = join(dir, 'tail.log');
    // A tool's coloured `[pod]` prefix (no envelope reader knows it); stern's coloured names are read (below).
    writeFileSync(file, `\u001b[32m[app-7d9f]\u001b[0m ${entry}\n`.repeat(2));
    const coloured = await audit([file, '--fail-on', 'none']);
    const warning = coloured.report.coverage.warnings.find((w) => w.code === 'unparsed-lines');
    expect(warning?.message).toContain('text-before-entry 2');
    expect(warning?.message).toContain(`2 lines (text-before-entry) began with ANSI escape codes (${file} (2))`);
    expect(warning?.message).toContain("stern's colour codes around its pod and container names are read)");
    expect(warning?.message).toContain('capture it again without colours');
    // Without the codes the same lines are as unread, so the hint is only given for coloured text.
    const other = join(dir, 'junk.log');
    writeFileSync(other, `junk ${entry}\n`);
    const plain = await audit([other, '--fail-on', 'none']);
    const junk = plain.report.coverage.warnings.find((w) => w.code === 'unparsed-lines');
    expect(junk?.message).toContain('text-before-entry 1');
    expect(junk?.message).not.toContain('ANSI');
    expect(plain.report.summary.exitCode).toBe(coloured.report.summary.exitCode);
    // stern --color always: read as its plain output is, with no warning (these lines were text-before-entry).
    const stern = join(dir, 'stern.log');
    writeFileSync(stern, `\u001b[32mapp-7d9f\u001b[0m \u001b[36mistio-proxy\u001b[0m ${entry}\n`.repeat(2));
    const read = await audit([stern, '--fail-on', 'none']);
    expect(codes(read.report)).not.toContain('unparsed-lines');
    expect(read.report.summary.verdicts).toMatchObject({ direct: 2 });
  });

  it('stays quiet when every line was read', async () => {
    const { report } = await audit([`${DIR}custom-gateway-replica`, '--fail-on', 'none']);
    expect(codes(report)).not.toContain('unparsed-lines');
  });
});

describe('a gateway log without a single entry is not "gateway logs read"', () => {
  it.each([
    ['an empty gateway file', 'empty-gateway-log', [], false],
    ['an empty file given with --gateway', 'empty-gateway-log', ['--gateway', `${DIR}empty-gateway-log/egress-gateway.log`], false],
    ['a gateway log with only agent lines', 'agent-only-gateway-log', [], true],
  ] as const)('%s: no-gateway-logs warns and --fail-on no-gateway-logs fails', async (_name, dir, extra, loggingOff) => {
    const { code, report } = await audit([`${DIR}${dir}/sidecar.log`, `${DIR}${dir}/egress-gateway.log`, ...extra, '--fail-on', 'no-gateway-logs']);
    expect(report.summary.verdicts['via-gateway-unconfirmed']).toBe(2);
    const warning = report.coverage.warnings.find((w) => w.code === 'no-gateway-logs');
    expect(warning?.message).toMatch(/^No egress-gateway logs were read/);
    // Lines that held no entry point at access logging switched off on the gateway; an empty file does not.
    const hint = `Read as egress-gateway logs but holding no access-log entry: ${DIR}${dir}/egress-gateway.log (some other log, not an access log: if it is an istio-proxy log, its access logging is off, or the pod was idle (its agent's lines only)). Istio's default profile writes none: switch it on`;
    if (loggingOff) expect(warning?.message).toContain(hint);
    else expect(warning?.message).not.toContain('access logging is off');
    expect(code).toBe(1);
  });

  it('a gateway log with entries still counts', async () => {
    const { code, report } = await audit([`${DIR}custom-gateway-replica`, '--fail-on', 'no-gateway-logs']);
    expect(codes(report)).not.toContain('no-gateway-logs');
    expect(code).toBe(0);
  });

  it('a sidecar log without entries does not count as sidecar logs either', async () => {
    const { code, report } = await audit([`${DIR}neutral-gateway-file/gw.log`, '--sidecar', `${DIR}empty-gateway-log/egress-gateway.log`, '--fail-on', 'no-sidecar-logs']);
    expect(codes(report)).toContain('no-sidecar-logs');
    expect(code).toBe(1);
  });
});

describe('a custom-named gateway service is learned from the replica whose log is present', () => {
  it('sends the request to the replica without a log to via-gateway-unconfirmed, not internal', async () => {
    const { report, stderr } = await audit([`${DIR}custom-gateway-replica`, '--fail-on', 'none', '--explain']);
    const verdicts = (report.flows ?? []).map((f) => f.verdict).sort();
    expect(verdicts).toEqual(['via-gateway', 'via-gateway-unconfirmed']);
    expect(report.summary.verdicts['internal']).toBe(0);
    expect(stderr).toMatch(/gateway services learned from sidecar entries to those IPs: ci00000000-test-egress\.sbercode-[^ ]+\.svc\.cluster\.local \(reaches 10\.128\.2\.35\)/);
  });
});

describe('a gateway log under a neutral file name', () => {
  const log = `${DIR}neutral-gateway-file/gw.log`;

  it('is read as an egress gateway by its entries, so nothing is direct', async () => {
    const { code, report, stderr } = await audit([log, '--fail-on', 'direct', '--explain']);
    expect(report.summary.verdicts['direct']).toBe(0);
    expect(report.summary.verdicts['gateway-only']).toBe(3);
    expect(report.coverage.streams[0]).toMatchObject({ role: 'egress-gateway', roleRule: 'content:own-address' });
    expect(stderr).toMatch(/egress-gateway\s+content:own-address: 3 of 3 outbound entries/);
    expect(code).toBe(0);
  });

  it('--sidecar still wins over the content rule', async () => {
    const { report } = await audit([log, '--sidecar', log, '--fail-on', 'none']);
    expect(report.coverage.streams[0]).toMatchObject({ role: 'sidecar', roleRule: 'flag:--sidecar' });
  });
});

describe('clock skew between the hops', () => {
  const dir = `${DIR}clock-skew`;

  it('suggests raising --window when entries are left over on both sides, and the larger window joins them', async () => {
    const skewed = await audit([dir, '--fail-on', 'none']);
    const warning = skewed.report.coverage.warnings.find((w) => w.code === 'unmatched-entries');
    expect(warning?.message).toContain('raise --window');
    const wider = await audit([dir, '--fail-on', 'none', '--window', '10s']);
    expect(wider.report.summary.verdicts['via-gateway']).toBeGreaterThan(0);
    expect(codes(wider.report)).not.toContain('unmatched-entries');
  });
});

describe('the log time the audit covers', () => {
  it('is stated for the whole audit and each stream, and a gateway log shorter than the sidecars\' explains their unmatched entries', async () => {
    const { code, report } = await audit([`${DIR}gateway-log-shorter`, '--fail-on', 'direct']);
    expect(code).toBe(0);
    const { coverage } = report;
    expect([coverage.firstSeen, coverage.lastSeen]).toEqual(['2021-06-08T09:00:00.000Z', '2021-06-08T11:00:00.038Z']);
    const gateway = coverage.streams.find((s) => s.name.endsWith('egress-gateway.log'));
    expect([gateway?.firstSeen, gateway?.lastSeen]).toEqual(['2021-06-08T10:00:00.007Z', '2021-06-08T10:00:00.036Z']);
    expect(report.summary.verdicts['via-gateway-unconfirmed']).toBe(2);
    const unmatched = report.coverage.warnings.find((w) => w.code === 'unmatched-entries');
    expect(unmatched?.message).toContain(
      'The egress-gateway logs cover 2021-06-08T10:00:00.007Z to 2021-06-08T10:00:00.036Z, the sidecar logs 2021-06-08T09:00:00.000Z to 2021-06-08T11:00:00.038Z',
    );
  });

  it('explains them the same way when both sides come in one pipeline export (one stream, a role per pod)', async () => {
    // The same four lines as one Vector export, in log-time order: the stream's role is "mixed", so only the
    // entries' own roles can tell the gateway's period from the sidecars'.
    const file = vectorExport([
      [`${DIR}gateway-log-shorter/sidecar.log`, 'sleep-76df4f989c-lrvpj', 'default'],
      [`${DIR}gateway-log-shorter/egress-gateway.log`, 'istio-egressgateway-7d4f8b7c9-kq2mx', 'istio-system'],
    ]);
    const { report } = await audit([file, '--fail-on', 'none']);
    expect(report.coverage.streams.map((s) => s.role)).toEqual(['mixed']);
    expect(report.summary.verdicts['via-gateway-unconfirmed']).toBe(2);
    const unmatched = report.coverage.warnings.find((w) => w.code === 'unmatched-entries');
    expect(unmatched?.message).toContain(
      'The egress-gateway logs cover 2021-06-08T10:00:00.007Z to 2021-06-08T10:00:00.036Z, the sidecar logs 2021-06-08T09:00:00.000Z to 2021-06-08T11:00:00.038Z',
    );
  });

  it.each([
    ['clock-skew', /raise --window/], // the gateway's clock 6 s ahead
    ['custom-gateway-replica', /^1 gateway-bound sidecar entry found no gateway entry/], // a replica's log missing
  ])('says nothing of the gateway logs\' time when they run within a minute of the sidecars\' (%s: another cause)', async (name, rest) => {
    const { report } = await audit([`${DIR}${name}`, '--fail-on', 'none']);
    const unmatched = report.coverage.warnings.find((w) => w.code === 'unmatched-entries');
    expect(unmatched?.message).toMatch(rest);
    expect(unmatched?.message).not.toContain('logs cover');
  });

  it('says access logging looks off when every line read was some other log, and not when one was a broken entry', async () => {
    const off = await runCli(['audit', `${DIR}agent-only-gateway-log/egress-gateway.log`, '-o', 'json']);
    expect(off.code).toBe(4);
    const warning = (JSON.parse(off.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-records');
    expect(warning?.message).toContain(`${DIR}agent-only-gateway-log/egress-gateway.log (some other log, not an access log: if it is an istio-proxy log, its access logging is off`);
    const file = join(tempDir('ea-cut-'), 'sidecar.log');
    writeFileSync(file, `${readFileSync(`${DIR}agent-only-gateway-log/egress-gateway.log`, 'utf8')}[2026-11-02T09:00:00.000Z] "- - -" 0 - - - "-" 700 211\n`);
    const cut = await runCli(['audit', file, '-o', 'json']);
    expect(cut.code).toBe(4);
    expect((JSON.parse(cut.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-records')?.message).not.toContain('access logging');
  });

  it('is none for an audit of no records, in every report', async () => {
    const res = await runCli(['audit', `${DIR}agent-only-gateway-log/egress-gateway.log`, '-o', 'markdown']);
    expect(res.code).toBe(4);
    expect(res.stdout).toContain('- Log time covered: none (no record with a log time).');
  });

  it('does not say there were no records when the records read have no time (a custom format without %START_TIME%)', async () => {
    const file = join(tempDir('ea-no-time-'), 'sidecar.log');
    writeFileSync(file, 'PassthroughCluster 10.0.0.1:1234 1.2.3.4:443\n');
    const res = await runCli(['audit', file, '--format', '%UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS% %UPSTREAM_HOST%', '-o', 'markdown', '--fail-on', 'none']);
    expect(res.stdout).toContain('Read 1 line: 1 access-log record.');
    expect(res.stdout).toContain('- Log time covered: none (no record with a log time).');
  });
});

describe('an audit of no records says why, input by input', () => {
  it('says an empty JSON array export holds no records, not that access logging is off; still exit 4', async () => {
    const dir = tempDir('ea-empty-export-');
    for (const [name, text] of [['compact.json', '[]\n'], ['pretty.json', '[\n]\n']] as const) {
      writeFileSync(join(dir, name), text);
      const res = await runCli(['audit', join(dir, name), '-o', 'json']);
      expect(res.code).toBe(4);
      const message = (JSON.parse(res.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-records')?.message;
      expect(message).toContain(`${join(dir, name)} (a JSON array export of no records, which says nothing of the proxies' logging: check the query and the time range it was exported with)`);
      expect(message).not.toContain('access logging is off');
    }
  });

  it('says an empty file or .gz was empty, and an export of other records to check its query, naming each', async () => {
    const dir = tempDir('ea-empty-inputs-');
    writeFileSync(join(dir, 'empty.log'), '');
    writeFileSync(join(dir, 'empty.log.gz'), gzipSync(Buffer.alloc(0)));
    writeFileSync(join(dir, 'agent.json'), JSON.stringify([{ textPayload: 'info envoy main starting' }, { textPayload: 'warn envoy config' }], null, 2));
    const res = await runCli(['audit', join(dir, 'empty.log'), join(dir, 'empty.log.gz'), join(dir, 'agent.json'), '-o', 'json']);
    expect(res.code).toBe(4);
    const message = (JSON.parse(res.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-records')?.message;
    expect(message).toMatch(/^No access-log entries were read \(8 lines\)/);
    expect(message).toContain(`${join(dir, 'empty.log')}; ${join(dir, 'empty.log.gz')} (empty: the save or export failed, or its proxy logged nothing in that time)`);
    expect(message).toContain(`${join(dir, 'agent.json')} (a JSON array export holding no access log: check that its query selects the istio-proxy container's logs; if it does, access logging is off)`);
    expect(message).not.toContain('some other log');
  });

  it('says an empty export given as the gateway\'s logs holds no records, not that the gateway logs nothing', async () => {
    const file = join(tempDir('ea-empty-gw-'), 'gateway.json');
    writeFileSync(file, '[]');
    const res = await runCli(['audit', '--sidecar', `${DIR}../scenarios/seed-000-via-gateway-tcp/sidecar.log`, '--gateway', file, '-o', 'json', '--fail-on', 'none']);
    const message = (JSON.parse(res.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-gateway-logs')?.message;
    expect(message).toContain(`Read as egress-gateway logs but holding no access-log entry: ${file} (a JSON array export of no records`);
    expect(message).not.toContain('access logging is off');
  });

  it('says a file of only blank lines or only a BOM (plain or .gz) held only blank lines, not that access logging is off; still exit 4', async () => {
    const dir = tempDir('ea-blank-inputs-');
    const inputs: [string, Buffer][] = [
      ['blank.log', Buffer.from('\n\n \t\r\n')],
      ['blank.log.gz', gzipSync(Buffer.from('\n\n\n'))],
      ['bom.log', Buffer.from('\ufeff')],
      ['bom.log.gz', gzipSync(Buffer.from('\ufeff\n'))],
    ];
    for (const [name, bytes] of inputs) writeFileSync(join(dir, name), bytes);
    const files = inputs.map(([name]) => join(dir, name));
    const res = await runCli(['audit', ...files, '-o', 'json']);
    expect(res.code).toBe(4);
    const message = (JSON.parse(res.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-records')?.message;
    expect(message).toContain(`${files.join('; ')} (only blank lines: as good as empty).`);
    expect(message).not.toContain('access logging is off');
    // Blank lines beside some other log's lines are that log's lines: the advice stays.
    writeFileSync(join(dir, 'proxy.log'), '\n2024-03-01T10:00:00.000000Z\tinfo\tEnvoy proxy is ready\n');
    const mixed = await runCli(['audit', join(dir, 'proxy.log'), join(dir, 'bom.log'), '-o', 'json']);
    const advice = (JSON.parse(mixed.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-records')?.message;
    expect(advice).toContain(`${join(dir, 'bom.log')} (only blank lines: as good as empty); ${join(dir, 'proxy.log')} (some other log, not an access log: if it is an istio-proxy log, its access logging is off`);
  });

  it('says a file of blank lines given as the gateway\'s logs held only blank lines, not that the gateway logs nothing', async () => {
    const file = join(tempDir('ea-blank-gw-'), 'gateway.log');
    writeFileSync(file, '\n\n');
    const res = await runCli(['audit', '--sidecar', `${DIR}../scenarios/seed-000-via-gateway-tcp/sidecar.log`, '--gateway', file, '-o', 'json', '--fail-on', 'none']);
    const message = (JSON.parse(res.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-gateway-logs')?.message;
    expect(message).toContain(`Read as egress-gateway logs but holding no access-log entry: ${file} (only blank lines: as good as empty).`);
    expect(message).not.toContain('access logging is off');
  });

  it('names the first long paths and how many more, and the table and Markdown keep the advice at the end of a long warning', async () => {
    const dir = join(tempDir('ea-long-paths-'), 'x'.repeat(120), 'y'.repeat(120));
    mkdirSync(dir, { recursive: true });
    const long = (i: number, ext: string): string => `log-${i}-${'z'.repeat(100)}.${ext}`;
    for (let i = 1; i <= 6; i++) {
      writeFileSync(join(dir, long(i, 'log')), '');
      writeFileSync(join(dir, long(i, 'json')), `[${' '.repeat(i)}]`); // not the same bytes: copies would be read once
    }
    writeFileSync(join(dir, 'proxy.txt'), '2024-03-01T10:00:00.000000Z\tinfo\tEnvoy proxy is ready\n');
    const advice = 'meshConfig.accessLogFile: /dev/stdout (see the README).';
    const json = await runCli(['audit', dir, '-o', 'json']);
    const message = (JSON.parse(json.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-records')?.message ?? '';
    // The list is cut, not the advice: the first path of each list (the rest counted), then every sentence.
    expect(message).toContain(`${join(dir, long(1, 'log'))}; and 5 more (empty: `);
    expect(message).toContain(`${join(dir, long(1, 'json'))}; and 5 more (a JSON array export of no records`);
    expect(message.endsWith(advice)).toBe(true);
    const table = await runCli(['audit', dir]);
    expect(table.code).toBe(4);
    expect(table.stdout.replace(/\n +/g, ' ')).toContain(`${advice} [no-records: fails the run, exit 4]`);
    const markdown = await runCli(['audit', dir, '-o', 'markdown']);
    expect(markdown.stdout).toContain(`${advice} (<code>no-records</code> fails the run)`);
  });

  it('says of a single line that it was not an access log, not "none of the 1 lines"', async () => {
    const file = join(tempDir('ea-one-line-'), 'proxy.log');
    writeFileSync(file, '2024-03-01T10:00:00.000000Z\tinfo\tEnvoy proxy is ready\n');
    const res = await runCli(['audit', file, '-o', 'json']);
    expect(res.code).toBe(4);
    const message = (JSON.parse(res.stdout) as Report).coverage.warnings.find((w) => w.code === 'no-records')?.message;
    expect(message).toContain('(1 line): nothing was audited');
    expect(message).toContain(`${file} (some other log, not an access log: if it is an istio-proxy log, its access logging is off`);
    expect(message).not.toContain('1 lines');
  });
});

describe('Service names under another cluster domain than the one given are a coverage warning', () => {
  const log = `${DIR}other-cluster-domain/sidecar.log`;

  it('names the domain the hosts are under, an example host, and the flag that sets it', async () => {
    const { report } = await audit([log, '--fail-on', 'none']);
    const warning = report.coverage.warnings.find((w) => w.code === 'other-cluster-domain');
    expect(warning?.message).toMatch(/^2 sidecar entries went to hosts that read as Kubernetes Services under corp\.local, not under the cluster domain cluster\.local/);
    expect(warning?.message).toContain('(e.g. istio-egressgateway.istio-system.svc.corp.local)');
    expect(warning?.message).toContain('give --cluster-domain corp.local');
  });

  it('reads clusterset.local (multi-cluster Services) as the mesh\'s own names, judged by their endpoint, with no warning', async () => {
    // It once advised an exception by host (*.svc.clusterset.local), which also let through such a name whose endpoint
    // is a public address; now the name is judged as a Service's is, by where its endpoint is.
    const { code, report } = await audit([`${DIR}multi-cluster-services/sidecar.log`]);
    expect(code).toBe(0);
    expect(codes(report)).not.toContain('other-cluster-domain');
    expect(report.summary.verdicts['internal']).toBe(1);
    const publicEndpoint = join(tempDir('ea-mcs-'), 'sidecar.log');
    writeFileSync(publicEndpoint, readFileSync(`${DIR}multi-cluster-services/sidecar.log`, 'utf8').replace('10.32.4.17:8080', '190.64.31.232:8080'));
    const outside = await audit([publicEndpoint, '--fail-on', 'none']);
    expect((outside.report.flows ?? []).map((f) => f.rule)).toEqual(['direct/endpoint-outside-mesh']);
  });

  it('stays quiet of an ordinary external host shaped like a Service, whose endpoint is a public address', async () => {
    const { report } = await audit([`${DIR}service-shaped-external-host/sidecar.log`, '--fail-on', 'none']);
    expect(codes(report)).not.toContain('other-cluster-domain');
    expect(report.summary.verdicts['direct']).toBe(1);
  });

  it('stays quiet when --cluster-domain names it, and the gateway traffic is unconfirmed, not direct', async () => {
    const { code, report } = await audit([log, '--cluster-domain', 'corp.local']);
    expect(code).toBe(0);
    expect(codes(report)).not.toContain('other-cluster-domain');
    expect(report.summary.verdicts['via-gateway-unconfirmed']).toBe(2);
  });
});

describe('sidecar entries to the egress gateway Service that reached an address outside the mesh are a coverage warning', () => {
  // An IPv6 cluster whose pods have global unicast addresses (fixtures/scenarios/ipv6-global-pod-ips-via-gateway).
  const scenario = fileURLToPath(new URL('../../fixtures/scenarios/ipv6-global-pod-ips-via-gateway/', import.meta.url));

  it('names the Service, the address and the way out when no gateway log vouches for the address', async () => {
    const { report } = await audit([`${scenario}sidecar.log`, '--fail-on', 'none']);
    expect(report.summary.verdicts['direct']).toBe(2);
    const warning = report.coverage.warnings.find((w) => w.code === 'gateway-endpoint-outside-mesh');
    expect(warning?.message).toMatch(/^2 sidecar entries sent to the egress gateway Service istio-egressgateway\.istio-system\.svc\.cluster\.local reached 2600:1f14:abc:de00:2::18, a public address/);
    expect(warning?.message).toContain("name the pod range with --mesh-cidr (or mesh.cidrs), or read the gateway's logs too");
  });

  it("stays quiet when the gateway's log shows that address as its own: the flows are via-gateway", async () => {
    const { code, report } = await audit([`${scenario}sidecar.log`, `${scenario}egress-gateway.log`]);
    expect(code).toBe(0);
    expect(codes(report)).not.toContain('gateway-endpoint-outside-mesh');
    expect(report.summary.verdicts['via-gateway']).toBe(2);
  });
});

describe('inputs and periods the evidence does not cover, among inputs that do', () => {
  it('names an input that held no access-log entry among others that did (silent-inputs), keeps the role its flag gave, and fails on it when asked', async () => {
    const args = ['--sidecar', 'sidecar.log', '--sidecar', 'payments-sidecar.log', '--sidecar', 'billing-sidecar.log', '--gateway', 'egress-gateway.log'];
    const run = async (more: string[]) => {
      const res = await runCli(['audit', ...args, ...more, '-o', 'json'], { cwd: `${DIR}silent-inputs` });
      return { code: res.code, report: JSON.parse(res.stdout) as Report };
    };
    const { code, report } = await run([]);
    expect(code).toBe(0); // not in the default: an idle pod's log holds no entry either
    const silent = report.coverage.warnings.find((w) => w.code === 'silent-inputs')?.message ?? '';
    expect(silent).toMatch(/^2 inputs held no access-log entry, although the others did: /);
    expect(silent).toContain("billing-sidecar.log, given with --sidecar (some other log, not an access log: if it is an istio-proxy log, its access logging is off, or the pod was idle (its agent's lines only))");
    expect(silent).toContain('payments-sidecar.log, given with --sidecar (empty: the save or export failed');
    const roles = Object.fromEntries(report.coverage.streams.map((s) => [s.name, `${s.role} ${s.roleRule}`]));
    expect(roles).toMatchObject({ 'billing-sidecar.log': 'sidecar flag:--sidecar', 'payments-sidecar.log': 'sidecar flag:--sidecar' });
    expect((await run(['--fail-on', '+silent-inputs'])).code).toBe(1);
  });

  it('names an empty stdin among good inputs', async () => {
    const d = `${DIR}silent-inputs/`;
    const res = await runCli(['audit', `${d}sidecar.log`, `${d}egress-gateway.log`, '-', '-o', 'json', '--fail-on', '+silent-inputs'], { input: '' });
    const report = JSON.parse(res.stdout) as Report;
    expect(report.coverage.warnings.find((w) => w.code === 'silent-inputs')?.message).toMatch(/^1 input held no access-log entry, although the others did: - \(empty: /);
    expect(res.code).toBe(1);
  });

  it('names a file a directory walk found only when it is empty: not a scenario\'s expected.json, nor an idle pod\'s agent lines in a kubelet tree (silent-inputs)', async () => {
    const seed = fileURLToPath(new URL('../../fixtures/scenarios/seed-003-via-gateway-mtls-subsets/', import.meta.url));
    // Before, expected.json beside the logs was named as an input that held no access-log entry.
    const folder = await audit([seed, '--fail-on', '+silent-inputs']);
    expect(codes(folder.report)).not.toContain('silent-inputs');
    expect(folder.code).toBe(0);
    // Named on the command line, the same file is meant, and said.
    const named = await audit([`${seed}sidecar.log`, `${seed}egress-gateway.log`, `${seed}expected.json`, '--fail-on', 'none']);
    expect(named.report.coverage.warnings.find((w) => w.code === 'silent-inputs')?.message).toContain(`${seed}expected.json (`);
    // A kubelet tree: an idle pod's log of agent lines is not named; an empty one a walk found is (a save that failed).
    const tree = tempDir('ea-walked-');
    const pod = (name: string): string => join(tree, 'pods', `shop_${name}_0b6a7c1e-1111-4222-8333-944455556666`, 'istio-proxy');
    for (const [name, from] of [['client-7c7db887d8-aaaaa', 'sidecar.log'], ['istio-egressgateway-5d8f7c9b4-bbbbb', 'egress-gateway.log']] as const) {
      mkdirSync(pod(name), { recursive: true });
      copyFileSync(`${seed}${from}`, join(pod(name), '0.log'));
    }
    mkdirSync(pod('idle-6c7d8e9f5-ccccc'), { recursive: true });
    writeFileSync(join(pod('idle-6c7d8e9f5-ccccc'), '0.log'), '2024-03-01T10:00:00.000000Z\tinfo\tEnvoy proxy is ready\n');
    const idle = await audit([tree, '--fail-on', 'none']);
    expect(codes(idle.report)).not.toContain('silent-inputs');
    mkdirSync(pod('gone-6c7d8e9f5-ddddd'), { recursive: true });
    writeFileSync(join(pod('gone-6c7d8e9f5-ddddd'), '0.log'), '');
    const gone = await audit([tree, '--fail-on', 'none']);
    const silent = gone.report.coverage.warnings.find((w) => w.code === 'silent-inputs')?.message ?? '';
    expect(silent).toMatch(/^1 input held no access-log entry, although the others did: .*gone-6c7d8e9f5-ddddd.*\/0\.log \(empty: /);
    expect(silent).not.toContain('idle-6c7d8e9f5');
  });

  it('names an input that is all of a filtered namespace once, as the namespace in that input (filtered-logging)', async () => {
    const d = `${DIR}filtered-one-input/`;
    const tree = tempDir('ea-filtered-ns-');
    const log = (namespace: string, pod: string, from: string): string => {
      const dir = join(tree, 'pods', `${namespace}_${pod}_0b6a7c1e-1111-4222-8333-944455556666`, 'istio-proxy');
      mkdirSync(dir, { recursive: true });
      copyFileSync(`${d}${from}`, join(dir, '0.log'));
      return join(dir, '0.log');
    };
    log('shop', 'cart-5d8f7c9b4-abcde', 'shop-a.log');
    const pay = log('pay', 'billing-6c7d8e9f5-fghij', 'pay-b.log');
    const { report } = await audit([tree, '--fail-on', 'none']);
    const filtered = report.coverage.warnings.find((w) => w.code === 'filtered-logging')?.message ?? '';
    // Before: `namespace pay (0 of 40 entries ordinary); …/0.log (0 of 40 entries ordinary)`, one thing named twice.
    expect(filtered).toContain(`although 40 of 80 entries in all are ordinary successful requests: namespace pay in ${pay} (0 of 40 entries ordinary). `);
    expect(filtered.split(pay)).toHaveLength(2);
  });

  it('judges filtered logging per input too: one input filtered to errors among ordinary ones is named (filtered-logging)', async () => {
    const d = `${DIR}filtered-one-input/`;
    const { code, report } = await audit(['--sidecar', `${d}shop-a.log`, '--sidecar', `${d}pay-b.log`, '--fail-on', '+filtered-logging']);
    expect(code).toBe(1);
    const filtered = report.coverage.warnings.find((w) => w.code === 'filtered-logging')?.message ?? '';
    expect(filtered).toContain('in part of the logs, although 40 of 80 entries in all are ordinary successful requests: ');
    expect(filtered).toContain('pay-b.log (0 of 40 entries ordinary)');
    expect(filtered).not.toContain('shop-a.log');
  });

  it('judges filtered logging per namespace too: one namespace filtered to errors inside one pipeline export is named', async () => {
    const d = `${DIR}filtered-one-input/`;
    const file = vectorExport([
      [`${d}shop-a.log`, 'cart-5d8f7c9b4-abcde', 'shop'],
      [`${d}pay-b.log`, 'billing-6c7d8e9f5-fghij', 'pay'],
    ]);
    const { report } = await audit([file, '--fail-on', 'none']);
    expect(report.coverage.streams).toHaveLength(1);
    const filtered = report.coverage.warnings.find((w) => w.code === 'filtered-logging')?.message ?? '';
    expect(filtered).toContain('although 40 of 80 entries in all are ordinary successful requests: namespace pay (0 of 40 entries ordinary). ');
  });

  it('states the period gateway flows were read with no sidecar log covering it, and fails by default (no-sidecar-logs)', async () => {
    const d = `${DIR}gateway-log-longer/`;
    const { code, report } = await audit([`${d}app-sidecar.log`, `${d}egressgateway.log`, '--since', '2026-11-02T10:30:00Z', '--until', '2026-11-02T10:40:00Z']);
    expect(code).toBe(1);
    expect(report.coverage.warnings.find((w) => w.code === 'no-sidecar-logs')?.message).toBe(
      "No sidecar log reaches the log time of 30 gateway flows (gateway-only) in --since/--until, which started 2026-11-02T10:30:00.000Z to 2026-11-02T10:40:00.000Z (30 flows), while the sidecar logs read run from 2026-11-02T10:00:00.000Z to 2026-11-02T10:09:40.010Z: they cannot be tied to a calling workload's own log, and direct traffic from sidecars in that time would not be seen. Read the sidecars' logs of the window, or narrow --since/--until to the time they cover.",
    );
    expect(report.coverage.warnings.find((w) => w.code === 'unmatched-entries')?.message).toContain('no-sidecar-logs names when');
    // A window the sidecar log covers raises none: the gateway's later hour is outside it.
    const inside = await audit([`${d}app-sidecar.log`, `${d}egressgateway.log`, '--since', '2026-11-02T10:00:00Z', '--until', '2026-11-02T10:09:00Z']);
    expect(codes(inside.report)).not.toContain('no-sidecar-logs');
    expect(inside.code).toBe(0);
    // Without a window the audit is of the time the logs hold: an egress gateway's log reaching past its callers' is
    // ordinary (pods come and go), and fails nothing.
    const whole = await audit([`${d}app-sidecar.log`, `${d}egressgateway.log`]);
    expect(codes(whole.report)).not.toContain('no-sidecar-logs');
    expect(whole.code).toBe(0);
  });

  it('counts in a period only the gateway flows that started in --since/--until, not those of the same minute before it', async () => {
    const d = `${DIR}gateway-log-longer/`;
    // The gateway's flows come every 20 s: 10:30:00 and 10:30:20 are before the window, in its first minute.
    const { report } = await audit([`${d}app-sidecar.log`, `${d}egressgateway.log`, '--since', '2026-11-02T10:30:30Z', '--until', '2026-11-02T10:40:00Z', '--fail-on', 'none']);
    expect(report.summary.verdicts['gateway-only']).toBe(28);
    // Before, the minute's two flows outside the window were counted too: 30 gateway flows.
    expect(report.coverage.warnings.find((w) => w.code === 'no-sidecar-logs')?.message).toMatch(/^No sidecar log reaches the log time of 28 gateway flows \(gateway-only\) in --since\/--until, which started 2026-11-02T10:30:00\.000Z to 2026-11-02T10:40:00\.000Z \(28 flows\)/);
  });

  it('raises none of them for an ordinary audit of many inputs (fixtures/demo)', async () => {
    const demo = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url));
    const { report } = await audit([demo, '--fail-on', 'none']);
    expect(report.coverage.streams.length).toBeGreaterThan(10);
    expect(codes(report)).not.toContain('silent-inputs');
    expect(codes(report)).not.toContain('filtered-logging');
    expect(codes(report)).not.toContain('no-sidecar-logs');
  });
});
