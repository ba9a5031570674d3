import type { Coverage, CoverageWarning, CoverageWindow, ReportLineCounts, StreamCoverage } from '../report/model.js';
import { logTimeStatement, windowStatement } from '../report/statements.js';
import { plural } from '../text/plural.js';
import type { EngineCounters } from '../engine/index.js';
import { inRanges, parseCidr } from '../engine/context.js';
import { catalogueFix, socketNotLoggedFix } from '../engine/rule-catalogue.js';
import { EAST_WEST_PORT } from '../engine/net.js';
import { emptySpan, seconds, widenSpan, type LogSpan, type NamedOverlap, type PlainTally, type StreamFacts } from '../pipeline/audit-pipeline.js';
import { MAX_REMEMBERED } from '../pipeline/duplicate-lines.js';
import { msToIso } from '../pipeline/times.js';
import { EXPIRY_NOTICE_DAYS } from '../policy/expiry.js';
import type { ExceptionRef, LineCounts, Role, RoleAssignment, Verdict } from '../types.js';

/** What the run knows when it ends: lines, streams and their roles, the join, policy and live facts. */
export interface CoverageFacts {
  lines: LineCounts;
  streams: StreamFacts[];
  /** Role assignments by key (`file`, or `file#pod` / `file#namespace/pod` for a pod inside a stream). */
  roles: Map<string, RoleAssignment>;
  engine: EngineCounters;
  verdicts: Record<Verdict, number>;
  /** Records that are neither errors nor Passthrough/BlackHole: near zero means logging was filtered. */
  plainRecords: number;
  /** Records and ordinary successes by namespace, where entries name one (filtered logging is set per namespace). */
  namespaceRecords: ReadonlyMap<string, PlainTally>;
  /** Gateway-only flows by the minute they started (epoch ms / 60 000): at a time no sidecar log covers, their callers' logs were not read. */
  gatewayOnlyMinutes: ReadonlyMap<number, number>;
  /** Pairs of inputs that shared lines (overlapping saves), most first; the later copies were counted as duplicates. */
  overlaps: NamedOverlap[];
  /** Lines forgotten before their window passed (too many in it), whose later copies may have been audited again. */
  copiesForgottenEarly: number;
  /** The log time the sidecars' entries cover, and the egress gateways' (whichever streams held them). */
  sidecarSpan: LogSpan;
  gatewaySpan: LogSpan;
  windowMs: number;
  expiredExceptions: ExceptionRef[];
  /** Exceptions that allowed flows in this run and stop applying within EXPIRY_NOTICE_DAYS. */
  expiringExceptions: ExceptionRef[];
  /** Exceptions not applied because they matched only a host name the client claimed. */
  claimedHostExceptions: ExceptionRef[];
  /** Exceptions not applied because they name a namespace and the logs named the caller's none. */
  namespaceUnknownExceptions: ExceptionRef[];
  /** Statements a live source adds (pods without sidecars, excluded ranges, no gateway pod...). */
  extraWarnings: CoverageWarning[];
  /** `audit --since/--until` and the flows it left out; null without them. */
  window: CoverageWindow | null;
  /** Who stopped a run before its inputs' end, as the stream-errors warning says it (`on the dashboard (q or Ctrl-C)`, `by SIGTERM`); null when not stopped so. */
  stoppedBy?: string | null;
  /** The containers whose lines were audited as a proxy's (istio-proxy, and --proxy-container's), sorted: the other-containers warning names them. */
  proxyContainers: readonly string[];
}

/** How many of the lines could not be read, in words that agree: "3 of 5 lines", "All 3 lines", "The one line" (never "1 of 1 lines"). */
function unparsedShare(unparsed: number, lines: number): string {
  if (unparsed < lines) return `${unparsed} of ${lines} lines`;
  return lines === 1 ? 'The one line' : `All ${lines} lines`;
}

/** Notes an audit said on stderr as it went, also as one warning in the report, where CI reads it; none when there are none. */
function notesWarning(code: CoverageWarning['code'], heading: string, notes: readonly string[]): CoverageWarning[] {
  return notes.length === 0 ? [] : [{ code, message: `${heading}: ${listed(notes, (n) => n)}.` }];
}

/** The pod flags that did not do what they were given for (a value that named no pod, a pod two roles' flags named). */
export function podFlagsWarning(notes: readonly string[]): CoverageWarning[] {
  return notesWarning('pod-flags-not-applied', 'Pod flags that did not apply', notes);
}

/**
 * Pods whose name, labels or entries made them egress gateways, read as sidecars as they are outside the egress gateway
 * namespaces (`namespaces`, as settings give them): a tenant's own gateway, whose egress is then judged as a sidecar's.
 */
export function gatewayPodsRefusedWarning(pods: readonly string[], namespaces: string): CoverageWarning[] {
  const heading = `${plural(pods.length, 'pod')} named, labelled or acting like an egress gateway ${pods.length === 1 ? 'is' : 'are'} outside the egress gateway namespaces ${namespaces}, so ${pods.length === 1 ? 'it was' : 'they were'} read as ${pods.length === 1 ? 'a sidecar' : 'sidecars'}, ${pods.length === 1 ? 'its' : 'their'} own egress judged as a sidecar's and traffic sent to ${pods.length === 1 ? 'it' : 'them'} as in-mesh traffic`;
  return notesWarning('gateway-pods-refused', heading, pods);
}

/**
 * Sidecars' own addresses, read in their logs, outside the mesh ranges given: calls to those pods read as leaving the
 * mesh (direct). Given ranges replace the guess by address scope, so a range left out (a second cluster's pods, when
 * only another network's east-west gateway address is given) makes the mesh's own traffic findings.
 */
