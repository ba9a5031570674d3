/** What log time says: the time the inputs cover, gaps between the hops' logs, inputs whose time went back, and an empty --since/--until. */
import type { Coverage, CoverageWarning } from '../../report/model.js';
import { logTimeStatement, windowStatement } from '../../report/statements.js';
import { emptySpan, seconds, widenSpan, type LogSpan, type StreamFacts } from '../../pipeline/audit-pipeline.js';
import { msToIso } from '../../pipeline/times.js';
import { plural } from '../../text/plural.js';
import type { CoverageFacts } from '../coverage.js';
import { listed } from './listing.js';

/** The log time the inputs cover, as the report states it (firstSeen, lastSeen). */
export type LogTime = Pick<Coverage, 'firstSeen' | 'lastSeen'>;

/** The log time some streams cover together: their earliest start and latest end (Infinity and -Infinity for none). */
export function span(streams: readonly StreamFacts[]): LogSpan {
  const all = emptySpan();
  for (const s of streams) widenSpan(all, s.firstMs, s.lastMs);
  return all;
}

/** How much longer than the gateway logs the sidecar logs must run before their time is named as a cause. */
const GAP_MS = 60_000;

/**
 * When the egress-gateway logs cover less log time than the sidecar logs (an older rotation, a shorter
 * retention, an export of another period), the gateway-bound entries outside it cannot be confirmed:
 * saying so turns a count of unmatched entries into its cause. Empty when either side has no time.
 */
export function gatewayTimeGap(f: CoverageFacts): string {
  const gw = f.gatewaySpan;
  const sc = f.sidecarSpan;
  if (!Number.isFinite(gw.firstMs) || !Number.isFinite(sc.firstMs) || !Number.isFinite(gw.lastMs) || !Number.isFinite(sc.lastMs)) return '';
  // Less than a minute beyond is what clock skew or a missing replica's log look like, which other words explain.
  const slack = Math.max(f.windowMs, GAP_MS);
  if (sc.firstMs >= gw.firstMs - slack && sc.lastMs <= gw.lastMs + slack) return '';
  return ` The egress-gateway logs cover ${msToIso(gw.firstMs)} to ${msToIso(gw.lastMs)}, the sidecar logs ${msToIso(sc.firstMs)} to ${msToIso(sc.lastMs)}: gateway-bound sidecar entries outside the gateway logs' time cannot be confirmed, so read gateway logs of the same period.`;
}

/**
 * Streams whose entries arrived after log time had passed them, when entries they could have joined had already been
 * released unjoined: their lateness, not the clocks, split those joins (a live watch holds log time back only so long).
 */
export function lateStreams(late: readonly StreamFacts[]): string {
  if (late.length === 0) return '';
  const one = (s: StreamFacts): string => {
    const l = s.late as NonNullable<StreamFacts['late']>;
    const how = l.fromStart ? 'its log stream connected late' : 'its log stream fell behind, after a reconnect or with a backlog';
    return `${s.name} (${how}: ${plural(l.nearReleased, 'entry', 'entries')} up to ${seconds(l.behindMs)} behind)`;
  };
  return ` ${late.length === 1 ? 'A stream' : 'Streams'} delivered entries after log time had passed them, when the entries they would have joined had already been released, so those joins were split by the stream's lateness, not by the clocks (watch waits only so long for a late stream: docs/watch.md, Log time): ${listed(late, one)}.`;
}

/**
 * The `unordered-input` warning: inputs whose log time went back while read, after entries had been released
 * unjoined. What it says is that input's truth: a plain file was probed (the jump lay between its probes) while
 * stdin, gzip or a live pod could not be; and a join was lost only if an entry read that far back lay within the
 * window of one released unjoined before it (a stray line a day old loses none, whatever else went unjoined).
 */
