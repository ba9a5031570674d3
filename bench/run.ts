import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bestOf, bestOfEach, canMeasure, ensureMawk, measure, type Measured } from './measure.js';
import { benchHostile } from './hostile-names.js';
import { benchInputs, smallFiles } from './write-inputs.js';
import { projectRoot } from './root.js';

/**
 * `npm run bench`: end-to-end throughput and peak memory of the real binary, side by side with mawk
 * splitting the same lines into fields, in one run. Speed targets live here, never in unit tests.
 */

const ROOT = projectRoot();
const BIN = `node ${join(ROOT, 'bin/egress-audit.js')}`;
const OUT = join(ROOT, 'bench/out');
/** mawk splits every line into its fields and writes them out, tab-separated: the classic shell baseline. */
const MAWK = `mawk '{for(i=1;i<=NF;i++) printf "%s\\t", $i; print ""}'`;

interface Row {
  name: string;
  lines: number;
  m: Measured | null;
  baseline?: Measured | null;
  target: string;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function rate(lines: number, m: Measured | null | undefined): string {
  if (!m) return 'n/a';
  const perSecond = lines / m.seconds;
  // Thousands for the large runs; a slow one (the hostile hosts: a few hundred lines/s) as it is, not as "0k".
  return perSecond >= 10_000 ? `${Math.round(perSecond / 1000)}k` : `${Math.round(perSecond)}`;
}

function table(rows: Row[]): string {
  const head = '| run | lines | lines/s | peak RSS | mawk lines/s | ratio | target |\n|---|---:|---:|---:|---:|---:|---|';
  const body = rows.map((r) => {
    const ratio = r.m && r.baseline ? `${(r.baseline.seconds / r.m.seconds).toFixed(2)}x` : '';
    return `| ${r.name} | ${r.lines.toLocaleString('en')} | ${rate(r.lines, r.m)} | ${r.m ? `${r.m.peakRssMb.toFixed(0)} MB` : 'n/a'} | ${r.baseline ? rate(r.lines, r.baseline) : ''} | ${ratio} | ${r.target} |`;
  });
  return [head, ...body].join('\n');
}

async function watchRow(): Promise<string> {
  if (!process.argv.includes('--watch')) return 'Live scale (`npm run bench:watch`, about 3 minutes): not run this time; pass --watch.';
  const { benchWatchScale, describeWatchScale } = await import('./watch-scale.js');
  const report = await benchWatchScale({ output: 'report' });
  const ndjson = await benchWatchScale({ output: 'ndjson' });
  return [
    'Live scale (fake API server, 300 containers, 50,000 lines/s for 60 s):',
    `- \`watch -A -o markdown\` (reports at the end): ${describeWatchScale(report)}.`,
    `- \`watch -A -o ndjson\` (every flow streamed): ${describeWatchScale(ndjson)}.`,
  ].join('\n');
}

async function dashboardRow(): Promise<string> {
  try {
    const mod = (await import('./dashboard.js')) as { benchDashboard(): Promise<{ flowsPerSecond: number; cpuMsPerSecondOfInput: number; rssMb: number; repaints?: number }> };
    const d = await mod.benchDashboard();
    return `Dashboard fed 50,000 flows/s: its own CPU ${d.cpuMsPerSecondOfInput.toFixed(0)} ms per second of input (${(d.cpuMsPerSecondOfInput / 10).toFixed(1)}% of a core), RSS ${d.rssMb.toFixed(0)} MB${d.repaints !== undefined ? `, ${d.repaints} repaints` : ''}.`;
  } catch (error) {
    return `Dashboard bench not run: ${(error as Error).message}`;
  }
}

async function main(): Promise<void> {
  if (!canMeasure()) throw new Error('GNU time (/usr/bin/time) is needed to measure peak RSS: apt-get install -y time');
  const lines = arg('--lines', 1_000_000);
  const big = arg('--big', 5_000_000);
  const runs = arg('--runs', 5);
  const haveMawk = ensureMawk();
  // Before the inputs are written. It still reads 200-260 ms here, right after the build `npm run bench` runs first,
  // where the same measure (bestOf, through bash and GNU time) gives 90-100 ms on a settled machine.
  const startup = bestOf(5, `${BIN} --version`);
  process.stderr.write(`bench: generating inputs (${lines} and ${big} lines, seed 1) in bench/out ...\n`);
  const small = await benchInputs(OUT, lines);
  const large = await benchInputs(OUT, big, {}, false);
  // 3,000 files of 100 lines: the first 200,000 sidecar and 100,000 gateway lines of the 1M-line generation.
  const manyFiles = smallFiles(join(OUT, 'audit-1m-files'), lines, 200_000, 100_000, 100);
  // All 1M lines as files of 3,000 lines (334 of them): a namespace's pods, each log saved on its own.
  const podFiles = smallFiles(join(OUT, 'audit-1m-pods'), lines, lines, lines, 3_000);
  const mawkOf = (files: string): string[] => (haveMawk ? [`cat ${files} | ${MAWK}`] : []);
  const auditFiles = `${small.sidecars} ${small.gateway}`;
  process.stderr.write('bench: measuring ...\n');
  // What a ratio compares is measured in turn, run by run (bestOfEach).
  const [textFile, textStdin, jsonFile, textMawk] = bestOfEach(runs, [`${BIN} parse ${small.text}`, `cat ${small.text} | ${BIN} parse -`, `${BIN} parse ${small.json}`, ...mawkOf(small.text)]);
  const [audit, auditMawk] = bestOfEach(runs, [`${BIN} audit -o json --fail-on none ${auditFiles}`, ...mawkOf(auditFiles)]);
  const hostile = await benchHostile(BIN, join(OUT, 'hostile-names'));
  const rows: Row[] = [
    { name: 'parse (text file)', lines, m: textFile ?? null, baseline: textMawk ?? null, target: '>= 2x mawk, RSS <= 150 MB' },
    { name: 'parse (JSON lines)', lines, m: jsonFile ?? null, target: '>= 300k lines/s' },
    { name: 'parse (text on stdin)', lines, m: textStdin ?? null, target: '>= 0.8x file' },
    { name: 'parse (text, 5x input)', lines: big, m: measure(`${BIN} parse ${large.text}`), target: 'RSS <= 150 MB, flat' },
    { name: 'audit -o json', lines, m: audit ?? null, baseline: auditMawk ?? null, target: '>= 1.2x mawk, RSS <= 200 MB' },
    // One run: the same audit with the table written instead, so the flows' JSON (1.4 GB on these inputs) is not in it: what the join and verdicts cost alone.
    { name: 'audit -o table', lines, m: measure(`${BIN} audit -o table --fail-on none ${auditFiles}`), target: 'none set; one run' },
    { name: 'audit -o json (5x input)', lines: big, m: measure(`${BIN} audit -o json --fail-on none ${large.sidecars} ${large.gateway}`), target: 'RSS flat' },
    // One run: the same lines as one log pipeline's export (a JSON envelope per line, every pod in one file).
    { name: 'audit -o json (Vector export)', lines, m: measure(`${BIN} audit -o json --fail-on none ${small.pipeline}`), target: 'none set; one run' },
    // A directory of one small file per pod (kubectl logs in a loop, /var/log/pods): every file looked at before the audit.
    { name: 'audit -o json (3,000 files of 100 lines)', lines: 300_000, m: bestOf(3, `${BIN} audit -o json --fail-on none ${manyFiles}`), target: 'none set; best of 3' },
    // The 1M lines of `audit -o json` as 334 files: every file's role sample (up to 2,000 entries each) held at once.
    { name: 'audit -o json (1M lines as 334 files)', lines, m: measure(`${BIN} audit -o json --fail-on none ${podFiles}`), target: 'none set; one run' },
    // One run: 4,000 connections each naming a host of its own of 60,000 characters (bench/hostile-names.ts), 100 a second.
    { name: 'audit -o json (4,000 hostile 60 KB hosts)', lines: hostile.lines, m: hostile.m, target: 'RSS <= 400 MB' },
  ];
  const result = [
    table(rows),
    '',
    `Start-up (\`egress-audit --version\`, best of 5): ${(startup.seconds * 1000).toFixed(0)} ms, ${startup.peakRssMb.toFixed(0)} MB.`,
    await dashboardRow(),
    await watchRow(),
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on this machine (${(await import('node:os')).cpus().length} cores, Node ${process.version}); throughput is the best of ${runs} runs, output to /dev/null.`,
  ].join('\n');
  process.stdout.write(`${result}\n`);
  writeFileSync(join(OUT, 'results.md'), `${result}\n`);
  if (process.argv.includes('--update-readme')) {
    const readme = join(ROOT, 'README.md');
    const text = readFileSync(readme, 'utf8');
    const updated = text.replace(/(<!-- bench:start -->\n)[\s\S]*?(\n<!-- bench:end -->)/, `$1${result}$2`);
    writeFileSync(readme, updated);
    process.stderr.write('bench: README.md updated\n');
  }
}

await main();
