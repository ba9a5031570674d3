// "Entries arrive out of start-time order and from several files at once; the result must not depend on file order."
// The same logs named in any order, as a directory, as a glob, under each other's names, on a machine of another
// locale, or piped in pieces of any size, give the same reports (json, ndjson, sarif, junit, markdown, table) and the
// same exit code. Only what is legitimately the run's own is normalised, each where it is done, saying why.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../bench/generate.js';
import { vectorRecords } from '../../bench/write-inputs.js';
import { BIN, outcome, runCli } from '../helpers/cli.js';
import { seeded, shuffled } from '../helpers/random.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const ROOT = join(import.meta.dirname, '..', '..');
const FORMATS = ['json', 'ndjson', 'sarif', 'junit', 'markdown', 'table'] as const;

/** Every report of one run, normalised, its --write-baseline file and its exit code. */
type Reports = Record<(typeof FORMATS)[number] | 'baseline' | 'code', string>;

/**
 * The run's wall clock (when it ran, how long it took) is the run's own, not the logs': `generatedAt`, `input.startedAt`
 * and `endedAt` (json, ndjson), SARIF's invocation times, JUnit's `timestamp` and `time`, Markdown's closing stamp and the
 * table's `read .. ..` line. Log times are left as they are.
 */
function withoutWallClock(text: string): string {
  return text
    .replace(/"(generatedAt|startedAt|endedAt|startTimeUtc|endTimeUtc)": ?"[^"]*"/g, '"$1":"<clock>"')
    .replace(/ (timestamp|time)="[^"]*"/g, ' $1="<clock>"')
    .replace(/, \d{4}-\d\d-\d\dT[\d:.]+Z\.$/m, ', <clock>.')
    .replace(/^(\s*read) \S+ \.\. \S+/m, '$1 <clock>');
}

/**
 * json and ndjson write each flow as it is decided (README, Outputs: "one flow per line as it is decided"), so the order
 * of those lines may follow arrival; the lines themselves, and everything after them, may not. Sorted here.
 */
function flowLinesSorted(text: string, format: string): string {
  const lines = text.split('\n');
  if (format === 'ndjson') {
    const isFlow = (l: string): boolean => l.startsWith('{"type":"flow"');
    return [...lines.filter(isFlow).sort(), ...lines.filter((l) => !isFlow(l))].join('\n');
  }
  const start = lines.indexOf('"flows":[');
  const end = lines.indexOf('],', start);
  if (start < 0 || end < 0) return text;
  const flows = lines.slice(start + 1, end).map((l) => l.replace(/,$/, '')).sort();
  return [...lines.slice(0, start + 1), ...flows.map((l, i) => (i < flows.length - 1 ? `${l},` : l)), ...lines.slice(end)].join('\n');
}