export function unorderedInputs(streams: readonly StreamFacts[]): CoverageWarning[] {
  const jumped = streams.flatMap((s) => (s.lateJump === null ? [] : [{ name: s.name, probed: s.probed, jump: s.lateJump }]));
  if (jumped.length === 0) return [];
  const listing = listed(jumped, ({ name, jump }) => `${name} (back ${seconds(jump.backMs)} at line ${jump.line}; ${plural(jump.behind, 'entry', 'entries')} that far behind, ${jump.nearReleased === 0 ? 'none' : jump.nearReleased} within the join window of an entry released unjoined before)`);
  const probed = jumped.filter((s) => s.probed);
  const unprobed = jumped.length - probed.length;
  const one = jumped.length === 1;
  const kind =
    unprobed === 0
      ? `${one ? 'It is a plain file' : 'They are plain files'} probed before reading, whose probes (at up to 32 points) did not find this: the lines that go back lie between them.`
      : probed.length === 0
        ? `${one ? 'It' : 'They'} could not be probed before reading (stdin, gzip, a live pod).`
        : `${listed(probed, (s) => s.name)} ${probed.length === 1 ? 'is a plain file' : 'are plain files'} probed before reading, the lines that go back lying between the probes; the rest could not be probed (stdin, gzip, a live pod).`;
  const lost = jumped.reduce((n, s) => n + s.jump.nearReleased, 0);
  const consequence =
    lost === 0
      ? `No entry read that far back lay within the join window of an entry released unjoined before it, so no join was lost to it: the run's unjoined entries are not due to it.`
      : `${plural(lost, 'entry', 'entries')} read that far back lay within the join window of entries released unjoined before them: those joins may have been lost, the entries showing as unjoined (via-gateway-unconfirmed, gateway-only). Such an input holds several pods' logs one after another (as kubectl logs -l prints them) or a log pipeline's export out of time order: give each pod's log a file of its own, use kubectl logs --prefix, export oldest first (logcli --forward), ${unprobed > 0 ? 'or save it uncompressed' : 'or sort it by log time'}.`;
  return [{ code: 'unordered-input', message: `Log time went back while read, after entries had been released unjoined, in ${plural(jumped.length, 'input')}: ${listing}. ${kind} ${consequence}` }];
}

/**
 * The `stray-log-times` warning: lines far ahead of the lines around them (a node's clock that jumped, a start time or
 * DURATION written wrong). Each was audited with its own times, but did not move its input's log time, so the lines
 * after it were still read in order: said when entries were left unjoined, since such a line's own may be one.
 */
export function strayLogTimes(f: CoverageFacts): CoverageWarning[] {
  // As for a jump back: said when the run left entries unjoined, which such a line's own may be among (a stray whose
  // hops both carry its time, as lines pasted from another day, joins, and costs nothing).
  if (f.engine.unmatchedSidecar + f.engine.unmatchedGateway === 0) return [];
  const strayed = f.streams.flatMap((s) => (s.strays === null ? [] : [{ name: s.name, strays: s.strays }]));
  if (strayed.length === 0) return [];
  const count = strayed.reduce((n, s) => n + s.strays.count, 0);
  const listing = listed(strayed, ({ name, strays }) => `${name} (${plural(strays.count, 'line')}; line ${strays.first.line} ends at ${msToIso(strays.first.endMs)}, ${seconds(strays.first.aheadMs)} ahead)`);
  return [
    {
      code: 'stray-log-times',
      message: `${plural(count, 'line lies', 'lines lie')} far ahead in log time of the lines around ${count === 1 ? 'it' : 'them'}, in ${listing}: a node's clock that jumped, or a start time or DURATION written wrong. Each was audited with its own times, but moved no input's log time, so the lines after it were read in order; its flow's times (and any join that depends on them) are the doubtful ones: look at the line.`,
    },
  ];
}

/**
 * Records were read but no flow started in --since/--until: an empty window is no evidence (a mistyped
 * date or the wrong day's logs must not pass), so it is said with the log time the inputs do cover.
 */
