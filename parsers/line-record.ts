/**
 * A record that keeps its line and reads each field from it when asked. The engine holds gateway-bound
 * entries for the join window (seconds of traffic: ~250,000 entries in a busy live watch); a plain
 * record is 24 strings and an object, ~1 KB that the young-generation GC copies twice. This one is
 * the line (already kept as the entry's evidence), its offsets (96 bytes in a shared slab, outside the
 * heap the GC copies) and the object.
 */
import { F, FIELD_COUNT, numberAt, toRecord, type RecordView } from './record-view.js';
import type { AccessRecord } from './types.js';

/** Offsets are stored as UTF-16 code units, so lines this long or longer keep a plain record. */
const MAX_TEXT = 0xffff;
/** The start code unit of a missing field (no text offset reaches MAX_TEXT). */
const MISSING = 0xffff;

/** Units of one slab of offsets: 2 per field, so ~170 records share one (a 16 KB typed array, not a string each). */
const SLAB_UNITS = 8192;
let slab = new Uint16Array(SLAB_UNITS);
let slabUsed = 0;

/**
 * The lazy AccessRecord of a text-format line: its offsets are 2 units per field in a shared slab
 * from `#at` on, each field's start and end in `text` (start MISSING: the field is null). Private, so
 * that equality in tests sees the text alone. Every read slices afresh, so readers that use a field
 * many times should keep it in a local.
 */
export class LineRecord implements AccessRecord {
  readonly #slab: Uint16Array;
  readonly #at: number;

  constructor(
    /** The text the offsets index into (the line after its envelope). */
    readonly text: string,
    slab: Uint16Array,
    at: number,
  ) {
    this.#slab = slab;
    this.#at = at;
  }

  /** Field `i` as a string, or null. */
  str(i: number): string | null {
    const k = this.#at + 2 * i;
    const s = this.#slab[k] as number;
    return s === MISSING ? null : this.text.slice(s, this.#slab[k + 1]);
  }

  /** Field `i` as a number (NaN when it is not one), or null: the same reading as RecordView.num. */
  num(i: number): number | null {
    const k = this.#at + 2 * i;
    const s = this.#slab[k] as number;
    if (s === MISSING) return null;
    return numberAt(this.text, s, this.#slab[k + 1] as number);
  }

  /** Unpacks the offsets into RecordView's layout (start -1: null), for writers that read the text in place. */
  spansInto(start: Int32Array, end: Int32Array): void {
    const units = this.#slab;
    const at = this.#at;
    for (let i = 0; i < FIELD_COUNT; i++) {
      const s = units[at + 2 * i] as number;
      start[i] = s === MISSING ? -1 : s;
      end[i] = units[at + 2 * i + 1] as number;
    }
  }

  get start_time(): string | null {
    return this.str(F.start_time);
  }
  get method(): string | null {
    return this.str(F.method);
  }
  get path(): string | null {
    return this.str(F.path);
  }
  get protocol(): string | null {
    return this.str(F.protocol);
  }
  get response_code(): number | null {
    return this.num(F.response_code);
  }
  get response_flags(): string | null {
    return this.str(F.response_flags);
  }
  get response_code_details(): string | null {
    return this.str(F.response_code_details);
  }
  get connection_termination_details(): string | null {
    return this.str(F.connection_termination_details);
  }
  get upstream_transport_failure_reason(): string | null {
    return this.str(F.upstream_transport_failure_reason);
  }
  get bytes_received(): number | null {
    return this.num(F.bytes_received);
  }
  get bytes_sent(): number | null {
    return this.num(F.bytes_sent);
  }
  get duration(): number | null {
    return this.num(F.duration);
  }
  get upstream_service_time(): string | null {
    return this.str(F.upstream_service_time);
  }
  get x_forwarded_for(): string | null {
    return this.str(F.x_forwarded_for);
  }
  get user_agent(): string | null {
    return this.str(F.user_agent);
  }
  get request_id(): string | null {
    return this.str(F.request_id);
  }
  get authority(): string | null {
    return this.str(F.authority);
  }
  get upstream_host(): string | null {
    return this.str(F.upstream_host);
  }
  get upstream_cluster(): string | null {
    return this.str(F.upstream_cluster);
  }
  get upstream_local_address(): string | null {
    return this.str(F.upstream_local_address);
  }
  get downstream_local_address(): string | null {
    return this.str(F.downstream_local_address);
  }
  get downstream_remote_address(): string | null {
    return this.str(F.downstream_remote_address);
  }
  get requested_server_name(): string | null {
    return this.str(F.requested_server_name);
  }
  get route_name(): string | null {
    return this.str(F.route_name);
  }

  /** The same values as own enumerable properties (for JSON.stringify, spreading and test equality). */
  toJSON(): AccessRecord {
    return toPlain(this);
  }
}

/**
 * The record of `view` for keeping past the next line: a LineRecord for a text-format line without
 * extra fields (offsets into its text), otherwise a plain record (decoded values, extras, huge lines).
 */
export function keepRecord(view: RecordView): AccessRecord {
  if (view.hasValues || view.extraNames.length > 0 || view.text.length >= MAX_TEXT) return toRecord(view);
  if (slabUsed + 2 * FIELD_COUNT > SLAB_UNITS) {
    slab = new Uint16Array(SLAB_UNITS); // the records of the full one keep it as long as they live
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += 2 * FIELD_COUNT;
  for (let i = 0; i < FIELD_COUNT; i++) {
    const s = view.start[i] as number;
    slab[at + 2 * i] = s < 0 ? MISSING : s;
    slab[at + 2 * i + 1] = s < 0 ? 0 : (view.end[i] as number);
  }
  return new LineRecord(view.text, slab, at);
}

/** Any record as a plain object with every key as an own property. */
export function toPlain(r: AccessRecord): AccessRecord {
  const plain: AccessRecord = {
    start_time: r.start_time,
    method: r.method,
    path: r.path,
    protocol: r.protocol,
    response_code: r.response_code,
    response_flags: r.response_flags,
    response_code_details: r.response_code_details,
    connection_termination_details: r.connection_termination_details,
    upstream_transport_failure_reason: r.upstream_transport_failure_reason,
    bytes_received: r.bytes_received,
    bytes_sent: r.bytes_sent,
    duration: r.duration,
    upstream_service_time: r.upstream_service_time,
    x_forwarded_for: r.x_forwarded_for,
    user_agent: r.user_agent,
    request_id: r.request_id,
    authority: r.authority,
    upstream_host: r.upstream_host,
    upstream_cluster: r.upstream_cluster,
    upstream_local_address: r.upstream_local_address,
    downstream_local_address: r.downstream_local_address,
    downstream_remote_address: r.downstream_remote_address,
    requested_server_name: r.requested_server_name,
    route_name: r.route_name,
  };
  if (r.extra !== undefined) plain.extra = r.extra;
  return plain;
}
