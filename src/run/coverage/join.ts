/** What the join could not do: entries the logged fields leave unjoinable, entries that found no partner in the window, and entries evicted before it closed. */
import type { CoverageWarning } from '../../report/model.js';
import type { ClockOffset } from '../../engine/clock-skew.js';
import type { EngineCounters } from '../../engine/index.js';
import { HELD_CHARS_PER_ENTRY } from '../../engine/correlator.js';
import { EAST_WEST_PORT } from '../../engine/net.js';
import { catalogueFix, socketNotLoggedFix } from '../../engine/rule-catalogue.js';
import { plural } from '../../text/plural.js';
import type { Verdict } from '../../types.js';
import type { StreamFacts } from '../../pipeline/audit-pipeline.js';
import type { CoverageFacts } from '../coverage.js';
import { listed } from './listing.js';
import { gatewayTimeGap, lateStreams, type UncoveredPeriod } from './time.js';

/** One kind of entry no key could join: how many (`noun`, singular, ending in "entry"), what their lines lack, the verdict they keep, and the fix if one fits; null when none. */
function unjoinable(count: number, noun: string, lacking: string, verdict: Verdict, fix: string | null): string | null {
  if (count === 0) return null;
  const they = count === 1 ? 'it cannot be joined and stays' : 'they cannot be joined and stay';
  return `${plural(count, noun, `${noun.slice(0, -1)}ies`)} ${lacking}: ${they} ${verdict}.${fix === null ? '' : ` ${fix}`}`;
}

/**
 * Entries the logged fields leave unjoinable (no socket or caller, no request id), in sentences; null when none.
 * Every gateway entry no key could join is in one of them. The advice is the rule catalogue's (one wording), for
 * the cause the counted lines had.
 */
function joinFieldsNotLoggedText(e: EngineCounters): string | null {
  const sidecar = 'answered gateway-bound sidecar entry';
  const gateway = 'egress gateway entry';
  const parts = [
    unjoinable(e.socketsNotLogged, sidecar, 'naming no socket (%UPSTREAM_LOCAL_ADDRESS%, left out of the access-log format) and no request id', 'via-gateway-unconfirmed', socketNotLoggedFix('format')),
    unjoinable(e.oldHttpSockets, 'answered gateway-bound sidecar HTTP entry', 'with `-` for the socket (%UPSTREAM_LOCAL_ADDRESS%, as Istio proxies before 1.8 print it for every HTTP request) and no request id', 'via-gateway-unconfirmed', socketNotLoggedFix('old-proxy-http')),
    unjoinable(e.peersNotLogged, gateway, 'naming no caller (%DOWNSTREAM_REMOTE_ADDRESS%, left out of the access-log format) and no request id', 'gateway-only', catalogueFix('gateway-only/peer-not-logged')),
    unjoinable(e.peersFromXff, gateway, "naming the X-Forwarded-For client (port 0) instead of the caller's socket (%DOWNSTREAM_REMOTE_ADDRESS%) and no request id", 'gateway-only', catalogueFix('gateway-only/peer-from-xff')),
    unjoinable(e.peersNotSockets, gateway, 'naming a caller that is no IP socket (%DOWNSTREAM_REMOTE_ADDRESS%, such as a Unix socket\'s path) and no request id', 'gateway-only', null),
    unjoinable(e.innersWithoutTime, gateway, "of an SNI passthrough's inner connection (caller envoy://) with no log time (%START_TIME%, or an envelope's), which ties an inner entry to its outer entry", 'gateway-only', null),
  ].filter((t): t is string => t !== null);
  return parts.length === 0 ? null : parts.join(' ');
}

/** The join-fields-not-logged warning (joinFieldsNotLoggedText); none when every entry had a key to join by. */
export function joinFieldsNotLogged(e: EngineCounters): CoverageWarning[] {
  const message = joinFieldsNotLoggedText(e);
  return message === null ? [] : [{ code: 'join-fields-not-logged', message }];
}

