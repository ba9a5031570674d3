import { ALL_FIELDS, F } from './record-view.js';
import type { FormatName, EmptySocket } from './types.js';

/**
 * The default text layouts of Istio and Envoy as data (FORMATS.md sections 1 and 3): the tokens after
 * `[%START_TIME%]`, each with its quoting and the field it fills.
 */

/** How one token is read: the request line, a quoted or bare field, a bare number, or a quoted extra. */
export type SlotKind = 'request' | 'request-glued' | 'quoted' | 'bare' | 'number' | 'quoted-extra';

/** One token of a layout. */
export interface Slot {
  kind: SlotKind;
  /** Field index (F.*) for field slots. */
  field: number;
  /** Name under `extra` for quoted-extra slots. */
  extra?: string;
}

/** A known layout: its name and its token slots after the timestamp. */
export interface Layout {
  name: FormatName;
  slots: readonly Slot[];
  /** Quoting of each slot ('q' or 'u'), compared with a line's tokens before anything else. */
  signature: string;
  /**
   * The quoted slots of headers the client sets (User-Agent, X-Request-ID, X-Forwarded-For, :authority, in the order a
   * reading gives them a line's extra tokens), which Envoy's text format writes unescaped: any of them may hold `" "`.
   */
  clientSlots: readonly number[];
  /**
   * Every slot after the user agent is quoted (Envoy's default): a line with extra quoted tokens then
   * reads two ways, a user agent holding `" "` or quoted fields appended at the end.
   */
  quotedTail: boolean;
  /** The fields it has no place for (bit i: field i), which its records name as `unlogged`. */
  unlogged: number;
}

const req: Slot = { kind: 'request', field: -1 };
const glued: Slot = { kind: 'request-glued', field: -1 };
const q = (field: number): Slot => ({ kind: 'quoted', field });
const b = (field: number): Slot => ({ kind: 'bare', field });
const n = (field: number): Slot => ({ kind: 'number', field });
const mixer: Slot = { kind: 'quoted-extra', field: -1, extra: 'istio_policy_status' };

/** `"xff" "ua" "rid" "authority" "upstream_host"`, common to every HTTP-capable layout. */
const HEADERS = [q(F.x_forwarded_for), q(F.user_agent), q(F.request_id), q(F.authority), q(F.upstream_host)];
/** `cluster upstream_local downstream_local downstream_remote`, from Istio 1.0.3 on. */
const ADDRESSES = [b(F.upstream_cluster), b(F.upstream_local_address), b(F.downstream_local_address), b(F.downstream_remote_address)];
/** `rx tx duration upstream_service_time`. */
const COUNTERS = [n(F.bytes_received), n(F.bytes_sent), n(F.duration), b(F.upstream_service_time)];

/** Headers the client sets, as fields: the user agent first, the header most often holding quotes and spaces. */
const CLIENT_FIELDS: readonly number[] = [F.user_agent, F.request_id, F.x_forwarded_for, F.authority];

/** The fields a layout's tokens (and its leading start time) fill, as bits. */
function filledBits(slots: readonly Slot[]): number {
  let bits = 1 << F.start_time;
  for (const s of slots) {
    if (s.kind === 'request' || s.kind === 'request-glued') bits |= (1 << F.method) | (1 << F.path) | (1 << F.protocol);
    else if (s.field >= 0) bits |= 1 << s.field;
  }
  return bits;
}

function layout(name: FormatName, slots: Slot[]): Layout {
  const signature = slots.map((s) => (s.kind === 'bare' || s.kind === 'number' ? 'u' : 'q')).join('');
  const userAgentSlot = slots.findIndex((s) => s.field === F.user_agent);
  const clientSlots = CLIENT_FIELDS.map((field) => slots.findIndex((s) => s.kind === 'quoted' && s.field === field)).filter((i) => i >= 0);
  return { name, slots, signature, clientSlots, quotedTail: userAgentSlot >= 0 && !signature.includes('u', userAgentSlot), unlogged: ALL_FIELDS & ~filledBits(slots) };
}

