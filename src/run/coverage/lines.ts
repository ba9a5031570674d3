/** What the lines themselves say: lines that could not be read, lines of other containers, lines repeated across inputs. */
import type { CoverageWarning, ReportLineCounts } from '../../report/model.js';
import type { StreamFacts } from '../../pipeline/audit-pipeline.js';
import { MAX_REMEMBERED } from '../../pipeline/duplicate-lines.js';
import { plural } from '../../text/plural.js';
import type { LineCounts } from '../../types.js';
import type { CoverageFacts } from '../coverage.js';
import { listed } from './listing.js';
import { compareText } from '../../text/collate.js';

/** How many of the lines could not be read, in words that agree: "3 of 5 lines", "All 3 lines", "The one line" (never "1 of 1 lines"). */
function unparsedShare(unparsed: number, lines: number): string {
  if (unparsed < lines) return `${unparsed} of ${lines} lines`;
  return lines === 1 ? 'The one line' : `All ${lines} lines`;
}

/** `truncated 28, too-long 1`: the unparsed lines by reason, largest first. */
function unparsedByReason(lines: LineCounts): { total: number; text: string } {
  const parts: [string, number][] = Object.entries(lines.malformed).filter((e): e is [string, number] => (e[1] ?? 0) > 0);
  if (lines.tooLong > 0) parts.push(['too-long', lines.tooLong]);
  parts.sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]));
  return { total: parts.reduce((n, [, c]) => n + c, 0), text: parts.map(([r, c]) => `${r} ${c}`).join(', ') };
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

/** Why lines were unknown-envelope (JSON records holding an access log where no envelope reader looks), and the fix; null when none were. */
function unknownEnvelopeHint(lines: CoverageFacts['lines']): string | null {
  const n = lines.malformed['unknown-envelope'] ?? 0;
  if (n === 0) return null;
  return `${plural(n, 'record')} (unknown-envelope) held an access log where egress-audit does not read one (a log pipeline's export of a shape it does not know, a whole API response such as an Elasticsearch _search, YAML such as gcloud logging read prints without --format=json, or XML or HTML such as Splunk's output_mode=xml and a saved web page): export one JSON record per line in a shape the README lists (\`jq -c '.hits.hits[]'\` for a _search response, \`gcloud logging read --format=json\`, Splunk's output_mode=json), or the log lines themselves (\`jq -r '.<key>'\`).`;
}

/** The unparsed-lines warning: lines that looked like access-log entries but could not be read, by reason, and the likely fix; none when every line was read. */
export function unparsedLines(f: CoverageFacts): CoverageWarning[] {
  const unparsed = unparsedByReason(f.lines);
  if (unparsed.total === 0) return [];
  // Each input's first such line: where a SARIF result of a run that fails on them points (code scanning needs a place).
  const at = f.streams.flatMap((s) => (s.firstUnparsedLine === null ? [] : [{ file: s.name, line: s.firstUnparsedLine }]));
  return [
    {
      code: 'unparsed-lines',
      message: `${unparsedShare(unparsed.total, f.lines.lines)} could not be read as access-log entries (${unparsed.text}): any traffic they record was not judged, direct egress included. ${[ansiHint(f.streams), noUpstreamHint(f.lines), unknownEnvelopeHint(f.lines)].filter((h) => h !== null).join(' ') || 'Give each layout the log holds with --format (repeatable: each line is read by the first format that reads it), check --max-line-length and how the logs were copied, or leave unparsed-lines out of --fail-on to let such lines pass.'}`,
      ...(at.length > 0 ? { at } : {}),
    },
  ];
}

/**
 * Lines that read two ways (ambiguous-fields): a header the client sets, which Envoy's text logs write unescaped, held
 * `" "` and what reads as a whole entry's fields, so which fields are the proxy's is the client's to choose. A workload
 * can hide direct egress so, which is why this fails the run by default; none when no line did.
 */