export function meshRangesMissWarning(ownIps: readonly string[], meshCidrs: readonly string[]): CoverageWarning[] {
  if (meshCidrs.length === 0) return [];
  const ranges = meshCidrs.map(parseCidr);
  const outside = ownIps.filter((ip) => inRanges(ranges, ip) !== true);
  if (outside.length === 0) return [];
  const one = outside.length === 1;
  return [{
    code: 'mesh-ranges-miss-sidecars',
    message:
      `${plural(outside.length, "sidecar's own address", "sidecars' own addresses")}, read in ${one ? 'its log, is' : 'their logs, are'} outside the mesh ranges given (${meshCidrs.join(', ')}), so calls to ${one ? 'that pod' : 'those pods'} read as leaving the mesh: ${listed(outside, (ip) => ip)}. ` +
      "Give every cluster's pod and Service ranges with --mesh-cidr (mesh.cidrs in the policy), and in a multi-network mesh the other networks' east-west gateway addresses.",
  }];
}

/**
 * Pods a log names whose egress gateway role came from their entries alone (content rules), not from a gateway's name or
 * labels, while no egress gateway namespaces are given: a tenant's own forward proxy can read so, and the traffic it
 * passes on is then `via-gateway`. `pods` as `shop/egress-1 (content:far-side)`.
 */
export function gatewaysByContentWarning(pods: readonly string[]): CoverageWarning[] {
  const one = pods.length === 1;
  const heading = `${plural(pods.length, 'pod')} named neither like an egress gateway nor labelled as one ${one ? 'was' : 'were'} read as ${one ? 'an egress gateway' : 'egress gateways'} from ${one ? 'its' : 'their'} entries alone, so the traffic ${one ? 'it' : 'they'} passed on counts as via-gateway: name ${one ? 'it' : 'each'} with --gateway-pod if it is one of the platform's egress gateways (or say where those live with --gateway-namespace, mesh.gatewayNamespaces), and with --sidecar-pod if it is not (a tenant's own proxy)`;
  return notesWarning('gateways-by-content', heading, pods);
}

/** Inputs a directory walk or a glob found but could not read (a dangling link, a FIFO): logs the audit did not see. */
export function inputsSkippedWarning(notes: readonly string[]): CoverageWarning[] {
  return notesWarning('inputs-skipped', `${plural(notes.length, 'input')} found but left out, so ${notes.length === 1 ? 'its logs were' : 'their logs were'} not audited`, notes);
}

/**
 * egress-audit's own reports, flows and records a directory walk or a glob found and left out: no gap in what was
 * audited, but said where CI reads the report, as a log directory is better kept free of them.
 */
export function ownOutputsSkippedWarning(notes: readonly string[]): CoverageWarning[] {
  return notesWarning('own-outputs-skipped', `${plural(notes.length, 'file')} egress-audit wrote (its reports, flows, records or baselines) found among the inputs and left out, as they are not logs`, notes);
}

/** What turning access logging on takes, for logs or exports that held only the proxies' other lines. */
const SWITCH_LOGGING_ON = "Istio's default profile writes none: switch it on with a Telemetry resource in istio-system whose accessLogging names the envoy provider, or meshConfig.accessLogFile: /dev/stdout (see the README).";

/** An input of lines that each held nothing (white space, a byte-order mark): as good as empty, not a log with access logging off. */
function blankOnly(s: StreamFacts): boolean {
  return s.lines > 0 && s.blankLines === s.lines && s.jsonArray === null;
}

/** Inputs of nothing but pretty-printed JSON (every line not an access log, some a lone `{`): one entry cut over many lines, not a log without entries. */
function prettyOnly(s: StreamFacts): boolean {
  return s.prettyJsonOpens > 0 && s.notAccessLog === s.lines;
}

/** Why an input held no access-log entry, and whether that points at access logging switched off (then SWITCH_LOGGING_ON is the way). */
interface Silence {
  cause: string;
  loggingOff: boolean;
  /** Its lines were access logs that could not be read: the unparsed-lines warning says why, by reason, and where. */
  unparsed?: true;
}

/**
 * Why one input held no access-log entry, as far as what it held tells: the one wording of no-records, no-*-logs,
 * silent-inputs and --explain. An empty save or export says nothing of the proxy (the save failed, or its query or
 * time range selected nothing), nor do blank lines, pretty-printed JSON (entries cut over lines) or lines of containers
 * other than the proxy's (an app's, left out); lines or an export's records that were all some other log are most
 * often istio-proxy's own log with access logging off, or an idle proxy's (its agent's lines only).
 */
export function silence(s: StreamFacts): Silence {
  const cause = (text: string, loggingOff = false): Silence => ({ cause: text, loggingOff });
  if (s.lines === 0 && s.error !== null) return cause('no line of it was read');
  if (s.lines === 0) return cause(s.kind === 'pod' ? 'logged nothing while it was followed' : 'empty: the save or export failed, or its proxy logged nothing in that time');
  if (blankOnly(s)) return cause('only blank lines: as good as empty');
  if (otherContainerLines(s) > 0 && s.notAccessLog === s.lines) return cause("only lines of containers other than the proxy's, not audited: other-containers says why");
  if (s.jsonArray !== null && s.jsonArray.elements === 0) return cause("a JSON array export of no records, which says nothing of the proxies' logging: check the query and the time range it was exported with");
  if (s.jsonArray !== null && s.jsonArray.notAccessLog === s.jsonArray.elements) {
    return cause("a JSON array export holding no access log: check that its query selects the istio-proxy container's logs; if it does, access logging is off", true);
  }
  if (s.jsonArray === null && prettyOnly(s)) return cause('pretty-printed JSON, each object opened by a line of only `{`, as `jq` prints without -c: egress-audit reads one JSON object per line, so print it with `jq -c`');
  if (s.notAccessLog === s.lines) return cause("some other log, not an access log: if it is an istio-proxy log, its access logging is off, or the pod was idle (its agent's lines only)", true);
  return { ...cause('no line read as an access-log entry: unparsed-lines says why'), unparsed: true };
}

/** Inputs each with why it held no access-log entry, those of one cause named together (`a.log; b.log (empty: ...)`); every cause is said, the names of each cut by `listed`. */
function silentListed(streams: readonly StreamFacts[], name: (s: StreamFacts) => string = (s) => s.name): string {
  const byCause = new Map<string, StreamFacts[]>();
  for (const s of streams) {
    const { cause } = silence(s);
    byCause.set(cause, [...(byCause.get(cause) ?? []), s]);
  }
  return [...byCause].map(([cause, of]) => `${listed(of, name)} (${cause})`).join('; ');
}

