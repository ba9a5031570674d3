/**
 * Hosts a tenant sends (a Host header through PassthroughCluster, up to ~60 KiB by default) were kept whole in up to
 * 10,000 destination rows and 10,000 findings: 12,000 such lines took an audit to 2.3 GB. The tables now keep at most
 * REPORT_LIMITS' characters of names; past them the longest names fold into `(other)` and the report says so, while
 * every flow, its verdict and the exit code stay as they were.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { seeded } from '../helpers/random.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { REPORT_LIMITS, OTHER } from '../../src/report/limits.js';
import { FOLDED_DESTINATIONS } from '../../src/report/statements.js';
import { errorText, reportValidator } from '../report/validate.js';

const tempDir = tempFolders();

/** A sidecar's direct request through PassthroughCluster claiming `host`, in Istio's default text format. */
function passthrough(host: string, n: number): string {
  const address = `93.184.${n >> 8}.${n & 255}`;
  const id = `599df0d8-0c22-9daa-820e-${String(n).padStart(12, '0')}`;
  return `[2024-06-26T03:30:${String(10 + (n % 40))}.684Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 2381 12 12 "-" "curl/8.8.0" "${id}" "${host}" "${address}:80" PassthroughCluster 10.244.96.245:47908 ${address}:80 10.244.96.245:47906 - allow_any`;
}

const random = seeded(67);
/** 200 hosts of ~45,000 seeded characters: 18 million characters of destination rows and 9 million of findings, past both budgets. */
const LONG = Array.from({ length: 200 }, (_, i) => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let label = '';
  for (let k = 0; k < 63; k++) label += alphabet[Math.floor(random() * alphabet.length)];
  return `h${i}.${`${label}.`.repeat(703)}example.com`;
});
const SHORT = ['api.example.com', 'pypi.org', 'hooks.slack.com'];

interface Report {
  summary: { flows: number; exitCode: number };
  flows: { verdict: string; failing: boolean; destination: { host: string; key: string } }[];
  destinations: { destination: string; host: string; verdicts: Record<string, number> }[];
  findings: { fingerprint: string; destination: string; sourceWorkload: string; namespace: string | null; address?: string; count: number; failing: boolean; reason: string }[];
}

let log: string;
beforeAll(() => {
  const dir = tempDir('ea-budget-names-');
  log = join(dir, 'sidecar.log');
  const lines = [...LONG, ...SHORT].map((host, n) => passthrough(host, n));
  writeFileSync(log, `${lines.join('\n')}\n`);
});

describe('hostile long names past the report tables\' budget', () => {
  it('fold into (other) with the longest names first, saying so, with every flow and the exit code unchanged', async () => {
    const res = await runCli(['audit', log, '-o', 'json']);
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout) as Report;
    const schema = reportValidator();
    expect(schema(report), errorText(schema)).toBe(true);

    // Every flow whole, direct and failing: only the aggregates changed.
    expect(report.summary).toMatchObject({ flows: 203, exitCode: 1 });
    expect(report.flows.map((f) => f.destination.host).sort()).toEqual([...LONG, ...SHORT].sort());
    expect(report.flows.every((f) => f.verdict === 'direct' && f.failing)).toBe(true);

    // Destinations: the ordinary names kept, the long ones as far as their characters fit, the rest in (other), last.
    const rows = report.destinations;
    const kept = rows.filter((d) => d.destination !== OTHER);
    expect(kept.map((d) => d.host)).toEqual(expect.arrayContaining(SHORT));
    expect(kept.reduce((n, d) => n + d.destination.length + d.host.length, 0)).toBeLessThanOrEqual(REPORT_LIMITS.destinationChars);
    expect(kept.length).toBeLessThan(150);
    expect(rows.at(-1)).toMatchObject({ destination: OTHER, verdicts: { direct: 203 - kept.length } });

    // Findings: the same, each flow counted once, the folded group failing and saying why it holds them.
    const folded = report.findings.filter((f) => f.destination === OTHER);
    expect(folded.map((f) => f.fingerprint)).toEqual([`${OTHER}/direct`]);
    expect(folded[0]?.failing).toBe(true);
    expect(folded[0]?.reason).toBe(`Further direct findings beyond the ${REPORT_LIMITS.findings} tracked one by one or the ${REPORT_LIMITS.findingChars} characters of names they may keep (those with the longest names fold first), grouped here.`);
    const tracked = report.findings.filter((f) => f.destination !== OTHER);
    expect(tracked.map((f) => f.destination)).toEqual(expect.arrayContaining(SHORT.map((h) => `${h}:80`)));
    expect(tracked.reduce((n, f) => n + f.destination.length + f.sourceWorkload.length + (f.namespace?.length ?? 0) + (f.address?.length ?? 0), 0)).toBeLessThanOrEqual(REPORT_LIMITS.findingChars);
    expect(report.findings.reduce((n, f) => n + f.count, 0)).toBe(203);
  });

  it('the table says what the (other) row holds and why', async () => {
    const res = await runCli(['audit', log]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout.replace(/\s+/g, ' ')).toContain(FOLDED_DESTINATIONS);
    expect(res.stdout).toContain(OTHER);
  });
});
