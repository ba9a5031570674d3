// People save one pod's log more than once (`kubectl logs pod > a-1000.log`, an hour later `> a-1100.log`, or
// `--since=2h` every hour), or read a node's CRI file beside a kubectl save of the same pod. Every line the inputs
// shared used to be audited once per copy: two flows, one of them via-gateway-unconfirmed when the gateway's entry
// was saved once, direct findings and bytes doubled. A line another input already held is now a duplicate: counted,
// named in an overlapping-inputs warning, and audited once.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLines, type GeneratedLine } from '../../bench/generate.js';
import { vectorRecords } from '../../bench/write-inputs.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { errorText, reportValidator } from '../report/validate.js';
import { tempFolders } from '../helpers/temp-folders.js';

const dir = tempFolders()('ea-overlap-');

interface Report {
  summary: Record<string, unknown>;
  destinations: { destination: string; verdicts: Record<string, number>; bytesSent: number; bytesReceived: number }[];
  findings: { fingerprint: string; count: number; firstSeen: string; lastSeen: string }[];
  coverage: { lines: Record<string, unknown> & { lines: number; records: number; duplicates?: number }; warnings: { code: string; message: string }[]; streams: { name: string; role: string; duplicates?: number }[] };
}

function write(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

async function audit(files: string[], format = 'json'): Promise<{ report: Report; stdout: string }> {
  const res = await runCli(['audit', '-o', format, '--fail-on', 'none', ...files]);
  expect(res.code, res.stderr).toBe(0);
  return { report: format === 'json' ? (JSON.parse(res.stdout) as Report) : (null as unknown as Report), stdout: res.stdout };
}

/** What the audit found, without where it found it (the copy kept may be either input's). */
function judged(r: Report): unknown {
  const { failOn: _f, ...summary } = r.summary;
  return {
    summary,
    destinations: r.destinations.map((d) => ({ destination: d.destination, verdicts: d.verdicts, bytesSent: d.bytesSent, bytesReceived: d.bytesReceived })),
    findings: r.findings.map((f) => ({ fingerprint: f.fingerprint, count: f.count, firstSeen: f.firstSeen, lastSeen: f.lastSeen })),
  };
}

function overlapWarning(r: Report): string | undefined {
  return r.coverage.warnings.find((w) => w.code === 'overlapping-inputs')?.message;
}

/** A generated capture: the sidecars' lines and the egress gateway's, as two logs. */
function capture(json: boolean): { sidecars: GeneratedLine[]; gateway: GeneratedLine[] } {
  const all = [...generateLines(2400, { json })];
  return { sidecars: all.filter((l) => l.role === 'sidecar'), gateway: all.filter((l) => l.role === 'egress-gateway') };
}

/** Two saves of one log that share its middle third: the first two thirds, and the last two thirds. */
function slices<T>(lines: readonly T[]): { first: T[]; second: T[]; shared: number } {
  const third = Math.floor(lines.length / 3);
  return { first: lines.slice(0, 2 * third), second: lines.slice(third), shared: third };
}

/** Lines of `lines` that are access-log entries (the generator adds a little of the agent's own noise). */
function entries(lines: readonly GeneratedLine[]): number {
  return lines.filter((l) => l.text.startsWith('[') || l.text.startsWith('{"')).length;
}

const validate = reportValidator();

describe.each([
  ['text', false],
  ['JSON lines', true],
])('two overlapping saves of a sidecar log (%s)', (name, json) => {
  const { sidecars, gateway } = capture(json);
  const tag = json ? 'json' : 'text';
  const whole = write(`${tag}-sidecars.log`, sidecars.map((l) => l.text));
  const gw = write(`${tag}-istio-egressgateway.log`, gateway.map((l) => l.text));
  const cut = slices(sidecars);
  const first = write(`${tag}-sidecars-1000.log`, cut.first.map((l) => l.text));
  const second = write(`${tag}-sidecars-1100.log`, cut.second.map((l) => l.text));
  const sharedEntries = entries(sidecars.slice(Math.floor(sidecars.length / 3), 2 * Math.floor(sidecars.length / 3)));

  it(`${name}: flows, verdicts, findings and bytes are those of the one whole log; the shared lines are duplicates, named by input`, async () => {
    const union = (await audit([whole, gw])).report;
    const { report } = await audit([first, second, gw]);
    expect(judged(report)).toEqual(judged(union));
    expect((report.summary['verdicts'] as Record<string, number>)['via-gateway-unconfirmed']).toBe(0);
    expect(report.coverage.lines.records).toBe(union.coverage.lines.records);
    expect(report.coverage.lines.duplicates).toBe(sharedEntries);
    expect(report.coverage.lines.lines).toBe(cut.first.length + cut.second.length + gateway.length);
    expect(union.coverage.lines.duplicates).toBeUndefined();
    expect(overlapWarning(report)).toContain(`${sharedEntries} access-log lines repeated a line another input held`);
    expect(overlapWarning(report)).toContain(`${first} and ${second} (${sharedEntries})`);
    expect(overlapWarning(union)).toBeUndefined();
    // Each stream says its own copies (whichever save gave a shared line first keeps it, as the merge by log time reads them): the two saves' add up, the gateway's log has none.
    const copies = new Map(report.coverage.streams.map((st) => [st.name, st.duplicates]));
    expect(copies.get(gw)).toBeUndefined();
    expect((copies.get(first) ?? 0) + (copies.get(second) ?? 0)).toBe(sharedEntries);
    expect(validate(report), errorText(validate)).toBe(true);
  });

  it(`${name}: the verdicts do not depend on the order the inputs are named`, async () => {
    const one = (await audit([first, second, gw])).report;
    const other = (await audit([gw, second, first])).report;
    expect(judged(other)).toEqual(judged(one));
    expect(other.coverage.lines).toEqual(one.coverage.lines);
    expect(overlapWarning(other)).toContain(`${first} and ${second} (${sharedEntries})`);
  });
});

describe("a node's CRI file beside a kubectl logs save of the same pod", () => {
  const { sidecars, gateway } = capture(false);
  const save = write('sleep-kubectl.log', sidecars.map((l) => l.text));
  const gw = write('istio-egressgateway-cri-case.log', gateway.map((l) => l.text));
  // The kubelet's file holds the later half of the log (rotated before), each line under the CRI prefix; one line split in two parts.
  const later = sidecars.slice(Math.floor(sidecars.length / 2));
  const cri = later.flatMap((l, i) => {
    const time = new Date(l.endMs).toISOString();
    if (i !== 5) return [`${time} stdout F ${l.text}`];
    return [`${time} stdout P ${l.text.slice(0, 40)}`, `${time} stdout F ${l.text.slice(40)}`];
  });
  const node = write('0.log', cri);

  it('each shared entry is audited once, and the CRI copies (the joined partial line too) count as duplicates', async () => {
    const union = (await audit([save, gw])).report;
    const { report } = await audit([node, save, gw]);
    expect(judged(report)).toEqual(judged(union));
    expect(report.coverage.lines.duplicates).toBe(entries(later));
    expect(report.coverage.lines.lines).toBe(sidecars.length + cri.length + gateway.length);
    expect(report.coverage.streams.filter((st) => st.duplicates !== undefined).map((st) => [st.name, st.duplicates])).toEqual([[save, entries(later)]]);
    expect(report.coverage.lines).toMatchObject({ records: union.coverage.lines.records, joinedPartials: 1 });
    expect(overlapWarning(report)).toContain(`${node} and ${save} (${entries(later)})`);
  });

  it('the table and the Markdown summary count the duplicates among the lines skipped', async () => {
    const table = (await audit([node, save, gw], 'table')).stdout.replace(/\s+/g, ' ');
    expect(table).toContain(`duplicates of other inputs' lines ${entries(later)}`);
    expect(table).toContain('[overlapping-inputs]');
    expect(table).toMatch(new RegExp(`, ${entries(later)} duplicates of other inputs' lines`));
    const markdown = (await audit([node, save, gw], 'markdown')).stdout;
    expect(markdown).toContain(`duplicates of other inputs' lines ${entries(later)}`);
    expect(markdown).toContain('overlapping-inputs');
  });
});

describe("a log pipeline's export (every pod's lines, each naming its pod) beside the gateway's own log", () => {
  it("the gateway's lines are audited once, whichever input they came in, and the export's own lines are not taken for copies", async () => {
    const lines = [...generateLines(2400)];
    const exported = write('vector.jsonl', [...vectorRecords(lines)].map((r) => r.text));
    const gateway = lines.filter((l) => l.role === 'egress-gateway');
    const gw = write('istio-egressgateway-beside-export.log', gateway.map((l) => l.text));
    const alone = (await audit([exported])).report;
    for (const files of [
      [exported, gw],
      [gw, exported],
    ]) {
      const { report } = await audit(files);
      expect(judged(report)).toEqual(judged(alone));
      expect(report.coverage.lines).toMatchObject({ records: alone.coverage.lines.records, duplicates: entries(gateway) });
      expect(overlapWarning(report)).toContain(`(${entries(gateway)})`);
    }
  });
});

// A direct TCP connection: its client port (10.244.1.7:41234) is its own.
const DIRECT = (port: number): string =>
  `[2026-11-02T09:00:01.000Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster 10.244.1.7:${port} 151.101.0.223:443 10.244.1.7:${port} pypi.org -`;
// The same, neither its client address nor its own socket out logged, and no request id: two such lines may be two connections.
const ANONYMOUS = '[2026-11-02T09:00:01.000Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster - 151.101.0.223:443 - pypi.org -';

describe('what is not taken as a copy', () => {
  it('two identical lines inside one input are both audited', async () => {
    const { report } = await audit([write('twice.log', [DIRECT(41234), DIRECT(41234)]), write('other.log', [DIRECT(41999)])]);
    expect(report.summary['verdicts']).toMatchObject({ direct: 3 });
    expect(report.coverage.lines).toMatchObject({ lines: 3, records: 3 });
    expect(report.coverage.lines.duplicates).toBeUndefined();
    expect(overlapWarning(report)).toBeUndefined();
  });

  // (Each input holds a line of its own besides: inputs of the very same bytes are read once before any line is.)
  it('the same line in two inputs is audited once', async () => {
    const a = write('direct-a.log', [DIRECT(41234), DIRECT(41000)]);
    const b = write('direct-b.log', [DIRECT(41234), DIRECT(41001)]);
    const { report } = await audit([a, b]);
    expect(report.summary['verdicts']).toMatchObject({ direct: 3 });
    expect(report.findings.map((f) => f.count)).toEqual([3]);
    expect(report.coverage.lines).toMatchObject({ lines: 4, records: 3, duplicates: 1 });
    expect(overlapWarning(report)).toContain(`1 access-log line repeated a line another input held`);
    expect(overlapWarning(report)).toContain(`${a} and ${b} (1)`);
    expect(validate(report), errorText(validate)).toBe(true);
  });

  it('a line naming no request id, client port or socket out is audited in each input (it may be another connection)', async () => {
    const { report } = await audit([write('anon-a.log', [ANONYMOUS, DIRECT(41000)]), write('anon-b.log', [ANONYMOUS, DIRECT(41001)])]);
    expect(report.summary['verdicts']).toMatchObject({ direct: 4 });
    expect(report.coverage.lines).toMatchObject({ lines: 4, records: 4 });
    expect(report.coverage.lines.duplicates).toBeUndefined();
  });

  it('parse prints every record of overlapping inputs: telling copies apart is the audit\'s concern', async () => {
    const res = await runCli(['parse', write('parse-a.log', [DIRECT(41234)]), write('parse-b.log', [DIRECT(41234)])]);
    expect(res.code, res.stderr).toBe(0);
    expect(ndjson(res.stdout)).toHaveLength(2);
    expect(res.stderr).toContain('2 lines read, 2 records');
  });
});