/** An offset between log times as a person reads it: `800 ms`, `6.2 s`, `30 s`, `5 min`, `2 h`. */
function offsetText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1).replace(/\.0$/, '')} min`;
  return `${(ms / 3_600_000).toFixed(1).replace(/\.0$/, '')} h`;
}

/** Time zones are whole quarter hours from UTC. */
const ZONE_STEP_MS = 15 * 60_000;

/**
 * True when an offset of at least half an hour is a whole number of quarter hours (give or take the window): the
 * offset of a time zone, as when one hop logs local time without its zone (%START_TIME_LOCAL%), which is read as UTC.
 */
function zoneLike(offMs: number, windowMs: number): boolean {
  return offMs >= 2 * ZONE_STEP_MS && Math.abs(offMs - Math.round(offMs / ZONE_STEP_MS) * ZONE_STEP_MS) <= windowMs;
}

/**
 * What the unjoined entries that share a request id or socket across the hops measured of the clocks (engine
 * clock-skew.ts), replacing the guess at skew: how far and which way the gateway's log times are off, and the --window
 * that spans it; or, when they started together, that the clocks agree and one hop logged its entry much later.
 */
function measuredOffset(o: ClockOffset, windowMs: number): string {
  const them = o.pairs === 1 ? 'One sidecar entry and one gateway entry of them share' : `${o.pairs} pairs of them (a sidecar entry and a gateway entry) share`;
  const off = Math.abs(o.medianMs);
  if (off <= windowMs) {
    return ` ${them} a request id or socket and started ${offsetText(off)} apart (the median): the clocks agree, and one hop wrote its entry long after the other's (a connection it kept open), which no window shorter than that wait joins.`;
  }
  const way = o.medianMs > 0 ? 'ahead of' : 'behind';
  const wider = Math.round(off / 1000) + Math.ceil(windowMs / 1000);
  const zone = zoneLike(off, windowMs) ? " That is a time zone's offset: if one hop's format logs local time without its zone (%START_TIME_LOCAL%, or an export's), it is read as UTC; log UTC (%START_TIME%) or a zone (%z)." : '';
  return ` ${them} a request id or socket and show the gateway's log times ${offsetText(off)} ${way} the sidecars' (the median of their start times' differences): the clocks (or exports) differ, and --window ${wider}s would join them.${zone}`;
}

/**
 * What inputs without a log time (`timeless`: records, but no start_time and no envelope's time) do to the join: a TCP or
 * TLS connection is paired by its sockets within --window of its start, so their such entries stay unjoined whatever the
 * window (only an HTTP request id joins without one); `hopWithoutTime`: one hop has no time at all, so the clocks cannot be
 * the cause and no --window is suggested. Empty when every input had a log time.
 */
function withoutLogTime(timeless: readonly StreamFacts[], hopWithoutTime: boolean): string {
  if (timeless.length === 0) return '';
  const they = timeless.length === 1 ? 'Its' : 'Their';
  const window = hopWithoutTime ? ', and no --window helps' : '';
  return ` ${plural(timeless.length, 'input')} logged no log time (no start_time, and no timestamp of kubelet's or a log pipeline's): ${listed(timeless, (s) => s.name)}. ${they} entries can be joined only by an HTTP request id: a TCP or TLS connection is paired by its sockets within --window of its start${window}. Log %START_TIME% (Istio's formats do), or save the logs with their timestamps (kubectl logs --timestamps).`;
}

/**
 * The unmatched-entries warning: joinable entries that found no partner in the window, with what explains them (the
 * hops' logs cover different times, a stream read late, another network's east-west gateway), and clock skew only for
 * what nothing else explains. `uncovered`: the gateway-only periods no sidecar log reaches (no-sidecar-logs names them).
 */