/** After a list of silent inputs: how to switch access logging on, when a cause points at it being off; '' when none does. */
function switchOnWhenOff(streams: readonly StreamFacts[]): string {
  return streams.some((s) => silence(s).loggingOff) ? ` ${SWITCH_LOGGING_ON}` : '';
}

/** Why no access-log entry was read: each input that says anything (one that failed unread is stream-errors', one of unreadable lines unparsed-lines'), with its cause. */
function noRecordsCauses(streams: readonly StreamFacts[]): string {
  const said = streams.filter((s) => (s.lines > 0 || s.error === null) && silence(s).unparsed !== true);
  return said.length === 0 ? '' : ` By input: ${silentListed(said)}.${switchOnWhenOff(said)}`;
}

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
function joinFieldsNotLogged(e: EngineCounters): string | null {
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

/** The roles whose missing logs coverage warns about (an ingress gateway's are not needed for an egress audit). */
type JoinedRole = Exclude<Role, 'ingress-gateway'>;

/** Inputs read in `role` that held no access-log entry, each with its likely cause; '' when there are none. */
function silentLogs(f: CoverageFacts, role: JoinedRole): string {
  // An empty input is named, as a save that failed; not a live container that logged nothing while followed (a quiet pod), nor one that failed (stream-errors).
  const silent = f.streams.filter((s) => s.records === 0 && s.duplicates === 0 && (s.lines > 0 || (s.error === null && s.kind !== 'pod')) && streamRole(s.name, f.roles).role === role);
  return silent.length === 0 ? '' : ` Read as ${role} logs but holding no access-log entry: ${silentListed(silent)}.${switchOnWhenOff(silent)}`;
}

/** The role a stream is reported with: a stream without a single record (a README, an empty file) has none worth stating. */
export const NO_RECORDS: Pick<StreamCoverage, 'role' | 'roleRule'> = { role: 'unknown', roleRule: 'no-records' };

function streamRole(name: string, roles: Map<string, RoleAssignment>): Pick<StreamCoverage, 'role' | 'roleRule'> {
  const own: RoleAssignment[] = [];
  for (const [key, assignment] of roles) if (key === name || key.startsWith(`${name}#`)) own.push(assignment);
  if (own.length === 0) return { role: 'unknown', roleRule: 'none' };
  const kinds = new Set<Role>(own.map((a) => a.role));
  if (kinds.size > 1) return { role: 'mixed', roleRule: 'per-pod' };
  const first = own[0] as RoleAssignment;
  return { role: first.role, roleRule: first.rule };
}

/**
 * True when a stream with at least one access-log record was read in this role. A role given to an
 * empty file, or to a log holding only Envoy/agent lines (access logging switched off), is no evidence:
 * not one entry of that proxy was read. A pod inside a `--prefix` stream counts when its stream has records.
 */
function anyRoleWithRecords(f: CoverageFacts, role: Role): boolean {
  const withRecords = new Set(f.streams.filter((s) => s.records > 0).map((s) => s.name));
  for (const [key, a] of f.roles) {
    if (a.role !== role) continue;
    if (withRecords.has(key)) return true;
    // `name#pod`: a pod inside a stream (the stream's name may hold a `#` itself).
    for (let i = key.indexOf('#'); i >= 0; i = key.indexOf('#', i + 1)) if (withRecords.has(key.slice(0, i))) return true;
  }
  return false;
}

/** The log time the inputs cover, as the report states it (firstSeen, lastSeen). */
type LogTime = Pick<Coverage, 'firstSeen' | 'lastSeen'>;

/** The log time some streams cover together: their earliest start and latest end (Infinity and -Infinity for none). */
function span(streams: readonly StreamFacts[]): LogSpan {
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
function gatewayTimeGap(f: CoverageFacts): string {
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
function lateStreams(late: readonly StreamFacts[]): string {
  if (late.length === 0) return '';
  const one = (s: StreamFacts): string => {
    const l = s.late as NonNullable<StreamFacts['late']>;
    const how = l.fromStart ? 'its log stream connected late' : 'its log stream fell behind, after a reconnect or with a backlog';
    return `${s.name} (${how}: ${plural(l.nearReleased, 'entry', 'entries')} up to ${seconds(l.behindMs)} behind)`;
  };
  return ` ${late.length === 1 ? 'A stream' : 'Streams'} delivered entries after log time had passed them, when the entries they would have joined had already been released, so those joins were split by the stream's lateness, not by the clocks (watch waits only so long for a late stream: docs/watch.md, Log time): ${listed(late, one)}.`;
}

/** Streams named in one warning; the rest are counted. */
const MAX_LISTED_STREAMS = 5;
/**
 * Characters of one warning's list once its first item is in: the table and the Markdown summary show 1,024
 * characters of a warning (its start and its end), and a list of long paths would be all of them.
 */
const MAX_LISTED_CHARS = 400;

/** The first few items, described, then how many more: a warning about many streams (or long paths) stays one readable line. */
function listed<T>(items: readonly T[], describe: (item: T) => string): string {
  const shown: string[] = [];
  let chars = 0;
  for (const item of items.slice(0, MAX_LISTED_STREAMS)) {
    const text = describe(item);
    chars += text.length + 2;
    if (shown.length > 0 && chars > MAX_LISTED_CHARS) break;
    shown.push(text);
  }
  if (items.length > shown.length) shown.push(`and ${items.length - shown.length} more`);
  return shown.join('; ');
}

/**
 * The `unordered-input` warning: inputs whose log time went back while read, after entries had been released
 * unjoined. What it says is that input's truth: a plain file was probed (the jump lay between its probes) while
 * stdin, gzip or a live pod could not be; and a join was lost only if an entry read that far back lay within the
 * window of one released unjoined before it (a stray line a day old loses none, whatever else went unjoined).
 */
function unorderedInputs(streams: readonly StreamFacts[]): CoverageWarning[] {
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

/** `truncated 28, too-long 1`: the unparsed lines by reason, largest first. */
function unparsedByReason(lines: LineCounts): { total: number; text: string } {
  const parts: [string, number][] = Object.entries(lines.malformed).filter((e): e is [string, number] => (e[1] ?? 0) > 0);
  if (lines.tooLong > 0) parts.push(['too-long', lines.tooLong]);
  parts.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { total: parts.reduce((n, [, c]) => n + c, 0), text: parts.map(([r, c]) => `${r} ${c}`).join(', ') };
}

/**
 * Records were read but no flow started in --since/--until: an empty window is no evidence (a mistyped
 * date or the wrong day's logs must not pass), so it is said with the log time the inputs do cover.
 */
function emptyWindow(f: CoverageFacts, seen: LogTime): CoverageWarning[] {
  if (f.window === null || f.lines.records === 0 || Object.values(f.verdicts).some((n) => n > 0)) return [];
  const covered = logTimeStatement(seen);
  return [{ code: 'empty-window', message: `No flow started in the window ${windowStatement(f.window)} (--since/--until), although ${plural(f.lines.records, 'access-log record was', 'access-log records were')} read; the inputs cover ${covered}: nothing in the window was audited, so nothing is proven.` }];
}

/** Why lines were text-before-entry when ANSI codes came before their entries (a coloured prefix no envelope reader knows: stern's is read), and the fix; null when none did. */
function ansiHint(streams: readonly StreamFacts[]): string | null {
  const coloured = streams.filter((s) => s.ansiLines > 0);
  if (coloured.length === 0) return null;
  const lines = coloured.reduce((n, s) => n + s.ansiLines, 0);
  return `${plural(lines, 'line')} (text-before-entry) began with ANSI escape codes (${listed(coloured, (s) => `${s.name} (${s.ansiLines})`)}): the log was captured with colours on, by a tool whose coloured prefix is not read (stern's colour codes around its pod and container names are read); capture it again without colours (or strip the escape codes).`;
}

/** Why lines were no-upstream (JSON entries that log nowhere they went), and the fix; null when none were. */
function noUpstreamHint(lines: CoverageFacts['lines']): string | null {
  const n = lines.malformed['no-upstream'] ?? 0;
  if (n === 0) return null;
  return `${plural(n, 'JSON entry', 'JSON entries')} (no-upstream) had neither an upstream_cluster nor an upstream_host key: their access-log format does not say where a connection went, so an audit cannot judge them (read as they are, each would pass as the proxy's own reply); add both to the format (Istio's JSON encoding has them).`;
}

/**
 * Lines that read two ways (ambiguous-fields): a header the client sets, which Envoy's text logs write unescaped, held
 * `" "` and what reads as a whole entry's fields, so which fields are the proxy's is the client's to choose. A workload
 * can hide direct egress so, which is why this fails the run by default; none when no line did.
 */
function ambiguousLines(streams: readonly StreamFacts[]): CoverageWarning[] {
  const shaped = streams.filter((s) => s.ambiguousLines > 0);
  if (shaped.length === 0) return [];
  const n = shaped.reduce((sum, s) => sum + s.ambiguousLines, 0);
  const where = listed(shaped, (s) => (s.firstAmbiguousLine === null ? `${s.name} (${s.ambiguousLines})` : `${s.name} (${s.ambiguousLines}, first at line ${s.firstAmbiguousLine})`));
  const at = shaped.flatMap((s) => (s.firstAmbiguousLine === null ? [] : [{ file: s.name, line: s.firstAmbiguousLine }]));
  return [
    {
      code: 'ambiguous-lines',
      message: `${plural(n, 'access-log line', 'access-log lines')} read two ways (ambiguous-fields), in ${where}: a header the client sets (User-Agent, X-Request-ID, X-Forwarded-For), which Envoy's text format writes unescaped, holds \`" "\` and fields of its own, so which upstream, cluster and request id are the proxy's is the client's to choose. Neither reading is evidence, and it is how a workload would hide direct egress, so the run fails (ambiguous-lines is in --fail-on by default). Log in JSON (\`meshConfig.accessLogEncoding: JSON\`), which escapes such values; a known format with fields appended is read one way when given with --format.`,
      ...(at.length > 0 ? { at } : {}),
    },
  ];
}

/** An input's lines of containers other than the proxy's, in all: the sum of its per-container counts. */
function otherContainerLines(s: StreamFacts): number {
  return s.otherContainers.reduce((n, c) => n + c.lines, 0);
}

/** Containers named per input in the other-containers warning; the rest are counted. */
const MAX_LISTED_CONTAINERS = 3;

/** `app 2, worker 1, and 3 more`: an input's other containers and their lines, most first. */
function containersOf(s: StreamFacts): string {
  const shown = s.otherContainers.slice(0, MAX_LISTED_CONTAINERS).map((c) => `${c.container} ${c.lines}`);
  const more = s.otherContainers.length - shown.length;
  return more > 0 ? `${shown.join(', ')}, and ${more} more` : shown.join(', ');
}

/**
 * Access-log-shaped lines that inputs naming each line's container (kubelet paths, `--prefix`, a pipeline's records,
 * parse's records read back) said came from a container that is no proxy's: an application's stdout is its own to
 * write, so they were not audited (read as its sidecar's, they could invent flows, the pod's addresses, gateway
 * entries); none when no line did.
 */
function otherContainers(f: CoverageFacts): CoverageWarning[] {
  const from = f.streams.filter((s) => s.otherContainers.length > 0);
  if (from.length === 0) return [];
  const n = from.reduce((sum, s) => sum + otherContainerLines(s), 0);
  const proxies = f.proxyContainers.join(', ');
  return [
    {
      code: 'other-containers',
      message: `${plural(n, 'line')} shaped like an access log came from ${n === 1 ? 'a container' : 'containers'} other than the proxy's (${proxies}), in ${listed(from, (s) => `${s.name} (${containersOf(s)})`)}: not audited, as only the proxy's own container writes its access log, while an application's output is its own to write, lines shaped like its sidecar's included (read as the proxy's, they could invent flows, the pod's addresses or gateway entries). ${n === 1 ? 'It is counted as not an access log' : 'They are counted as not access logs'}. If one of these containers is a proxy (plain Envoy's or Contour's envoy), name it with --proxy-container NAME.`,
    },
  ];
}

/** The role flag (`--sidecar`, `--gateway`, `--ingress`) that gave a file `assignment`, or null when none did: the person named the file so. */
export function roleFlag(assignment: RoleAssignment | undefined): string | null {
  return /^flag:(--(?:sidecar|gateway|ingress))$/.exec(assignment?.rule ?? '')?.[1] ?? null;
}

/** The role flag that gave a file its role in this run, or null. */
function roleFlagOf(f: CoverageFacts, file: string): string | null {
  return roleFlag(f.roles.get(file));
}

/** An input's name, and the role flag that named it (`a.log, given with --sidecar`): the person meant it as that proxy's log. */
function withFlag(f: CoverageFacts, s: StreamFacts): string {
  const flag = roleFlagOf(f, s.name);
  return flag === null ? s.name : `${s.name}, given with ${flag}`;
}

/**
 * Inputs that held no access-log entry while others did: said only in the streams list, a save that failed or a proxy
 * with access logging off among good inputs passed unseen, and its workloads' direct egress with it. Not among them:
 * live containers (a quiet pod, while followed), an app container's log in a kubelet tree (no proxy's), inputs that
 * failed or were stopped (stream-errors), of other containers' lines (other-containers) or of copies (overlapping-inputs).
 * Nor those of a role whose no-*-logs warning names them (`namedByRole`). A file a walk or a glob found is named only
 * when it is empty: a directory of logs holds other files (an `expected.json`), and a node's kubelet tree an idle pod's
 * log of its agent's lines, neither a save that failed. Not failing by default: an idle pod's saved log holds only its
 * agent's lines, which is common.
 */
function silentInputs(f: CoverageFacts, namedByRole: ReadonlySet<JoinedRole>): CoverageWarning[] {
  if (f.lines.records === 0) return []; // no-records says it, with the causes
  const named = (s: StreamFacts): boolean => {
    const role = streamRole(s.name, f.roles).role;
    return (role === 'sidecar' || role === 'egress-gateway') && namedByRole.has(role);
  };
  const silent = f.streams.filter(
    (s) => s.records === 0 && s.duplicates === 0 && s.error === null && !s.stopped && s.kind !== 'pod' && s.otherContainers.length === 0 && (s.container === null || f.proxyContainers.includes(s.container)) && !named(s) && (!s.walked || s.lines === 0),
  );
  if (silent.length === 0) return [];
  const one = silent.length === 1;
  return [
    {
      code: 'silent-inputs',
      message: `${plural(silent.length, 'input')} held no access-log entry, although the others did: ${silentListed(silent, (s) => withFlag(f, s))}. Nothing of the ${one ? 'proxy it stands' : 'proxies they stand'} for was audited, so ${one ? 'its' : 'their'} direct egress could not have been seen. This fails the run only when asked (--fail-on +silent-inputs), as an idle pod's log holds no entry either.`,
    },
  ];
}

/** Fewer records than this say nothing of filtered logging (a handful of errors is a quiet pod's bad minute). */
const FILTERED_MIN_RECORDS = 20;
/** Below this share of ordinary successful requests, logging looks filtered to errors, Passthrough and BlackHole. */
const FILTERED_SHARE = 0.02;

/** True when enough records were read and almost none was an ordinary success. */
function looksFiltered(t: PlainTally): boolean {
  return t.records >= FILTERED_MIN_RECORDS && t.plain / t.records < FILTERED_SHARE;
}

/**
 * Access logging filtered to errors, judged over all entries and, as Istio's Telemetry API filters per namespace or
 * workload, over each namespace entries name and each input: one filtered namespace among ordinary ones is diluted
 * in the whole run's share, and its successful direct connections left no line.
 */
function filteredLogging(f: CoverageFacts): CoverageWarning[] {
  if (looksFiltered({ records: f.lines.records, plain: f.plainRecords })) {
    return [{ code: 'filtered-logging', message: `Only ${f.plainRecords} of ${f.lines.records} entries are ordinary successful requests: access logging looks filtered (errors, Passthrough, BlackHole only), so traffic that was not logged cannot be judged.` }];
  }
  const filtered = [...f.namespaceRecords].filter(([, t]) => looksFiltered(t)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const inputs = f.streams.map((s) => ({ s, t: { records: s.records, plain: s.plainRecords } })).filter((p) => looksFiltered(p.t));
  // An input that is all of a filtered namespace's entries (and only its) is one thing, named once: the namespace, in that input.
  const namespaces = filtered.map(([ns, t]) => ({ ns, t, input: inputs.find((p) => p.s.namespace === ns && p.t.records === t.records && p.t.plain === t.plain) }));
  const alone = inputs.filter((p) => !namespaces.some((n) => n.input === p)).map((p) => ({ what: p.s.name, t: p.t }));
  const parts = [...namespaces.map((n) => ({ what: `namespace ${n.ns}${n.input === undefined ? '' : ` in ${n.input.s.name}`}`, t: n.t })), ...alone];
  if (parts.length === 0) return [];
  return [
    {
      code: 'filtered-logging',
      message: `Access logging looks filtered (errors, Passthrough, BlackHole only) in part of the logs, although ${f.plainRecords} of ${f.lines.records} entries in all are ordinary successful requests: ${listed(parts, (p) => `${p.what} (${p.t.plain} of ${plural(p.t.records, 'entry', 'entries')} ordinary)`)}. Istio's Telemetry API filters access logging per namespace or workload, and traffic there that was not logged cannot be judged; if logging there is not filtered, every request those proxies logged failed or left the mesh directly (PassthroughCluster), as a workload that only calls outside hosts does.`,
    },
  ];
}

/** A period of log time (ms) and the gateway-only flows that started in it. */
interface UncoveredPeriod {
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
function uncoveredGatewayPeriods(f: CoverageFacts): UncoveredPeriod[] {
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
function sidecarTimeGap(f: CoverageFacts, periods: readonly UncoveredPeriod[]): CoverageWarning {
  const flows = periods.reduce((n, p) => n + p.flows, 0);
  const when = listed(periods, (p) => `${msToIso(p.firstMs)} to ${msToIso(p.lastMs)} (${plural(p.flows, 'flow')})`);
  const sc = f.sidecarSpan;
  return {
    code: 'no-sidecar-logs',
    message: `No sidecar log reaches the log time of ${plural(flows, 'gateway flow', 'gateway flows')} (gateway-only) in --since/--until, which started ${when}, while the sidecar logs read run from ${msToIso(sc.firstMs)} to ${msToIso(sc.lastMs)}: ${flows === 1 ? 'it' : 'they'} cannot be tied to a calling workload's own log, and direct traffic from sidecars in that time would not be seen. Read the sidecars' logs of the window, or narrow --since/--until to the time they cover.`,
  };
}

function warnings(f: CoverageFacts, seen: LogTime): CoverageWarning[] {
  const out: CoverageWarning[] = [];
  const v = f.verdicts;
  if (f.lines.records === 0) {
    out.push({ code: 'no-records', message: `No access-log entries were read (${plural(f.lines.lines, 'line')}): nothing was audited, so nothing is proven.${noRecordsCauses(f.streams)}` });
  }
  out.push(...emptyWindow(f, seen));
  const unparsed = unparsedByReason(f.lines);
  if (unparsed.total > 0) {
    out.push({
      code: 'unparsed-lines',
      message: `${unparsedShare(unparsed.total, f.lines.lines)} could not be read as access-log entries (${unparsed.text}): any traffic they record was not judged, direct egress included. ${[ansiHint(f.streams), noUpstreamHint(f.lines)].filter((h) => h !== null).join(' ') || 'Check --format, --max-line-length and how the logs were copied.'}`,
    });
  }
  out.push(...ambiguousLines(f.streams));
  out.push(...otherContainers(f));
  const mixed = f.engine.roleConflicts;
  if (mixed.length > 0) {
    const streams = listed(mixed, (c) => {
      const other = c.role === 'sidecar' ? "an egress gateway's" : "a sidecar's";
      const where = c.pod === null ? c.file : `${c.file}, pod ${c.namespace === null ? '' : `${c.namespace}/`}${c.pod}`;
      const counted = c.seen > c.entries ? `${c.conflicting} of ${plural(c.entries, 'sampled entry', 'sampled entries')} (of ${c.seen})` : `${c.conflicting} of ${plural(c.entries, 'entry', 'entries')}`;
      const read = c.role === 'sidecar' ? 'a sidecar' : c.role === 'egress-gateway' ? 'an egress gateway' : 'an ingress gateway, whose entries into the mesh are ingress';
      return `${where} (read as ${read}; ${counted} read like ${other}, e.g. line ${c.firstLine}: ${c.why})`;
    });
    // The way out depends on where the mix is: a file of several proxies needs splitting; a pod named in
    // the log already has its own role, from its name or labels, which --gateway-pod/--sidecar-pod override.
    const ways: string[] = [];
    // A file a role flag named whose every entry reads like the other role's is most likely named by the wrong flag.
    const misflagged = mixed.flatMap((c) => {
      const flag = c.pod === null && c.conflicting === c.entries ? roleFlagOf(f, c.file) : null;
      return flag === null ? [] : [{ c, flag }];
    });
    for (const { c, flag } of misflagged) {
      const other = c.role === 'sidecar' ? '--gateway' : '--sidecar';
      ways.push(`Every entry of ${c.file} reads like ${c.role === 'sidecar' ? "an egress gateway's" : "a sidecar's"}: if it is one proxy's log named by the wrong flag, give it with ${other} instead of ${flag}.`);
    }
    if (mixed.some((c) => c.pod === null && !misflagged.some((m) => m.c === c))) ways.push("Give each proxy's log a file of its own (one per pod, or kubectl logs --prefix) so that each gets its own role.");
    // A pod the egress gateway namespaces refused is no gateway whatever flag names it (--gateway-pod outside them is exit 2).
    const refused = new Set([...f.roles.values()].flatMap((a) => (a.refused === undefined ? [] : [a.refused.pod])));
    const podLabel = (c: (typeof mixed)[number]): string => `${c.namespace === null ? '' : `${c.namespace}/`}${c.pod ?? ''}`;
    if (mixed.some((c) => c.pod !== null && !refused.has(podLabel(c)))) {
      ways.push(
        'A pod named in the log takes its role from its name or labels (an egress gateway is a pod named *egressgateway* or labelled istio=egressgateway, an ingress gateway one named *ingressgateway* or labelled istio=ingressgateway, and an east-west gateway, read as an ingress gateway, one named *eastwestgateway* or labelled istio=eastwestgateway): if a pod listed here is an egress gateway named otherwise, name it with --gateway-pod POD (a glob, or NAMESPACE/POD), an ingress or east-west gateway (a multi-network mesh\'s, which passes other networks\' traffic on) with --ingress-pod POD, and a sidecar read as a gateway with --sidecar-pod.',
      );
    }
    const refusedHere = mixed.filter((c) => c.pod !== null && refused.has(podLabel(c)));
    if (refusedHere.some((c) => c.namespace !== null)) {
      ways.push(
        'A pod outside the egress gateway namespaces is read as a sidecar whatever its name or labels (gateway-pods-refused): its entries that read like a gateway\'s are its own egress, judged as a sidecar\'s. If it is one of the platform\'s gateways, add its namespace to the egress gateway namespaces (mesh.gatewayNamespaces; audit --gateway-namespace adds one, watch --gateway-namespace names the only one).',
      );
    }
    if (refusedHere.some((c) => c.namespace === null)) {
      ways.push(
        'A pod whose input names no namespace (kubectl logs --prefix) is outside any egress gateway namespaces, as nothing shows it is inside: if it is one of the platform\'s gateways, name it with --gateway-pod POD (its name alone), or save the logs with their namespaces (kubelet paths, a log pipeline\'s export).',
      );
    }
    out.push({
      code: 'mixed-roles',
      message: `${plural(mixed.length, 'input seems', 'inputs seem')} to hold the logs of both sidecars and egress gateways, and ${mixed.length === 1 ? 'it was' : 'each was'} read as one role, so part of ${mixed.length === 1 ? 'its' : 'their'} verdicts are wrong (gateway entries as direct, or direct sidecar entries as gateway-only, or a sidecar's inbound entries as ingress): ${streams}. ${ways.join(' ')}`,
      at: mixed.map((c) => ({ file: c.file, line: c.firstLine })),
    });
  }
  // A role whose no-*-logs warning names its silent inputs (silentLogs): silent-inputs does not name them again.
  const namedSilent = new Set<JoinedRole>();
  if (v['via-gateway-unconfirmed'] > 0 && !anyRoleWithRecords(f, 'egress-gateway')) {
    namedSilent.add('egress-gateway');
    const sent = v['via-gateway-unconfirmed'];
    out.push({ code: 'no-gateway-logs', message: `No egress-gateway logs were read, although ${plural(sent, 'sidecar flow was', 'sidecar flows were')} sent to a gateway: ${sent === 1 ? 'it is' : 'those are'} unconfirmed, not proven.${silentLogs(f, 'egress-gateway')}` });
  }
  const uncovered = v['gateway-only'] > 0 && anyRoleWithRecords(f, 'sidecar') ? uncoveredGatewayPeriods(f) : [];
  if (v['gateway-only'] > 0 && !anyRoleWithRecords(f, 'sidecar')) {
    namedSilent.add('sidecar');
    out.push({ code: 'no-sidecar-logs', message: `No sidecar logs were read: ${plural(v['gateway-only'], 'gateway flow', 'gateway flows')} cannot be tied to a calling workload's own log, and direct traffic from sidecars would not be seen.${silentLogs(f, 'sidecar')}` });
  } else if (uncovered.length > 0) {
    out.push(sidecarTimeGap(f, uncovered));
  }
  out.push(...silentInputs(f, namedSilent));
  out.push(...filteredLogging(f));
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
    const skew = f.engine.unmatchedSidecar > eastWest && f.engine.unmatchedGateway > 0 && unmatched > explained ? `${rest} the sidecars' and the gateway's clocks (or exports) differ by more than that, raise --window.` : '';
    const viaEastWest = eastWest === 0 ? '' : ` ${eastWest === f.engine.unmatchedSidecar ? (eastWest === 1 ? 'That sidecar entry' : `All ${eastWest} sidecar entries`) : `${eastWest} of the sidecar entries`} went to an endpoint on port ${EAST_WEST_PORT}, another network's east-west gateway by its port: the egress gateway behind it logs that east-west gateway as its caller, not the sidecar, so no window joins ${eastWest === 1 ? 'it' : 'them'} (read the east-west gateway's log to see where it sent them).`;
    const gap = (f.engine.unmatchedSidecar > 0 ? gatewayTimeGap(f) : '') + (f.engine.unmatchedGateway > 0 && uncovered.length > 0 ? ' No sidecar log covers the log time of some of the gateway entries: no-sidecar-logs names when.' : '');
    out.push({ code: 'unmatched-entries', message: `${plural(f.engine.unmatchedSidecar, 'gateway-bound sidecar entry', 'gateway-bound sidecar entries')} found no gateway entry and ${plural(f.engine.unmatchedGateway, 'gateway entry', 'gateway entries')} found no sidecar entry within ${f.windowMs / 1000}s.${gap}${lateStreams(late)}${viaEastWest}${skew}` });
  }
  const unlogged = joinFieldsNotLogged(f.engine);
  if (unlogged !== null) out.push({ code: 'join-fields-not-logged', message: unlogged });
  if (f.engine.evicted > 0) {
    // An input held until it ended (its log time goes back) is the usual cause offline: say which, and the way out.
    const held = f.streams.filter((s) => s.unordered !== null);
    const cause = held.length === 0 ? '' : ` ${plural(held.length, 'input')} held ${held.length === 1 ? 'its entries until it ended, as its' : 'their entries until they ended, as their'} log time goes back or could not be told before it was read: ${listed(held, (s) => s.name)}. A newest-first export (logcli without --forward, gcloud logging read, an Elasticsearch query sorted descending) is read from its end instead when its order is seen before it is read (probes of a file; the first MiB of stdin or a .gz), and needs only the window; several pods' logs need a file each, or kubectl logs --prefix.`;
    out.push({ code: 'evicted-entries', message: `${plural(f.engine.evicted, 'entry was', 'entries were')} released before ${f.engine.evicted === 1 ? 'its' : 'their'} window closed because more than --max-pending were waiting: some joins may have been missed.${cause}` });
  }
  if (f.expiredExceptions.length > 0) {
    out.push({ code: 'expired-exceptions', message: `Expired policy exceptions no longer apply: ${f.expiredExceptions.map((e) => `${e.id} (expired ${e.expires ?? '?'})`).join(', ')}.` });
  }
  if (f.expiringExceptions.length > 0) {
    const named = f.expiringExceptions.map((e) => `${e.id} (last day ${e.expires ?? '?'})`).join(', ');
    out.push({ code: 'expiring-exceptions', message: `Policy exceptions that allowed flows in this run stop applying within ${EXPIRY_NOTICE_DAYS} days: ${named}. Renew them with a reason, or route that traffic through the egress gateway before then.` });
  }
  if (f.claimedHostExceptions.length > 0) {
    out.push({
      code: 'claimed-host-not-trusted',
      message: `Policy exceptions matched direct flows only by the name the client sent (its Host header or SNI, a host name or an IP, through PassthroughCluster or a wildcard cluster, where anything can be claimed), so they were not applied: ${f.claimedHostExceptions.map((e) => e.id).join(', ')}. Allow such destinations by cidrs that hold the address the flow actually went to.`,
    });
  }
  if (f.namespaceUnknownExceptions.length > 0) {
    out.push({
      code: 'exceptions-need-namespace',
      message: `Policy exceptions name a namespace (from.namespaces, or a workload as namespace/name), but the logs named no namespace for callers they would otherwise allow (kubectl logs --prefix names the pod only), so they were not applied: ${f.namespaceUnknownExceptions.map((e) => e.id).join(', ')}. Save the logs with their namespaces (kubelet paths, a log pipeline's export, watch), or name the workload without one, which allows it in every namespace.`,
    });
  }
  const other = f.engine.otherDomain;
  if (other !== null) {
    out.push({
      code: 'other-cluster-domain',
      message: `${plural(other.entries, 'sidecar entry', 'sidecar entries')} went to hosts that read as Kubernetes Services under ${other.domain}, not under the cluster domain ${other.clusterDomain} the audit used (e.g. ${other.host}): they were judged as ServiceEntry hosts outside the cluster (direct), and an egress gateway Service there is not recognised as one. If the cluster's domain is ${other.domain}, give --cluster-domain ${other.domain} (or mesh.clusterDomain in the policy).`,
    });
  }
  const outside = f.engine.gatewayOutside;
  if (outside !== null) {
    const [ranges, way] = outside.meshRangesKnown
      ? ['outside the mesh ranges given', 'add their range to --mesh-cidr (or mesh.cidrs)']
      : ["a public address, so outside the mesh as no mesh ranges were given, and no gateway log read shows it as a gateway pod's", "name the pod range with --mesh-cidr (or mesh.cidrs), or read the gateway's logs too"];
    out.push({
      code: 'gateway-endpoint-outside-mesh',
      message: `${plural(outside.entries, 'sidecar entry', 'sidecar entries')} sent to the egress gateway Service ${outside.host} reached ${outside.address}, ${ranges}: they are reported direct, since a gateway pod is inside the mesh. If the gateway pods have such addresses (an IPv6 cluster whose pods have global unicast addresses, such as EKS's), ${way}; if not, that Service's endpoints lead outside the mesh.`,
    });
  }
  out.push(...unorderedInputs(f.streams));
  const padded = f.streams.filter((s) => s.nulPadded > 0);
  if (padded.length > 0) {
    const streams = listed(padded, (s) => `${s.name} (${s.nulPadded})`);
    out.push({
      code: 'nul-padding',
      message: `${plural(f.lines.nulPadded, 'line')} began with a run of NUL bytes, which logrotate's copytruncate leaves when the proxy keeps writing at its old offset (Envoy on a VM): ${streams}. The NULs were skipped and each line after them was read and counted as usual. Lines written between logrotate's copy and its truncation are in neither file: read the rotated file too.`,
    });
  }
  out.push(...overlappingInputs(f));
  const failed = f.streams.filter((s) => s.error !== null && !s.stopped);
  const stopped = f.streams.filter((s) => s.stopped);
  if (failed.length + stopped.length > 0) {
    // A person's stop (q, or a signal to the dashboard) is said as a stop, not as inputs that failed; the audit is as incomplete either way.
    const said = [
      failed.length > 0 ? `${plural(failed.length, 'input')} could not be read to the end: ${failed.map((s) => s.error).join('; ')}` : '',
      stopped.length > 0 ? `The run was stopped ${f.stoppedBy ?? 'on the dashboard'} before ${plural(stopped.length, 'input was', 'inputs were')} read to the end, so the audit covers only what was read: ${listed(stopped, (s) => s.name)}.` : '',
    ];
    out.push({ code: 'stream-errors', message: said.filter((t) => t !== '').join(' ') });
  }
  return [...out, ...f.extraWarnings];
}

/**
 * Inputs that held the same access-log lines (one pod's log saved twice, overlapping; a node's CRI file beside
 * a kubectl save): each line was audited once, and the report names which inputs overlapped so that the
 * person knows their saves repeat each other rather than wonder at a line count above the records.
 */
function overlappingInputs(f: CoverageFacts): CoverageWarning[] {
  if (f.lines.duplicates === 0) return [];
  const pairs = listed(f.overlaps, (o) => `${o.first} and ${o.second} (${o.lines})`);
  const early = f.copiesForgottenEarly > 0 ? ` ${plural(f.copiesForgottenEarly, 'line was', 'lines were')} forgotten before every input had been read a join window past them (${MAX_REMEMBERED.toLocaleString('en')} lines are kept, and an input whose log time goes back, held to its end, holds the others' lines too): a copy read after that was audited again.` : '';
  return [
    {
      code: 'overlapping-inputs',
      message: `${plural(f.lines.duplicates, 'access-log line')} repeated a line another input held, so the inputs overlap (one pod's log saved more than once, or a node's file beside a kubectl logs save): ${pairs}. Each line was audited once, from the input read first; the copies are counted as duplicates, not as records. Only lines with a request id, a client port or the proxy's own outgoing port count as copies (two identical lines without any may be two connections), and a line repeated within one input is audited each time, as written.${early}`,
    },
  ];
}

/** The counts as a report shows them: `nulPadded`, `duplicates` and `otherContainers` left out when no line had them. */
function reportedLines(lines: LineCounts): ReportLineCounts {
  const { nulPadded, duplicates, otherContainers, ...rest } = lines;
  return { ...rest, ...(nulPadded > 0 ? { nulPadded } : {}), ...(duplicates > 0 ? { duplicates } : {}), ...(otherContainers > 0 ? { otherContainers } : {}) };
}

/** Builds the coverage section: every line accounted for, the log time it covers, each stream's role and why, and plain warnings. */
export function buildCoverage(f: CoverageFacts): Coverage {
  const all = span(f.streams);
  const seen: LogTime = { firstSeen: msToIso(all.firstMs), lastSeen: msToIso(all.lastMs) };
  return {
    lines: reportedLines(f.lines),
    ...seen,
    streams: f.streams.map((s) => ({
      name: s.name,
      lines: s.lines,
      records: s.records,
      ...(s.duplicates > 0 ? { duplicates: s.duplicates } : {}),
      ...(s.otherContainers.length > 0 ? { otherContainers: otherContainerLines(s) } : {}),
      // A role a flag gave is kept, entries or not: the person named the file so, and silent-inputs says it held none.
      ...(s.records + s.duplicates === 0 && roleFlagOf(f, s.name) === null ? NO_RECORDS : streamRole(s.name, f.roles)),
      firstSeen: msToIso(s.firstMs),
      lastSeen: msToIso(s.lastMs),
      ...(s.stopped ? { incomplete: 'stopped' as const } : s.error !== null ? { incomplete: 'failed' as const } : {}),
    })),
    unmatchedSidecar: f.engine.unmatchedSidecar,
    unmatchedGateway: f.engine.unmatchedGateway,
    evicted: f.engine.evicted,
    window: f.window,
    warnings: warnings(f, seen),
  };
}
