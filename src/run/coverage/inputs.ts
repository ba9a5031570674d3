/** What each input's role and silence say: the role a stream is reported with, why an input held no entry, and inputs of a role that held none. */
import type { CoverageWarning, StreamCoverage } from '../../report/model.js';
import type { PlainTally, StreamFacts } from '../../pipeline/audit-pipeline.js';
import { plural } from '../../text/plural.js';
import type { Role, RoleAssignment } from '../../types.js';
import type { CoverageFacts } from '../coverage.js';
import { otherContainerLines } from './lines.js';
import { listed, MAX_LISTED_STREAMS } from './listing.js';

/** What turning access logging on takes, for logs or exports that held only the proxies' other lines. */
const SWITCH_LOGGING_ON = "Istio's default profile writes none: switch it on with a Telemetry resource in istio-system whose accessLogging names the envoy provider, or meshConfig.accessLogFile: /dev/stdout (see the README).";

/** An input of lines that each held nothing (white space, a byte-order mark): as good as empty, not a log with access logging off. */
function blankOnly(s: StreamFacts): boolean {
  return s.lines > 0 && s.blankLines === s.lines && s.jsonArray === null;
}

/** Inputs of nothing but pretty-printed JSON (every line not an access log, some a lone `{`): one entry cut over many lines, not a log without entries. */
function prettyOnly(s: StreamFacts): boolean {
  return s.prettyJsonOpens > 0 && s.notAccessLog + s.unknownEnvelopes === s.lines; // an entry's own upstream_cluster line is unknown-envelope
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
  if (s.unfollowed === true) return cause('never followed: streams-unfollowed says why');
  if (s.lines === 0 && s.error !== null) return cause('no line of it was read');
  if (s.lines === 0) return cause(s.kind === 'pod' ? 'logged nothing while it was followed' : 'empty: the save or export failed, or its proxy logged nothing in that time');
  if (blankOnly(s)) return cause('only blank lines: as good as empty');
  if (otherContainerLines(s) > 0 && s.notAccessLog === s.lines) return cause("only lines of containers other than the proxy's, not audited: other-containers says why");
  if (s.jsonArray !== null && s.jsonArray.elements === 0) return cause("a JSON array export of no records, which says nothing of the proxies' logging: check the query and the time range it was exported with");
  if (s.jsonArray !== null && s.jsonArray.notAccessLog === s.jsonArray.elements) {
    return cause("a JSON array export holding no access log: check that its query selects the istio-proxy container's logs; if it does, access logging is off", true);
  }
  if (s.jsonArray === null && prettyOnly(s)) return cause('pretty-printed JSON, each object opened by a line of only `{`, as `jq` prints without -c: egress-audit reads one JSON object per line, so print it with `jq -c`');
  if (s.ztunnel > 0 && s.notAccessLog === s.lines) return cause("ztunnel's log (Istio ambient mode), whose access lines egress-audit does not read: ztunnel-logs says why");
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
export function noRecordsCauses(streams: readonly StreamFacts[]): string {
  const said = streams.filter((s) => (s.lines > 0 || s.error === null) && silence(s).unparsed !== true);
  return said.length === 0 ? '' : ` By input: ${silentListed(said)}.${switchOnWhenOff(said)}`;
}

/** The roles whose missing logs coverage warns about (an ingress gateway's are not needed for an egress audit). */
export type JoinedRole = Exclude<Role, 'ingress-gateway'>;

/** Inputs read in `role` that held no access-log entry, each with its likely cause; '' when there are none. */
export function silentLogs(f: CoverageFacts, role: JoinedRole, byStream: RolesByStream): string {
  // An empty input is named, as a save that failed; not a live container that logged nothing while followed (a quiet pod), nor one that failed (stream-errors).
  const silent = f.streams.filter((s) => s.records === 0 && s.duplicates === 0 && (s.lines > 0 || (s.error === null && s.kind !== 'pod')) && streamRole(s.name, byStream).role === role);
  return silent.length === 0 ? '' : ` Read as ${role} logs but holding no access-log entry: ${silentListed(silent)}.${switchOnWhenOff(silent)}`;
}

/** The role a stream is reported with: a stream without a single record (a README, an empty file) has none worth stating. */
export const NO_RECORDS: Pick<StreamCoverage, 'role' | 'roleRule'> = { role: 'unknown', roleRule: 'no-records' };

/** Each stream's role assignments, under the stream's name: its own and its pods' (`name#pod`), in the order they were made. */
export type RolesByStream = ReadonlyMap<string, readonly RoleAssignment[]>;

/**
 * The role assignments of `roles` grouped by the stream they belong to (a key, or any part of it before a `#`), built once
 * per report: looked up stream by stream in the map itself, 30,000 inputs took 30,000 scans of 30,000 roles.
 */
export function rolesByStream(roles: ReadonlyMap<string, RoleAssignment>): RolesByStream {
  const index = new Map<string, RoleAssignment[]>();
  const add = (name: string, assignment: RoleAssignment): void => {
    const own = index.get(name);
    if (own === undefined) index.set(name, [assignment]);
    else own.push(assignment);
  };
  for (const [key, assignment] of roles) {
    add(key, assignment);
    // A stream whose own name holds a `#` is one of the names before each `#` of its pods' keys.
    for (let at = key.indexOf('#'); at >= 0; at = key.indexOf('#', at + 1)) add(key.slice(0, at), assignment);
  }
  return index;
}

/** The role a stream is reported with: its own, or `mixed` when the pods inside it have several (a `--prefix` file of sidecars and a gateway). */
export function streamRole(name: string, byStream: RolesByStream): Pick<StreamCoverage, 'role' | 'roleRule'> {
  const own = byStream.get(name) ?? [];
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
export function anyRoleWithRecords(f: CoverageFacts, role: Role): boolean {
  const withRecords = new Set(f.streams.filter((s) => s.records > 0).map((s) => s.name));
  for (const [key, a] of f.roles) {
    if (a.role !== role) continue;
    if (withRecords.has(key)) return true;
    // `name#pod`: a pod inside a stream (the stream's name may hold a `#` itself).
    for (let i = key.indexOf('#'); i >= 0; i = key.indexOf('#', i + 1)) if (withRecords.has(key.slice(0, i))) return true;
  }
  return false;
}

/** The role flag (`--sidecar`, `--gateway`, `--ingress`) that gave a file `assignment`, or null when none did: the person named the file so. */
export function roleFlag(assignment: RoleAssignment | undefined): string | null {
  return /^flag:(--(?:sidecar|gateway|ingress))$/.exec(assignment?.rule ?? '')?.[1] ?? null;
}

/** The role flag that gave a file its role in this run, or null. */
export function roleFlagOf(f: CoverageFacts, file: string): string | null {
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
 * failed or were stopped (stream-errors), of other containers' lines (other-containers), with ztunnel's (ztunnel-logs) or of copies (overlapping-inputs).
 * Nor those of a role whose no-*-logs warning names them (`namedByRole`); `byStream`: the run's roles by stream, grouped once. A file a walk or a glob found is named only
 * when it is empty: a directory of logs holds other files (an `expected.json`), and a node's kubelet tree an idle pod's
 * log of its agent's lines, neither a save that failed. Not failing by default: an idle pod's saved log holds only its
 * agent's lines, which is common.
 */
export function silentInputs(f: CoverageFacts, namedByRole: ReadonlySet<JoinedRole>, byStream: RolesByStream): CoverageWarning[] {
  if (f.lines.records === 0) return []; // no-records says it, with the causes
  const named = (s: StreamFacts): boolean => {
    const role = streamRole(s.name, byStream).role;
    return (role === 'sidecar' || role === 'egress-gateway') && namedByRole.has(role);
  };
  const silent = f.streams.filter(
    (s) => s.records === 0 && s.duplicates === 0 && s.error === null && !s.stopped && s.kind !== 'pod' && s.otherContainers.length === 0 && s.ztunnel === 0 && (s.container === null || f.proxyContainers.includes(s.container)) && !named(s) && (!s.walked || s.lines === 0),
  );
  if (silent.length === 0) return [];
  const one = silent.length === 1;
  return [
    {
      code: 'silent-inputs',
      message: `${plural(silent.length, 'input')} held no access-log entry, although the others did: ${silentListed(silent, (s) => withFlag(f, s))}. Nothing of the ${one ? 'proxy it stands' : 'proxies they stand'} for was audited, so ${one ? 'its' : 'their'} direct egress could not have been seen. This fails the run only when asked (--fail-on +silent-inputs), as an idle pod's log holds no entry either.`,
      // The inputs themselves, as many as the message names: failing, the SARIF result is shown at them.
      at: silent.slice(0, MAX_LISTED_STREAMS).map((s) => ({ file: s.name, line: 1 })),
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
export function filteredLogging(f: CoverageFacts): CoverageWarning[] {
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
