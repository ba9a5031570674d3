/**
 * `audit -o json|ndjson` byte for byte: the reports of the bundled demo capture and of a generated
 * 50k-line set must stay exactly what the string-built writers (before the byte-level writers, the
 * shared destinations and sentences, and the records written from kept entries straight into the
 * output buffer) printed. The SHA-256 sums
 * below were recorded from that implementation, with the run's own times blanked out. Flow order
 * follows the files' read chunks, so a change of the file source's chunk size changes them too:
 * re-record them from a build of the code before such a change, never from the code under test.
 * One deliberate exception: the demo sums were re-recorded when offline audits started naming callers
 * by the pod IPs their own sidecar logs show (learned-pods.ts), after checking, flow by flow against the
 * report of the code before, that only the callers' names changed (source, reason, remediation,
 * fingerprint, and the destination and finding lists derived from them; 379 of 2,102 flows).
 * A second: all four sums were re-recorded when bytesSent/bytesReceived were turned the right way
 * round (bytesSent = what the source sent, Envoy's bytes_received at the first hop), after checking
 * that the reports of the code before, with those two numbers swapped, equal the new ones in every
 * line (demo: 2,103 lines; generated: 34,840).
 * A third: all four were re-recorded when coverage began to state the log time it covers (`firstSeen`,
 * `lastSeen`, for the audit and per stream), after checking that the reports of the code before equal
 * the new ones once those fields are taken out of the coverage object (every other byte the same).
 * A fourth: all four were re-recorded when coverage gained `window` (audit --since/--until; null without
 * them), after checking that each new report with its one `"window":null,` taken out has the sum before.
 * A fifth: all four were re-recorded when a flow's fix became its rule's catalogue template filled in (rule-catalogue.ts),
 * after checking that the reports of the code before (which gave the sums above) equal the new ones once every
 * `"remediation"` value is taken out (demo: 440 of 2,205 changed, generated: 6,137 of 35,352; all of them direct,
 * blocked/blackhole-cluster and gateway-only/no-sidecar-entry flows).
 * A sixth: all four were re-recorded when a fix's exception became one to copy (`{id: <name>, reason: <why>, hosts: [...],
 * ports: [...], from: {...}}`), after checking the same way that only `"remediation"` values changed (the same 440 and
 * 6,137 flows; every other byte equal once the run's own times are set aside); and again, checked the same way, when
 * a finding's suggestion came to name every address its flows to a claimed name went to.
 * A seventh: all four were re-recorded when a finding to a name only the client claimed became the address's too (the
 * IP in its fingerprint, `address` beside its destination), after checking, from reports of the code before (which gave
 * the sums above), that only the fingerprints of those flows changed (demo: 214 of the flows, generated: 3,543; all
 * direct/passthrough-cluster and blocked/blackhole-cluster), and that the findings are the same ones, in the same
 * number, once their fingerprint and address are set aside (42 and 200 of them gained an address; their order, tie-broken
 * by fingerprint, moved).
 * An eighth: the demo sums were re-recorded when destinations that fail the run came to sort before direct ones an
 * exception allowed (compareDestinations), after checking that the report of the code before (6cb0135, which gave the
 * sums above) equals the new one once `destinations` is sorted by name (only www.googleapis.com:80, failing, and
 * www.googleapis.com:443, allowed, swapped places); the generated set has no exception, and its sums held.
 * A ninth: all four were re-recorded when fixes came to name the pods' in-cluster destinations in the NetworkPolicy
 * that closes the direct path (and an IP destination's ServiceEntry `addresses`), and findings gained `partlyAllowed`,
 * after checking that the reports of the code before (cf5cd34, which gave the sums above) equal the new ones once every
 * `"remediation"` value and `partlyAllowed` key are set aside (demo: 312 of 2,205 remediations changed, generated:
 * 4,444 of 35,352; every other byte equal).
 * A tenth: all four were re-recorded when a line far ahead of its stream's log time (over a minute: STRAY_AHEAD_MS) came
 * to move that time only once the next line follows it there (a stray line a day ahead held every later entry), which
 * reads the streams' chunks in a slightly different interleaving, after checking that the reports of the code before
 * (d4a35fc and today's merges, which gave the sums above) have the same lines once sorted (ndjson: demo 2,103, generated
 * 34,840), and, for json, the same summary, coverage, destinations and findings and the same flows as a set (1,955 of
 * the generated 34,839 flows moved place).
 * An eleventh: all four were re-recorded when a destination's `verdicts` came to be keyed in VERDICTS order rather than
 * the order its flows arrived in (the same logs under other names gave other bytes), after checking that the reports of
 * the code before (558e846, which gave the sums above) equal the new ones once every `verdicts` object's keys are sorted
 * (every other byte equal, in all four).
 * A twelfth: all four were re-recorded when the merge by log time came to read its streams line by line (a stream
 * paused mid-chunk once another is further behind, log time advanced with each record), so that what --max-pending
 * evicts does not depend on the chunks the bytes came in; flows are decided in another order. Checked against the code
 * before (cf471b0, which gave the eleventh's sums): the ndjson lines are the same once sorted (demo 2,103, generated
 * 34,840), and for json every key but `flows` is the same, and the flows the same as a set (2,089 of the demo's 2,102
 * and 26,894 of the generated 34,839 moved place).
 * A thirteenth: the demo's two were re-recorded when coverage warnings about findings came to carry `at` (their
 * findings' first evidence) in the report model: checked against 1a7be81, the json differs only in the
 * expired-exceptions warning's new `at`, and so does the ndjson's last (report) line; the generated sums are unchanged.
 * A fourteenth: all four were re-recorded when a flow named by the client's claim (its Host header or SNI through
 * PassthroughCluster) came to say the IP it dialled in its reason (`(as the client named it; dialled 104.102.54.251)`)
 * and fix (`here the client named cloud.ibm.com and dialled 104.102.54.251`): checked against 734ee10 (which gave the
 * sums above), every report is equal once every `reason` and `remediation` value is set aside, and each changed value
 * gained those words (demo: 167 direct/passthrough-cluster flows' reasons and fixes, 47 blocked/blackhole-cluster
 * reasons, and their 42 findings; generated: 2,817, 726 and 200).
 * A fifteenth: the generated two were re-recorded when a summary came to count what a replacing --fail-on lets pass
 * (`leftOutOfFailOn`, here `{"direct":240}` under --fail-on none): with that one key taken out, each report has the
 * fourteenth's sum (the demo's --fail-on direct leaves out nothing the demo raises; its sums held).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../bench/generate.js';
import { runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// `--fail-on direct`: the default when the sums were recorded (mixed-roles joined it later, which only
// changes summary.failOn).
const DEMO = ['audit', 'fixtures/demo', '--policy', 'fixtures/demo/policy.yaml', '--fail-on', 'direct'];
// --fail-on none: its summary counts the 240 direct findings that lets pass in leftOutOfFailOn (the only change its hashes took for it).
const GENERATED = ['audit', 'audit-0.05m', '--fail-on', 'none'];

/** The report with this run's own times (generatedAt, input.startedAt/endedAt) blanked out. */
function normalised(stdout: string): string {
  return stdout.replace(/"(generatedAt|startedAt|endedAt)":"[^"]*"/g, '"$1":"T"');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function report(args: string[], cwd: string): Promise<string> {
  const res = await runCli(args, { cwd });
  expect(res.stderr).not.toContain('internal error');
  return normalised(res.stdout);
}

