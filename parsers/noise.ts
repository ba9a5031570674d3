/**
 * Lines in an istio-proxy log that are not access logs (FORMATS.md section 7): the agent's and
 * Envoy's own log lines and the continuation lines of multi-line dumps. They are counted, never
 * reported as errors; with a custom --format this is what tells "not an access log" from "malformed".
 */

const KNOWN_NOISE: readonly RegExp[] = [
  /^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)\s+(?:info|warn|warning|error|debug|fatal|critical|trace|dbug)\b/i, // pilot-agent / istio-agent
  /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\]\[/, // Envoy's application log before the agent wrapped it (the `[2019-02-21 05:38:48.587][18]` trap)
  /^\[Envoy \(Epoch \d+\)\]/, // hot-restart prefixed Envoy log
  /^\[libprotobuf /,
  /^\s*$/, // blank
  /^-----(?:BEGIN|END) /, // PEM armour
  /^[A-Za-z0-9+/]{40,}={0,2}$/, // PEM / base64 body
  /^\s*'[^']*', '/, // header dumps: ':authority', 'x'
  /^\s*[-\w.]+:(?: |$)/, // YAML dumps: `concurrency: 2`
  /^\s*[{}[\],]\s*$/, // JSON/YAML dump punctuation
  /^\s+\S/, // indented continuation
];

/** True for the shapes of the agent's and Envoy's own log lines and of dump continuations. */
export function isKnownNoise(line: string): boolean {
  for (const re of KNOWN_NOISE) if (re.test(line)) return true;
  return false;
}

/** A piece of an access-log line whose start was lost (`POST /x HTTP/1.1"" 0 DC ...`): malformed, not noise. */
const FRAGMENT = /(?:HTTP\/[0-9.]+|- - -)"+ \d{1,3} /;

/** True when a line without an access-log start still carries the unmistakable middle of one. */
export function isAccessLogFragment(line: string): boolean {
  return FRAGMENT.test(line);
}

/** `[YYYY-MM-DDT` after the first character: where an entry starts inside a line. */
const LATER_ENTRY_START = /.\[\d{4}-\d\d-\d\d[Tt]/;

/**
 * A bracketed time of day opening a line, then a space (`[2024-03-01 10:00:00.123] "GET ...`, `[01/Mar/2024:10:00:00 +0000] "- - -" ...`):
 * the entry's start is there, whole, in a time Envoy's %START_TIME% never writes (a `%START_TIME(<layout>)%`), not a line
 * whose start was lost. Envoy's own `[2024-03-01 10:00:00.123][18][info]` has no space after its bracket.
 */
const OTHER_TIME_START = /^\[([^\]]{1,64})\] /;

/** A time of day in a bracket's text (tested apart from OTHER_TIME_START: one pattern with both backtracked quadratically on a hostile line). */
const TIME_OF_DAY = /\d\d:\d\d:\d\d/;

/** True when the line opens with a bracketed time in a layout Envoy's %START_TIME% never writes: linear in the line's length. */
function opensWithOtherTime(line: string): boolean {
  const bracket = OTHER_TIME_START.exec(line);
  return bracket !== null && TIME_OF_DAY.test(bracket[1] as string);
}

/** An XML or HTML tag opening a line (`<v xml:space="preserve" trunc="0">`, `<pre>`, `<td>`): markup around what follows. */
const MARKUP_OPEN = /^\s*<[A-Za-z][-\w:.]*(?:\s[^>]*)?>/;

/**
 * Why a line with an access log's middle in it (isAccessLogFragment) was not read: `unknown-envelope` when an
 * XML or HTML tag opens it (an export in markup: Splunk's `output_mode=xml`, a saved web page), `text-before-entry`
 * when the entry's own `[timestamp]` start is there but other text precedes it (junk, spaces, a prefix no
 * envelope reader knows), `bad-timestamp` when the line opens with a bracketed time in another layout, else `truncated`
 * (its start was lost).
 */
