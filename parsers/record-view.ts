import { RECORD_KEYS, type AccessRecord, type Envelope, type ExtraValue, type FormatName, type EmptySocket } from './types.js';

/** Index of each record key in RECORD_KEYS: the parser fills fields by index on the hot path. */
export const F = {
  start_time: 0,
  method: 1,
  path: 2,
  protocol: 3,
  response_code: 4,
  response_flags: 5,
  response_code_details: 6,
  connection_termination_details: 7,
  upstream_transport_failure_reason: 8,
  bytes_received: 9,
  bytes_sent: 10,
  duration: 11,
  upstream_service_time: 12,
  x_forwarded_for: 13,
  user_agent: 14,
  request_id: 15,
  authority: 16,
  upstream_host: 17,
  upstream_cluster: 18,
  upstream_local_address: 19,
  downstream_local_address: 20,
  downstream_remote_address: 21,
  requested_server_name: 22,
  route_name: 23,
} as const;

/** Number of canonical fields. */
export const FIELD_COUNT = RECORD_KEYS.length;

/** Every field's bit (bit i: field i), as RecordView.unlogged starts for a line whose keys say what it logs. */
export const ALL_FIELDS = (1 << FIELD_COUNT) - 1;

/** RecordView.unlogged of a custom format's record read back that does not say (an older parse wrote it): not known, so not written. */
export const UNLOGGED_UNKNOWN = -1;

/** Fields printed as JSON numbers (Istio >= 1.9 typing); everything else is a string or null. */
export const NUMERIC_FIELDS: ReadonlySet<number> = new Set([F.response_code, F.bytes_received, F.bytes_sent, F.duration]);

/** Fields holding `ip:port` addresses, normalised on the way in. */
export const ADDRESS_FIELDS: ReadonlySet<number> = new Set([
  F.upstream_host,
  F.upstream_local_address,
  F.downstream_local_address,
  F.downstream_remote_address,
]);

/**
 * One parsed line, without allocating a string per field: text formats record offsets into `text`,
 * JSON formats record decoded values. Reused from line to line by a LineParser (copy what you keep).
 */
export class RecordView {
  /** The text the offsets index into (the line after envelopes were stripped). */
  text = '';
  /** Start offset of each field in `text`, or -1 when the field is missing (null). */
  readonly start = new Int32Array(FIELD_COUNT);
  /** End offset (exclusive) of each field in `text`. */
  readonly end = new Int32Array(FIELD_COUNT);
  /** Decoded values (JSON formats); when `hasValues` is set these win over the offsets. */
  readonly values: (string | number | null)[] = new Array<string | number | null>(FIELD_COUNT).fill(null);
  hasValues = false;
  /** Values kept under their own name (other operators, unknown JSON keys, trailing fields). */
  extraNames: string[] = [];
  extraValues: ExtraValue[] = [];
  format: FormatName = 'istio-1.9';
  /** A JSON line's `upstream_local_address` key when it held no socket (null, or "-"), or a custom format's operator printed empty; 'absent' otherwise. */
  emptySocket: EmptySocket = 'absent';
  /**
   * The fields the line's format has no place for, bit i for field i: not logged at all, where a null field the
   * format has is a value the proxy logged empty. The record says so (`unlogged`), so that an audit of the record
   * reads the line as an audit of the line does (a JSON line without upstream keys is no local reply).
   */
  unlogged = 0;
  /** What the envelope said, or null when the line had none. */
  envelope: Envelope | null = null;

  /** Clears the view for a new line of text-format offsets; `unlogged` the fields its layout has no place for. */
  resetText(text: string, format: FormatName, unlogged = 0): void {
    this.text = text;
    this.start.fill(-1);
    this.end.fill(-1);
    this.hasValues = false;
    if (this.extraNames.length > 0) {
      this.extraNames = [];
      this.extraValues = [];
    }
    this.format = format;
    this.emptySocket = 'absent';
    this.unlogged = unlogged;
  }

  /** Clears the view for a line whose fields are decoded values; `unlogged` as resetText's (ALL_FIELDS: its keys say, logs() as read). */
  resetValues(text: string, format: FormatName, unlogged = 0): void {
    this.resetText(text, format, unlogged);
    this.values.fill(null);
    this.hasValues = true;
  }

  /** Records field `i` as text[s, e), or null when the slice is Envoy's "-". */
  setRange(i: number, s: number, e: number): void {
    if (e - s === 1 && this.text.charCodeAt(s) === 45 /* - */) return;
    if (e <= s) return;
    this.start[i] = s;
    this.end[i] = e;
  }

  /** Marks field `i` as one the line's format logs (a key or operator for it was read), whatever its value. */
  logs(i: number): void {
    this.unlogged &= ~(1 << i);
  }

  /** Adds a value kept under its own name. */
  addExtra(name: string, value: ExtraValue): void {
    this.extraNames.push(name);
    this.extraValues.push(value);
  }

  /** The string value of field `i`, or null. */
  str(i: number): string | null {
    if (this.hasValues) {
      const v = this.values[i];
      return v === null || v === undefined ? null : String(v);
    }
    const s = this.start[i] as number;
    return s < 0 ? null : this.text.slice(s, this.end[i]);
  }

  /** The numeric value of field `i` (NaN when it is not a number), or null. */
  num(i: number): number | null {
    if (this.hasValues) {
      const v = this.values[i];
      return v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v);
    }
    const s = this.start[i] as number;
    return s < 0 ? null : numberAt(this.text, s, this.end[i] as number);
  }
}

/** The number in text[s, e) (NaN when it is not one): plain digits, what Envoy writes, are read in place without a string. */
export function numberAt(text: string, s: number, e: number): number {
  if (e - s > 15) return Number(text.slice(s, e));
  let n = 0;
  for (let k = s; k < e; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return Number(text.slice(s, e));
    n = n * 10 + d;
  }
  return n;
}

/** Materialises a view into a plain AccessRecord (for the engine and tests); the hot NDJSON path avoids this. */
export function toRecord(view: RecordView): AccessRecord {
  // One object literal, so every record shares one hidden class (fast property reads in the engine).
  const record: AccessRecord = {
    start_time: view.str(F.start_time),
    method: view.str(F.method),
    path: view.str(F.path),
    protocol: view.str(F.protocol),
    response_code: view.num(F.response_code),
    response_flags: view.str(F.response_flags),
    response_code_details: view.str(F.response_code_details),
    connection_termination_details: view.str(F.connection_termination_details),
    upstream_transport_failure_reason: view.str(F.upstream_transport_failure_reason),
    bytes_received: view.num(F.bytes_received),
    bytes_sent: view.num(F.bytes_sent),
    duration: view.num(F.duration),
    upstream_service_time: view.str(F.upstream_service_time),
    x_forwarded_for: view.str(F.x_forwarded_for),
    user_agent: view.str(F.user_agent),
    request_id: view.str(F.request_id),
    authority: view.str(F.authority),
    upstream_host: view.str(F.upstream_host),
    upstream_cluster: view.str(F.upstream_cluster),
    upstream_local_address: view.str(F.upstream_local_address),
    downstream_local_address: view.str(F.downstream_local_address),
    downstream_remote_address: view.str(F.downstream_remote_address),
    requested_server_name: view.str(F.requested_server_name),
    route_name: view.str(F.route_name),
  };
  if (view.extraNames.length > 0) {
    const extra: Record<string, ExtraValue> = {};
    for (let i = 0; i < view.extraNames.length; i++) extra[view.extraNames[i] as string] = view.extraValues[i] as ExtraValue;
    record.extra = extra;
  }
  return record;
}