export function unmatchedEntries(f: CoverageFacts, uncovered: readonly UncoveredPeriod[]): CoverageWarning[] {
  const out: CoverageWarning[] = [];
  const unmatched = f.engine.unmatchedSidecar + f.engine.unmatchedGateway;
  if (unmatched > 0) {
    // Leftovers on both sides are what clock skew between the hops (or between log exports) looks like, unless a stream
    // read late explains them: its entries came after their partners had been released, each leaving one on each side.
    // Entries that no window could join are not unmatched (join-fields-not-logged counts them), so both counts are of joinable entries.
    const late = f.streams.filter((s) => s.late !== null && s.late.nearReleased > 0);
    // Each late entry near one released unjoined is taken to account for one unmatched entry on each side: a proximity
    // count (engine releasedUnjoinedNear), not a proven pair, so the clock hint is kept for what exceeds it.
    const explained = late.reduce((n, s) => n + (s.late?.nearReleased ?? 0), 0) * 2;
    const rest = late.length > 0 ? ' For the rest: if' : ' If';
    // Sidecar entries to another network's east-west gateway never join at the egress gateway behind it, whatever the window.
    const eastWest = f.engine.unmatchedViaEastWest;
    const offset = f.engine.clockOffset;
    const guess = offset === null ? `${rest} the sidecars' and the gateway's clocks (or exports) differ by more than that, raise --window.` : `${late.length > 0 ? ' For the rest:' : ''}${measuredOffset(offset, f.windowMs)}`;
    // Inputs of records with no log time: their TCP and TLS entries join by sockets within the window of a start they lack.
    const timeless = f.streams.filter((s) => s.records > 0 && !Number.isFinite(s.firstMs));
    const hopWithoutTime = timeless.length > 0 && (!Number.isFinite(f.sidecarSpan.firstMs) || !Number.isFinite(f.gatewaySpan.firstMs));
    const skew = f.engine.unmatchedSidecar > eastWest && f.engine.unmatchedGateway > 0 && unmatched > explained && !hopWithoutTime ? guess : '';
    const viaEastWest = eastWest === 0 ? '' : ` ${eastWest === f.engine.unmatchedSidecar ? (eastWest === 1 ? 'That sidecar entry' : `All ${eastWest} sidecar entries`) : `${eastWest} of the sidecar entries`} went to an endpoint on port ${EAST_WEST_PORT}, another network's east-west gateway by its port: the egress gateway behind it logs that east-west gateway as its caller, not the sidecar, so no window joins ${eastWest === 1 ? 'it' : 'them'} (read the east-west gateway's log to see where it sent them).`;
    // Periods that differ by a measured clock offset are that offset, not logs of another period: the offset is said instead.
    const shifted = f.engine.clockOffset !== null && Math.abs(f.engine.clockOffset.medianMs) > f.windowMs;
    const gap = (f.engine.unmatchedSidecar > 0 && !shifted ? gatewayTimeGap(f) : '') + (f.engine.unmatchedGateway > 0 && uncovered.length > 0 ? ' No sidecar log covers the log time of some of the gateway entries: no-sidecar-logs names when.' : '');
    out.push({ code: 'unmatched-entries', message: `${plural(f.engine.unmatchedSidecar, 'gateway-bound sidecar entry', 'gateway-bound sidecar entries')} found no gateway entry and ${plural(f.engine.unmatchedGateway, 'gateway entry', 'gateway entries')} found no sidecar entry within ${f.windowMs / 1000}s.${gap}${lateStreams(late)}${viaEastWest}${withoutLogTime(timeless, hopWithoutTime)}${skew}` });
  }
  return out;
}

/** The evicted-entries warning: entries released before their window closed (more than --max-pending waited, or their lines' characters passed its bound), and the input that held them; none when none was. */
export function evictedEntries(f: CoverageFacts): CoverageWarning[] {
  const out: CoverageWarning[] = [];
  if (f.engine.evicted > 0) {
    // An input held until it ended (its log time goes back) is the usual cause offline: say which, and the way out.
    const held = f.streams.filter((s) => s.unordered !== null);
    const cause = held.length === 0 ? '' : ` ${plural(held.length, 'input')} held ${held.length === 1 ? 'its entries until it ended, as its' : 'their entries until they ended, as their'} log time goes back or could not be told before it was read: ${listed(held, (s) => s.name)}. A newest-first export (logcli without --forward, gcloud logging read, an Elasticsearch query sorted descending) is read from its end instead when its order is seen before it is read (probes of a file; the first MiB of stdin or a .gz), and needs only the window; several pods' logs need a file each, or kubectl logs --prefix.`;
    out.push({ code: 'evicted-entries', message: `${plural(f.engine.evicted, 'entry was', 'entries were')} released before ${f.engine.evicted === 1 ? 'its' : 'their'} window closed because more than --max-pending were waiting, or their lines held more than ${HELD_CHARS_PER_ENTRY / 1024} KiB each on average (a client's long Host header, SNI or path): some joins may have been missed.${cause}` });
  }
  return out;
}