let generatedDir = '';

beforeAll(() => {
  // What `benchInputs(dir, 50000)` writes for the audit benchmark (seed 1), under a relative path.
  generatedDir = mkdtempSync(join(tmpdir(), 'ea-equiv-'));
  mkdirSync(join(generatedDir, 'audit-0.05m'));
  const byRole = new Map<string, string[]>([['sidecar', []], ['egress-gateway', []]]);
  for (const line of generateLines(50_000)) byRole.get(line.role)?.push(`${line.text}\n`);
  writeFileSync(join(generatedDir, 'audit-0.05m', 'sidecars.log'), (byRole.get('sidecar') as string[]).join(''));
  writeFileSync(join(generatedDir, 'audit-0.05m', 'istio-egressgateway.log'), (byRole.get('egress-gateway') as string[]).join(''));
});

afterAll(() => {
  if (generatedDir !== '') rmSync(generatedDir, { recursive: true, force: true });
});

describe('audit reports are byte-identical to the string-built ones', () => {
  it.each([
    ['the demo capture, -o json', DEMO, 'json', '5f83838900ba9045434166e8fef098981c1946931859ddab5f2d9516ceee4c17'],
    ['the demo capture, -o ndjson', DEMO, 'ndjson', 'ae6ad00a22f0ee87f48be73266dab2bb83ca97ecf06ab84292b07b373efcae16'],
    ['50k generated lines, -o json', GENERATED, 'json', '2584e8bcc89ff2e987d02ad26b63026ad333e689c925597f2f49f65f9094b055'],
    ['50k generated lines, -o ndjson', GENERATED, 'ndjson', '960f10e3e22415d1ce649697429e973cfc0d578f530575d2754e47d8ff655264'],
  ])('%s', async (_name, args, format, expected) => {
    const cwd = args === DEMO ? ROOT : generatedDir;
    const text = await report([...args, '-o', format], cwd);
    expect(text.length).toBeGreaterThan(10_000);
    expect(sha256(text)).toBe(expected);
  });
});