export function emptyWindow(f: CoverageFacts, seen: LogTime): CoverageWarning[] {
  if (f.window === null || f.lines.records === 0 || Object.values(f.verdicts).some((n) => n > 0)) return [];
  const covered = logTimeStatement(seen);
  return [{ code: 'empty-window', message: `No flow started in the window ${windowStatement(f.window)} (--since/--until), although ${plural(f.lines.records, 'access-log record was', 'access-log records were')} read; the inputs cover ${covered}: nothing in the window was audited, so nothing is proven.` }];
}

/** A period of log time (ms) and the gateway-only flows that started in it. */
export interface UncoveredPeriod {
  firstMs: number;
  lastMs: number;
  flows: number;
}

/**
 * The periods (whole minutes) of --since/--until in which gateway-only flows started while the sidecar logs read, from
 * their first entry to their last, do not reach: the window asks about time whose callers' own logs, and any direct
 * egress of that time, were not read. Only with a window: without one the audit is of the time its logs hold, and an
 * egress gateway's log reaches back past the sidecars' as a matter of course (pods come and go, the gateway stays), so
 * those flows were never in question. None for a live run, whose followed containers cover the time they were
 * followed whether they logged or not (a run with a pod stream).
 */
export function uncoveredGatewayPeriods(f: CoverageFacts): UncoveredPeriod[] {
  if (f.window === null || f.gatewayOnlyMinutes.size === 0 || f.streams.some((s) => s.kind === 'pod')) return [];
  const since = f.window.since === null ? Number.NEGATIVE_INFINITY : Date.parse(f.window.since);
  const until = f.window.until === null ? Number.POSITIVE_INFINITY : Date.parse(f.window.until);
  // Within a minute (or the join window) of the sidecar logs is what clock skew looks like, not time left unread.
  const slack = Math.max(f.windowMs, GAP_MS);
  const sc = f.sidecarSpan;
  const covered = (fromMs: number, toMs: number): boolean => toMs > sc.firstMs - slack && fromMs < sc.lastMs + slack;
  const out: UncoveredPeriod[] = [];
  for (const minute of [...f.gatewayOnlyMinutes.keys()].sort((a, b) => a - b)) {
    const startMs = minute * 60_000;
    const endMs = startMs + 60_000;
    if (endMs <= since || startMs >= until || covered(startMs, endMs)) continue;
    const flows = f.gatewayOnlyMinutes.get(minute) ?? 0;
    const last = out.at(-1);
    // Minutes on one side of the sidecar logs are one period, however far apart their flows.
    if (last !== undefined && !covered(last.lastMs, startMs)) {
      last.lastMs = endMs;
      last.flows += flows;
    } else out.push({ firstMs: startMs, lastMs: endMs, flows });
  }
  return out;
}

/**
 * The no-sidecar-logs warning for part of --since/--until: gateway flows were read in periods the sidecar logs do not
 * reach, which is the same fact as no sidecar logs at all, for those periods: direct egress then could not have been
 * seen, and a pass says nothing of it.
 */
export function sidecarTimeGap(f: CoverageFacts, periods: readonly UncoveredPeriod[]): CoverageWarning {
  const flows = periods.reduce((n, p) => n + p.flows, 0);
  const when = listed(periods, (p) => `${msToIso(p.firstMs)} to ${msToIso(p.lastMs)} (${plural(p.flows, 'flow')})`);
  const sc = f.sidecarSpan;
  return {
    code: 'no-sidecar-logs',
    message: `No sidecar log reaches the log time of ${plural(flows, 'gateway flow', 'gateway flows')} (gateway-only) in --since/--until, which started ${when}, while the sidecar logs read run from ${msToIso(sc.firstMs)} to ${msToIso(sc.lastMs)}: ${flows === 1 ? 'it' : 'they'} cannot be tied to a calling workload's own log, and direct traffic from sidecars in that time would not be seen. Read the sidecars' logs of the window, or narrow --since/--until to the time they cover.`,
  };
}