/** Every default layout, the most common first (detection tries them in this order). */
export const LAYOUTS: readonly Layout[] = [
  layout('istio-1.9', [
    req, n(F.response_code), b(F.response_flags), b(F.response_code_details), b(F.connection_termination_details),
    q(F.upstream_transport_failure_reason), ...COUNTERS, ...HEADERS, ...ADDRESSES, b(F.requested_server_name), b(F.route_name),
  ]),
  layout('istio-1.3', [
    req, n(F.response_code), b(F.response_flags), mixer, q(F.upstream_transport_failure_reason), ...COUNTERS, ...HEADERS,
    ...ADDRESSES, b(F.requested_server_name), b(F.route_name),
  ]),
  layout('istio-1.8', [
    req, n(F.response_code), b(F.response_flags), q(F.upstream_transport_failure_reason), ...COUNTERS, ...HEADERS,
    ...ADDRESSES, b(F.requested_server_name), b(F.route_name),
  ]),
  layout('istio-1.2', [
    req, n(F.response_code), b(F.response_flags), mixer, q(F.upstream_transport_failure_reason), ...COUNTERS, ...HEADERS,
    ...ADDRESSES, b(F.requested_server_name),
  ]),
  layout('istio-1.1', [req, n(F.response_code), b(F.response_flags), mixer, ...COUNTERS, ...HEADERS, ...ADDRESSES, b(F.requested_server_name)]),
  layout('istio-1.1-dev', [req, n(F.response_code), b(F.response_flags), ...COUNTERS, ...HEADERS, ...ADDRESSES, b(F.requested_server_name)]),
  layout('istio-1.0', [glued, n(F.response_code), b(F.response_flags), ...COUNTERS, ...HEADERS, ...ADDRESSES]),
  layout('istio-1.0-tcp', [b(F.response_flags), n(F.bytes_received), n(F.bytes_sent), n(F.duration), q(F.upstream_host), ...ADDRESSES]),
  layout('envoy', [req, n(F.response_code), b(F.response_flags), ...COUNTERS, ...HEADERS]),
];

/** The fields the format `name` has no place for when it is a text layout's (its name says which); 0 for the rest, whose lines say. */
export function layoutUnlogged(name: FormatName): number {
  return layoutByName(name)?.unlogged ?? 0;
}

/** The layout with this name, for `--format istio-1.3` and the like. */
export function layoutByName(name: string): Layout | undefined {
  return LAYOUTS.find((l) => l.name === name);
}

const LOGS_UPSTREAM_SOCKET: ReadonlySet<FormatName> = new Set(
  LAYOUTS.filter((l) => l.slots.some((s) => s.field === F.upstream_local_address)).map((l) => l.name),
);

/**
 * The text layout whose socket field a line's matches: its own, or for a JSON line that had the key with no socket
 * (Istio's JSON formats always have it), typed `null` (Istio >= 1.9) as 1.9's and untyped `"-"` (<= 1.8) as the
 * older layouts': a 1.8 proxy fills an HTTP request's socket and older ones do not, and the line does not say which.
 * A custom format with the operator reads as 1.9's: Envoy fills it whenever it connected, HTTP included (only Istio
 * proxies before 1.8, which custom formats on them would show as an unjoined no-connection entry, did not).
 */
function socketLayout(format: FormatName, empty: EmptySocket): FormatName {
  if (empty === 'absent') return format;
  return empty === 'dash' ? 'istio-1.3' : 'istio-1.9';
}

/** Whether a line has a place for %UPSTREAM_LOCAL_ADDRESS% (Istio's text layouts and JSON formats), so that a `-` there is the proxy's, not the format's. */
export function hasUpstreamSocketField(format: FormatName, empty: EmptySocket): boolean {
  return LOGS_UPSTREAM_SOCKET.has(socketLayout(format, empty));
}

/** Istio's text layouts from 1.8 on, whose proxies fill %UPSTREAM_LOCAL_ADDRESS% for every HTTP request that connected. */
const LOGS_HTTP_UPSTREAM_SOCKET: ReadonlySet<FormatName> = new Set(['istio-1.9', 'istio-1.8']);

/**
 * Whether a `-` for %UPSTREAM_LOCAL_ADDRESS% in a line means no socket was made: every line of Istio's text layouts
 * has a place for it, filled on TCP lines whenever they connected, and on HTTP lines from Istio 1.8 on; older
 * proxies printed `-` for HTTP requests that did connect and were answered (FORMATS.md section 6; the corpus has an
 * Istio 1.1 sidecar's 200 and an Istio 1.3 gateway's 301 so). Istio's JSON formats always have the key, so a JSON
 * line that has it empty reads as the text layouts do (socketLayout); Envoy's default and custom formats, and a JSON
 * line without the key, may leave the field out altogether.
 */
export function logsUpstreamSocket(format: FormatName, http: boolean, empty: EmptySocket): boolean {
  const layout = socketLayout(format, empty);
  return LOGS_UPSTREAM_SOCKET.has(layout) && (!http || LOGS_HTTP_UPSTREAM_SOCKET.has(layout));
}