/** Runs `audit` with every report at once (-o json, the others by --report, and --write-baseline), from the repository root; stdin `input` fed in `pieces` of at most that many bytes. */
async function audit(operands: string[], options: { input?: Buffer; pieces?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Reports> {
  const out = tempDir('ea-order-out-');
  const reports = FORMATS.filter((f) => f !== 'json').flatMap((f) => ['--report', `${f}=${join(out, f)}`]);
  const args = ['audit', ...operands, '-o', 'json', ...reports, '--write-baseline', join(out, 'baseline.json')];
  const res = options.pieces === undefined ? await runCli(args, { cwd: ROOT, input: options.input, env: options.env }) : await inPieces(args, options.input ?? Buffer.alloc(0), options.pieces);
  expect(res.stderr).not.toMatch(/egress-audit: .*\b(error|bug)\b/i);
  const texts: Reports = { code: String(res.code), json: res.stdout, ndjson: '', sarif: '', junit: '', markdown: '', table: '', baseline: readFileSync(join(out, 'baseline.json'), 'utf8') };
  for (const f of FORMATS) if (f !== 'json') texts[f] = readFileSync(join(out, f), 'utf8');
  for (const f of FORMATS) texts[f] = flowLinesSorted(withoutWallClock(texts[f]), f);
  return texts;
}

/** Runs the binary with `input` written to its stdin in seeded pieces of 1..`max` bytes, now and then after a pause: a pipe as a slow producer fills it. */
async function inPieces(args: string[], input: Buffer, max: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = outcome(child);
  const rand = seeded(max);
  child.stdin.on('error', () => undefined);
  for (let at = 0; at < input.length; ) {
    const n = 1 + Math.floor(rand() * max);
    if (!child.stdin.write(input.subarray(at, at + n))) await new Promise((r) => child.stdin.once('drain', r));
    at += n;
    if (rand() < 0.02) await new Promise((r) => setTimeout(r, 1));
  }
  child.stdin.end();
  return done;
}


/** The files under `dir` (relative to the repository root) whose names end in `suffix`, sorted. */
function filesUnder(dir: string, suffix: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(suffix)) out.push(relative(ROOT, join(d, e.name)));
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

/** The bench generator's capture (seed 3, 8 client pods), one file per pod as `kubectl logs` saves it, in a folder of its own. */
function generatedCapture(): string {
  const dir = tempDir('ea-order-gen-');
  const byPod = new Map<string, string[]>();
  for (const l of generateLines(3000, { seed: 3, pods: 8 })) {
    const name = `${l.namespace}_${l.pod}.log`;
    byPod.set(name, [...(byPod.get(name) ?? []), l.text]);
  }
  for (const [name, lines] of byPod) writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
  return dir;
}

/** Each run's reports must equal the first's, byte for byte (after the normalisations above). */
async function sameReports(runs: (() => Promise<Reports>)[]): Promise<void> {
  const [first, ...rest] = runs;
  const expected = await (first as () => Promise<Reports>)();
  expect(expected.code).toMatch(/^[01]$/);
  // Two at a time: these machines have two cores.
  for (let i = 0; i < rest.length; i += 2) {
    const got = await Promise.all(rest.slice(i, i + 2).map((run) => run()));
    for (const r of got) for (const key of Object.keys(expected) as (keyof Reports)[]) expect({ [key]: r[key] }).toEqual({ [key]: expected[key] });
  }
}

describe('egress-audit audit: the reports do not depend on the order or the form inputs are named in', () => {
  it('the demo capture (18 kubelet logs): sorted, shuffled, reversed, as its directory, as a glob', async () => {
    const files = filesUnder('fixtures/demo/pods', '.log');
    expect(files).toHaveLength(18);
    await sameReports([
      () => audit(files),
      () => audit(shuffled(files, 1)),
      () => audit([...files].reverse()),
      () => audit(['fixtures/demo/pods']),
      () => audit(['fixtures/demo/pods/*/istio-proxy/*.log']),
    ]);
  }, 60_000);

  it('every scenario fixture\'s logs together (46 files, several sharing a name, some the same content): sorted, shuffled, reversed, as a glob', async () => {
    const files = filesUnder('fixtures/scenarios', '.log');
    await sameReports([() => audit(files), () => audit(shuffled(files, 3)), () => audit([...files].reverse()), () => audit(['fixtures/scenarios/*/*.log'])]);
  }, 60_000);

  it('a generated capture, one file per pod: sorted, shuffled, as its directory, as a glob', async () => {
    const dir = generatedCapture();
    const files = readdirSync(dir).sort().map((f) => join(dir, f));
    await sameReports([() => audit(files), () => audit(shuffled(files, 4)), () => audit([dir]), () => audit([join(dir, '*.log')])]);
  }, 60_000);

  it('gives one order for names the collation holds equal (é composed and decomposed), whichever is named first', async () => {
    const dir = tempDir('ea-order-nfd-');
    writeFileSync(join(dir, 'caf\u00e9.log'), BLACKHOLE);
    writeFileSync(join(dir, 'cafe\u0301.log'), PASSTHROUGH);
    const [composed, decomposed] = [join(dir, 'caf\u00e9.log'), join(dir, 'cafe\u0301.log')];
    await sameReports([() => audit([composed, decomposed]), () => audit([decomposed, composed]), () => audit([dir])]);
  }, 30_000);

  it('gives the same reports on a machine of another locale (LANG=da_DK sorts aa.log after b.log)', async () => {
    const dir = tempDir('ea-order-locale-');
    writeFileSync(join(dir, 'aa.log'), BLACKHOLE);
    writeFileSync(join(dir, 'b.log'), PASSTHROUGH);
    writeFileSync(join(dir, 'Z.log'), UNCONFIRMED);
    const locale = (lang: string): NodeJS.ProcessEnv => ({ LANG: lang, LC_ALL: lang });
    await sameReports([() => audit([dir], { env: locale('en_US.UTF-8') }), () => audit([dir], { env: locale('da_DK.UTF-8') }), () => audit([dir], { env: locale('C') })]);
  }, 30_000);

  it('lists --explain\'s roles in one order on a machine of another locale, the order the report lists its inputs in', async () => {
    const dir = tempDir('ea-order-explain-');
    writeFileSync(join(dir, 'aa.log'), BLACKHOLE);
    writeFileSync(join(dir, 'b.log'), PASSTHROUGH);
    const explain = async (lang: string): Promise<string[]> => {
      const res = await runCli(['audit', '--explain', '-o', 'json', '--fail-on', 'none', 'b.log', 'aa.log'], { cwd: dir, env: { LANG: lang, LC_ALL: lang } });
      expect(res.code).toBe(0);
      return res.stderr.split('\n').filter((l) => /^ {2}\S+\.log /.test(l)).map((l) => l.trim().split(/\s+/)[0] as string);
    };
    expect(await explain('da_DK.UTF-8')).toEqual(['aa.log', 'b.log']);
    expect(await explain('en_US.UTF-8')).toEqual(['aa.log', 'b.log']);
  }, 30_000);
});

// Two sidecars' lines of the same millisecond to one host, the mesh dropping one and letting the other leave: both
// flows are decided at once, so which comes first follows the inputs' names, or the order of the lines on stdin.
const BLACKHOLE = '[2023-04-24T15:57:17.434Z] "- - -" 0 UH - - "-" 0 0 0 - "-" "-" "-" "-" "-" BlackHoleCluster - 142.250.217.115:443 10.52.97.65:58576 sqa.ory.sh -\n';
const PASSTHROUGH =
  '[2023-04-24T15:57:17.434Z] "- - -" 0 - - - "-" 813 111152 61 - "-" "-" "-" "-" "142.250.217.115:443" PassthroughCluster 10.52.97.66:55102 142.250.217.115:443 10.52.97.66:37020 sqa.ory.sh -\n';
const UNCONFIRMED =
  '[2023-04-24T15:57:17.434Z] "- - -" 0 - - - "-" 813 111152 61 - "-" "-" "-" "-" "172.17.5.170:8443" outbound|443|wildcard|egressgateway.istio-egress.svc.cluster.local 10.52.97.67:55102 142.250.217.115:443 10.52.97.67:37020 sqa.ory.sh -\n';

describe('egress-audit audit: the same logs under each other\'s names', () => {
  /**
   * The json report with each input's name replaced by a label for its content, and coverage's streams (listed by name,
   * as --explain and the warnings list inputs) sorted by that label: a name is the one thing that legitimately changed.
   */
  function byContent(json: string, labels: Record<string, string>): unknown {
    let text = json;
    for (const [name, label] of Object.entries(labels)) text = text.replaceAll(JSON.stringify(name), JSON.stringify(label));
    const report = JSON.parse(text) as { coverage: { streams: { name: string }[] } };
    report.coverage.streams.sort((a, b) => (a.name < b.name ? -1 : 1));
    return report;
  }

  it('counts a destination\'s verdicts in one order, whichever name holds which flow', async () => {
    const one = tempDir('ea-order-names-');
    const two = tempDir('ea-order-names-');
    writeFileSync(join(one, 'a.log'), BLACKHOLE);
    writeFileSync(join(one, 'b.log'), PASSTHROUGH);
    writeFileSync(join(two, 'a.log'), PASSTHROUGH);
    writeFileSync(join(two, 'b.log'), BLACKHOLE);
    const [x, y] = await Promise.all([audit([one]), audit([two])]);
    expect(x.code).toBe(y.code);
    const first = byContent(x.json, { [join(one, 'a.log')]: 'blackhole', [join(one, 'b.log')]: 'passthrough' });
    const second = byContent(y.json, { [join(two, 'a.log')]: 'passthrough', [join(two, 'b.log')]: 'blackhole' });
    expect(second).toEqual(first);
    expect(x.json).toContain('"verdicts":{"direct":1,"blocked":1}'); // VERDICTS order, as summary.verdicts
    expect(x.table.replace(/\s+/g, ' ')).toMatch(/direct 1[^\n]*blocked 1/);
  }, 30_000);
});

describe('egress-audit audit: the same bytes on stdin, in pieces of any size', () => {
  it('gives the same reports for a log pipeline\'s export piped in one write and in pieces of 1..13, 1..300 and 1..5000 bytes', async () => {
    const lines = [...generateLines(1000, { seed: 5, pods: 6 })];
    const input = Buffer.from([...vectorRecords(lines)].map((r) => `${r.text}\n`).join(''));
    await sameReports([
      () => audit(['-'], { input }),
      () => audit(['-'], { input, pieces: 13 }),
      () => audit(['-'], { input, pieces: 300 }),
      () => audit(['-'], { input, pieces: 5000 }),
    ]);
  }, 60_000);

  it('gives the same reports for two pods\' `kubectl logs --prefix` with CRLF line ends and multi-byte text, in one write and in pieces of 1..3 bytes', async () => {
    const lines = [...generateLines(600, { seed: 6, pods: 3 })];
    const text = lines.map((l) => `[pod/${l.pod}/istio-proxy] ${l.text.replace('curl/', 'curl-ünïcødé-✓/')}\r\n`).join('');
    expect(text).toContain('curl-ünïcødé-✓/'); // pieces of 1..3 bytes cut characters of 2 and 3 bytes
    const input = Buffer.from(text);
    await sameReports([() => audit(['-'], { input }), () => audit(['-'], { input, pieces: 3 })]);
  }, 60_000);
});