export function fragmentReason(line: string): 'unknown-envelope' | 'text-before-entry' | 'bad-timestamp' | 'truncated' {
  if (MARKUP_OPEN.test(line)) return 'unknown-envelope';
  if (LATER_ENTRY_START.test(line)) return 'text-before-entry';
  return opensWithOtherTime(line) ? 'bad-timestamp' : 'truncated';
}

/**
 * A JSON access log's upstream_cluster written as YAML: `gcloud logging read` without `--format=json` prints a
 * jsonPayload so, key per line; so, quoted, does pretty-printed JSON not read as objects (`jq` without -c after other
 * lines). One per entry, the line that says an entry is there (read as noise, a YAML dump's key).
 */
const YAML_UPSTREAM = /^\s*(?:- )?(?:upstream_cluster|"upstream_cluster"): +\S/;

/**
 * A text entry's middle with its quotes written as XML or HTML entities (`HTTP/1.1&quot; 200 `), as markup exports write
 * it (Splunk's `output_mode=xml`, a web page): no reader takes such a line, and no access log's own text holds this.
 */
const ESCAPED_FRAGMENT = /(?:HTTP\/[0-9.]+|- - -)(?:&quot;|&#0*34;|&#x0*22;)+ \d{1,3} /i;

/** An Envoy format operator (`%UPSTREAM_CLUSTER%`, `%REQ(X)%`): a line naming one quotes a format (the agent's config), not an entry. */
const FORMAT_OPERATOR = /%[A-Z_]+(?:\([^)]*\))?(?::\d+)?%/;

/**
 * True for a line no reader took for an access log that still carries one: a JSON entry's upstream_cluster written as
 * YAML, a JSON entry's keys inside another text (a CSV export's doubled quotes, a Python dict, escaped JSON), or a text
 * entry escaped as XML, which an export of another shape wraps. Such a line is an entry left unread (unknown-envelope),
 * not the agent's noise.
 */
export function carriesAccessLog(line: string): boolean {
  if (YAML_UPSTREAM.test(line) || ESCAPED_FRAGMENT.test(line)) return true;
  return line.includes('upstream_cluster') && (line.includes('start_time') || line.includes('response_flags')) && !FORMAT_OPERATOR.test(line);
}

/**
 * ztunnel's access line as its plain format writes it (`<RFC 3339 time>\t<level>\taccess\tconnection complete\tsrc.addr=...`;
 * tabs, or spaces where a page or a copy turned them): its `access` target and its message are ztunnel's own.
 */
const ZTUNNEL_TEXT = /^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)\s+[A-Za-z]{4,5}\s+access\s+connection (?:complete|opened)\b/;

/**
 * The same line as ztunnel writes it with LOG_FORMAT=json (`{"level":"info","time":...,"scope":"access","message":"connection complete",...}`),
 * keys in any order, or escaped as a string inside a log pipeline's record (`{"log":"{\\"level\\":...`).
 */
const ZTUNNEL_JSON_SCOPE = /\\?"scope\\?":\s*\\?"access\\?"/;
const ZTUNNEL_JSON_MESSAGE = /\\?"message\\?":\s*\\?"connection (?:complete|opened)\\?"/;

/**
 * True for a line of ztunnel's access log (Istio's ambient mode), plain or JSON: a connection's L4 summary, not an Envoy
 * access log, counted apart among the lines that are not access logs so that coverage can say what the input was.
 * Tested only on lines no reader took (never on a record's line).
 */
export function isZtunnelAccess(line: string): boolean {
  // Every JSON line no reader took comes here (an agent's, an app's): a plain search rules most out before two regexes scan it.
  if (line.charCodeAt(0) === 123 /* { */) return line.includes('connection ') && ZTUNNEL_JSON_SCOPE.test(line) && ZTUNNEL_JSON_MESSAGE.test(line);
  return ZTUNNEL_TEXT.test(line);
}
