/**
 * The parser's data model. `parsers/` is pure: bytes in, values out, no I/O, never throws on input.
 * Keys and typing follow Istio's typed JSON access log (Istio >= 1.9, FORMATS.md section 2).
 */

/** The record keys, in output order: Istio's JSON access-log key names, so `parse` output reads like Istio's own JSON. */
export const RECORD_KEYS = [
  'start_time',
  'method',
  'path',
  'protocol',
  'response_code',
  'response_flags',
  'response_code_details',
  'connection_termination_details',
  'upstream_transport_failure_reason',
  'bytes_received',
  'bytes_sent',
  'duration',
  'upstream_service_time',
  'x_forwarded_for',
  'user_agent',
  'request_id',
  'authority',
  'upstream_host',
  'upstream_cluster',
  'upstream_local_address',
  'downstream_local_address',
  'downstream_remote_address',
  'requested_server_name',
  'route_name',
] as const;

/** One of the canonical record keys. */
export type RecordKey = (typeof RECORD_KEYS)[number];

/** A value kept under its own name: an operator or JSON key that has no canonical key. */
export type ExtraValue = string | number | boolean | null;

/**
 * One access-log entry, whatever format it came from. A missing value ("-") is null.
 * Numbers are numbers; `upstream_service_time` stays a string because Istio types it as one
 * (it is a header value). Addresses are `ip:port` / `[v6]:port`, other forms (`envoy://...`) verbatim;
 * cluster names carry no trailing `;`.
 */
export interface AccessRecord {
  start_time: string | null;
  method: string | null;
  path: string | null;
  protocol: string | null;
  response_code: number | null;
  response_flags: string | null;
  response_code_details: string | null;
  connection_termination_details: string | null;
  upstream_transport_failure_reason: string | null;
  bytes_received: number | null;
  bytes_sent: number | null;
  duration: number | null;
  upstream_service_time: string | null;
  x_forwarded_for: string | null;
  user_agent: string | null;
  request_id: string | null;
  authority: string | null;
  upstream_host: string | null;
  upstream_cluster: string | null;
  upstream_local_address: string | null;
  downstream_local_address: string | null;
  downstream_remote_address: string | null;
  requested_server_name: string | null;
  route_name: string | null;
  /** Operators and JSON keys without a canonical key, under their own name (e.g. `REQ(X-B3-TRACEID)`, `istio_policy_status`). */
  extra?: Record<string, ExtraValue>;
}

/**
 * The layout that matched a line. Istio 1.23+ prints the same layout as 1.9 (only the operator
 * behind the cluster changed), so both report `istio-1.9`; 1.3 stands for 1.3-1.7.
 */
export type FormatName =
  | 'istio-1.0'
  | 'istio-1.0-tcp'
  | 'istio-1.1-dev'
  | 'istio-1.1'
  | 'istio-1.2'
  | 'istio-1.3'
  | 'istio-1.8'
  | 'istio-1.9'
  | 'envoy'
  | 'istio-json'
  | 'custom';

/**
 * How a line whose layout is not Istio's text held `upstream_local_address` when it gave no socket: Istio's JSON
 * formats always have the key, so a `null` there (typed, Istio >= 1.9) or a `"-"` (untyped, <= 1.8) is the proxy's own
 * "no socket", as a `-` is in Istio's text layouts, where a key left out is a format without the field; 'custom' is a
 * `--format` that has %UPSTREAM_LOCAL_ADDRESS% and printed it empty (the proxy had no socket, not a format without
 * it). 'absent' for every other line (a text line, a JSON line without the key, a custom format without the operator,
 * or a line with a socket).
 */
export type EmptySocket = 'absent' | 'null' | 'dash' | 'custom';

/** Why a line that looked like an access log could not be read; stable codes for counts and `--strict`. */
export type MalformedReason =
  | 'truncated' // cut short: an unterminated quote or too few fields for any layout
  | 'field-count' // a field count no known layout has
  | 'bad-timestamp' // the start time is not a timestamp
  | 'bad-number' // a numeric field (code, bytes, duration) is not a number
  | 'bad-request-line' // the quoted "METHOD PATH PROTOCOL" field cannot be split
  | 'bad-json' // a JSON access-log object that does not parse or has wrong types
  | 'format-mismatch' // a user-given --format did not match the line
  | 'ambiguous-fields' // the fields read two ways (Envoy's default layout: a user agent holding `" "`, or quoted fields appended)
  | 'text-before-entry' // a text access-log entry starts after other text (junk, spaces, an unknown prefix), not at the start of the line
  | 'unknown-envelope' // a JSON record no envelope reader knows holds an access log in one of its strings, or XML/HTML markup holds one (a pipeline's export of another shape)
  | 'no-upstream'; // (an audit's) a JSON access log with neither an upstream_cluster nor an upstream_host key: where it went is not logged, so it cannot be judged

/** Where a record read back came from, as its `source` names it, and the format its line was written in. */
export interface RecordSource {
  file: string;
  line: number;
  /** The record's `format`, when it names one the parser gives; null when it names none (read then as Istio's JSON). */
  format: FormatName | null;
  /** The record has `unlogged` (a parse that says which keys its line did not log wrote it): its null fields are values logged empty. */
  saysUnlogged: boolean;
}

/** What a tooling envelope around a line said (kubectl --timestamps/--prefix, CRI, Docker json-file, stern). */
export interface Envelope {
  /** RFC3339 timestamp the runtime or kubectl wrote, verbatim. */
  timestamp: string | null;
  pod: string | null;
  namespace: string | null;
  container: string | null;
  /** `stdout` / `stderr` where the envelope says. */
  stream: string | null;
  /** The pod's labels, where a log pipeline's record carries them (its role may follow from `istio=egressgateway`). */
  labels: Readonly<Record<string, string>> | null;
  /**
   * A log pipeline's record (json-envelope.ts): the pipeline stored its pods' lines interleaved, about in
   * the order they were written, where `kubectl logs --prefix` prints one pod's log after another.
   */
  exported: boolean;
  /** The line a record of `egress-audit parse` read back came from (records-envelope.ts): its evidence; null for every other line. */
  source: RecordSource | null;
}

/** How one input line was accounted for: every line is exactly one of these (partials join into one logical line). */
export type LineKind = 'record' | 'not-access-log' | 'malformed' | 'too-long';