export function ambiguousLines(streams: readonly StreamFacts[]): CoverageWarning[] {
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
export function otherContainerLines(s: StreamFacts): number {
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
export function otherContainers(f: CoverageFacts): CoverageWarning[] {
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

/**
 * Lines of ztunnel's access log (Istio's ambient mode), counted as not access logs: said as what they are, with what in
 * ambient mode can and cannot be audited, rather than left to read as a proxy's log with access logging off; none when
 * no line was.
 */
export function ztunnelLogs(f: CoverageFacts): CoverageWarning[] {
  const from = f.streams.filter((s) => s.ztunnel > 0);
  if (from.length === 0) return [];
  const n = f.lines.ztunnel;
  const unread = f.lines.records === 0 ? 'Nothing was audited.' : "The ambient workloads' egress was not audited; this fails the run only when asked (--fail-on +ztunnel-logs).";
  return [
    {
      code: 'ztunnel-logs',
      message: `${plural(n, 'line')} ${n === 1 ? 'is' : 'are'} ztunnel's access log (Istio ambient mode, \`connection complete\`), in ${listed(from, (s) => `${s.name} (${s.ztunnel})`)}: not audited, and counted as not access logs. egress-audit reads sidecar-mode Envoy access logs only; a ztunnel line is a connection's L4 summary (addresses and workload identities, no host name, no route), with no sidecar entry for a gateway's to join, so it cannot prove whether a connection went through an egress gateway or left directly. ${unread} In ambient mode, egress sent through a waypoint or an egress gateway can be audited from that Envoy's own access log (an egress gateway's given with --gateway), for the gateway's side only: what it cannot prove is that the workloads sent all their external traffic there, as a connection that went around it leaves no Envoy line.`,
    },
  ];
}

/** Lines after a run of NUL bytes (logrotate's copytruncate under a proxy that kept writing): read, and said; none when no line had them. */
export function nulPadding(f: CoverageFacts): CoverageWarning[] {
  const padded = f.streams.filter((s) => s.nulPadded > 0);
  if (padded.length === 0) return [];
  const streams = listed(padded, (s) => `${s.name} (${s.nulPadded})`);
  return [
    {
      code: 'nul-padding',
      message: `${plural(f.lines.nulPadded, 'line')} began with a run of NUL bytes, which logrotate's copytruncate leaves when the proxy keeps writing at its old offset (Envoy on a VM): ${streams}. The NULs were skipped and each line after them was read and counted as usual. Lines written between logrotate's copy and its truncation are in neither file: read the rotated file too.`,
    },
  ];
}

/** Lines with bytes that are not UTF-8 (a Latin-1 pod name, user agent or path; a UTF-16 log's lone surrogate), read as U+FFFD: said, never altered unsaid; none when no line had them. */
export function notUtf8(f: CoverageFacts): CoverageWarning[] {
  const lines = f.streams.filter((s) => s.notUtf8 > 0);
  if (lines.length === 0) return [];
  return [
    {
      code: 'not-utf8',
      message: `${plural(f.lines.notUtf8, 'line')} held bytes that are not UTF-8 (text saved in Latin-1 or another legacy encoding, or cut mid-character; in a UTF-16 log, a unit that is no character, such as a lone surrogate): ${listed(lines, (s) => `${s.name} (${s.notUtf8})`)}. Each such byte was read as U+FFFD (\uFFFD), in an envelope's pod or container name as in the entry, so values holding one (a pod, a user agent, a path) are not as written; the lines were otherwise read and counted as usual.`,
    },
  ];
}

/**
 * Inputs that held the same access-log lines (one pod's log saved twice, overlapping; a node's CRI file beside
 * a kubectl save): each line was audited once, and the report names which inputs overlapped so that the
 * person knows their saves repeat each other rather than wonder at a line count above the records.
 */
export function overlappingInputs(f: CoverageFacts): CoverageWarning[] {
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

/** The counts as a report shows them: `nulPadded`, `notUtf8`, `duplicates`, `otherContainers` and `ztunnel` left out when no line had them. */
export function reportedLines(lines: LineCounts): ReportLineCounts {
  const { nulPadded, notUtf8, duplicates, otherContainers, ztunnel, ...rest } = lines;
  return { ...rest, ...(nulPadded > 0 ? { nulPadded } : {}), ...(notUtf8 > 0 ? { notUtf8 } : {}), ...(duplicates > 0 ? { duplicates } : {}), ...(otherContainers > 0 ? { otherContainers } : {}), ...(ztunnel > 0 ? { ztunnel } : {}) };
}
