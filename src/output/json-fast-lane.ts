import { F, RECORD_KEYS } from '../../parsers/index.js';
import type { ByteSink } from './byte-sink.js';
import { copyString, DASH, hasScheme, isDash, isDigit, QUOTE } from './fast-bytes.js';
import { IS_NUMERIC, KEY_BYTES, KEY_NULL_BYTES, writeSource, type SourcePrefix } from './record-json.js';

/**
 * The fast lane for Istio's JSON access log: a flat one-line object whose strings need no unescaping
 * is scanned on its bytes (no JSON.parse, no object per line) and written in the record's key order.
 * Anything unusual (escapes, nesting, floats, duplicate keys, non-ASCII...) returns false with nothing
 * written, and the general parser reads the line; both write the same bytes (test/output/fast-lane.test.ts).
 */

const KEY_INDEX: ReadonlyMap<string, number> = new Map(RECORD_KEYS.map((key, i) => [key, i]));
const MARKERS = new Set<number>([F.upstream_cluster, F.response_flags, F.downstream_remote_address, F.upstream_host, F.start_time]);
const FORMAT = Buffer.from(',"format":"istio-json"');
const EXTRA_OPEN = Buffer.from(',"extra":{');
const DOCKER = Buffer.from('{"log":');
const MAX_KEYS = 64;

/** Value kinds as scanned. */
const STRING = 1;
const NUMBER = 2;
const NULL = 3;
const TRUE = 4;
const FALSE = 5;

/** One per stream: it remembers the previous line's key order (a proxy repeats it). */
export class JsonFastLane {
  private readonly keyStart = new Int32Array(MAX_KEYS);
  private readonly keyEnd = new Int32Array(MAX_KEYS);
  private readonly valStart = new Int32Array(MAX_KEYS);
  private readonly valEnd = new Int32Array(MAX_KEYS);
  private readonly kind = new Uint8Array(MAX_KEYS);
  private readonly field = new Int16Array(MAX_KEYS);
  /** Which key slot holds each record field, or -1. */
  private readonly slotOf = new Int16Array(24);
  private count = 0;
  private memo: { key: Buffer; field: number }[] = [];

  /** Writes the record of b[s, e) and returns true, or returns false having written nothing. */
  write(b: Buffer, s: number, e: number, sink: ByteSink, prefix: SourcePrefix, lineNo: number): boolean {
    if (b[s] !== 123 || b[s + 1] !== QUOTE || b[e - 1] !== 125 || startsWith(b, s, DOCKER)) return false;
    if (!this.scan(b, s, e) || !this.identify(b)) return false;
    sink.reserve((e - s) * 2 + 1024 + prefix.file.length);
    const mark = sink.pos;
    if (this.writeFields(b, sink) && this.writeExtras(b, sink)) {
      writeSource(sink, null, prefix, lineNo);
      return true;
    }
    sink.pos = mark;
    return false;
  }

  /** Scans `{"k":v,...}` strictly (no spaces, as Envoy prints it); false on anything else. */
  private scan(b: Buffer, s: number, e: number): boolean {
    let i = s + 1;
    let k = 0;
    for (;;) {
      if (k === MAX_KEYS || b[i] !== QUOTE) return false;
      const ks = i + 1;
      let j = ks;
      while (j < e && b[j] !== QUOTE && b[j] !== 92) j++;
      if (b[j] !== QUOTE || b[j + 1] !== 58) return false;
      this.keyStart[k] = ks;
      this.keyEnd[k] = j;
      i = this.value(b, j + 2, e, k);
      if (i < 0) return false;
      k++;
      if (b[i] === 125) break;
      if (b[i] !== 44) return false;
      i++;
    }
    this.count = k;
    return i === e - 1;
  }

  /** Scans one value starting at `i` into slot `k`; returns the index after it, or -1. */
  private value(b: Buffer, i: number, e: number, k: number): number {
    const c = b[i] as number;
    this.valStart[k] = i;
    if (c === QUOTE) {
      let j = i + 1;
      while (j < e && b[j] !== QUOTE && b[j] !== 92) j++;
      if (b[j] !== QUOTE) return -1; // an escape: the general parser decodes it
      this.valStart[k] = i + 1;
      this.valEnd[k] = j;
      this.kind[k] = STRING;
      return j + 1;
    }
    if (isDigit(c)) {
      let j = i;
      while (j < e && isDigit(b[j] as number)) j++;
      if (j - i > 15 || (c === 48 && j - i > 1)) return -1; // too long, or a leading zero
      this.valEnd[k] = j;
      this.kind[k] = NUMBER;
      return j;
    }
    const word = c === 110 ? 'null' : c === 116 ? 'true' : c === 102 ? 'false' : '';
    if (word === '' || !matchesAt(b, i, word)) return -1; // floats, negatives, nesting
    this.valEnd[k] = i + word.length;
    this.kind[k] = word === 'null' ? NULL : word === 'true' ? TRUE : FALSE;
    return i + word.length;
  }

  /** Maps keys to record fields (the previous line's key order first); false on duplicates or too few markers. */
  private identify(b: Buffer): boolean {
    this.slotOf.fill(-1);
    let markers = 0;
    for (let k = 0; k < this.count; k++) {
      const ks = this.keyStart[k] as number;
      const ke = this.keyEnd[k] as number;
      const m = this.memo[k];
      let f: number;
      if (m !== undefined && sameBytes(b, ks, ke, m.key)) f = m.field;
      else {
        const key = b.toString('latin1', ks, ke);
        if (/^\d+$/.test(key)) return false; // integer-like keys reorder in JSON.parse
        f = KEY_INDEX.get(key) ?? -1;
        this.memo[k] = { key: Buffer.from(key, 'latin1'), field: f };
      }
      this.field[k] = f;
      if (f < 0) continue;
      if (this.slotOf[f] !== -1) return false;
      this.slotOf[f] = k;
      if (MARKERS.has(f)) markers++;
    }
    return markers >= 2;
  }

  private writeFields(b: Buffer, sink: ByteSink): boolean {
    const out = sink.buf;
    let p = sink.pos;
    for (let f = 0; f < 24; f++) {
      const k = this.slotOf[f] as number;
      const p2 = k < 0 ? -2 : this.writeField(b, f, k, out, p + (KEY_BYTES[f] as Buffer).length);
      if (p2 === -1) return false;
      if (p2 === -2) {
        out.set(KEY_NULL_BYTES[f] as Buffer, p);
        p += (KEY_NULL_BYTES[f] as Buffer).length;
      } else {
        out.set(KEY_BYTES[f] as Buffer, p);
        p = p2;
      }
    }
    sink.pos = p;
    sink.buf.set(FORMAT, p);
    sink.pos += FORMAT.length;
    return true;
  }

  /** Writes field `f` from slot `k` at `p`: the end, -2 for null, or -1 when the general parser must decide. */
  private writeField(b: Buffer, f: number, k: number, out: Buffer, p: number): number {
    const kind = this.kind[k] as number;
    let s = this.valStart[k] as number;
    let e = this.valEnd[k] as number;
    if (kind === NULL || (kind === STRING && (e === s || isDash(b, s, e)))) return -2;
    if (kind !== STRING && kind !== NUMBER) return -1;
    if (IS_NUMERIC[f] === 1) {
      if (kind === STRING && (e - s > 15 || (b[s] === 48 && e - s > 1) || !allDigits(b, s, e))) return -1;
      for (let i = s; i < e; i++) out[p++] = b[i] as number;
      return p;
    }
    if (kind === STRING) {
      if (f === F.upstream_cluster && e - s > 1 && b[e - 1] === 59) e--;
      else if (f !== F.upstream_cluster && f >= F.upstream_host && f <= F.downstream_remote_address && hasScheme(b, s, e)) s += 6;
      else if (f === F.method && looksLikeTime(b, s, e)) return -2; // Istio 1.1.0-1.1.2 mapped "method" to START_TIME
    }
    return copyString(b, s, e, out, p);
  }

  /** Keys without a record field go under `extra`, in line order, as the general parser keeps them. */
  private writeExtras(b: Buffer, sink: ByteSink): boolean {
    let first = true;
    for (let k = 0; k < this.count; k++) {
      if (this.field[k] !== -1) continue;
      sink.reserve(16 + (this.keyEnd[k] as number) - (this.keyStart[k] as number) + (this.valEnd[k] as number) - (this.valStart[k] as number));
      sink.bytes(first ? EXTRA_OPEN : COMMA);
      first = false;
      let p = copyString(b, this.keyStart[k] as number, this.keyEnd[k] as number, sink.buf, sink.pos);
      if (p < 0) return false;
      sink.buf[p++] = 58;
      const kind = this.kind[k] as number;
      const s = this.valStart[k] as number;
      const e = this.valEnd[k] as number;
      if (kind === STRING && !isDash(b, s, e)) p = copyString(b, s, e, sink.buf, p);
      else if (kind === STRING) p = putAscii(sink.buf, p, 'null');
      else for (let i = s; i < e; i++) sink.buf[p++] = b[i] as number;
      if (p < 0) return false;
      sink.pos = p;
    }
    if (!first) sink.ascii('}');
    return true;
  }
}

const COMMA = Buffer.from(',');

function putAscii(out: Buffer, p: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[p++] = text.charCodeAt(i);
  return p;
}

function allDigits(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!isDigit(b[i] as number)) return false;
  return e > s;
}

/** `\d{4}-\d\d-\d\dT` at the start: a timestamp where a method should be (the general parser's test). */
function looksLikeTime(b: Buffer, s: number, e: number): boolean {
  if (e - s < 11 || b[s + 4] !== DASH || b[s + 7] !== DASH || b[s + 10] !== 84) return false;
  for (const k of TIME_DIGITS) if (!isDigit(b[s + k] as number)) return false;
  return true;
}

const TIME_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];

function sameBytes(b: Buffer, s: number, e: number, key: Buffer): boolean {
  if (key.length !== e - s) return false;
  for (let i = 0; i < key.length; i++) if (b[s + i] !== key[i]) return false;
  return true;
}

function matchesAt(b: Buffer, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

function startsWith(b: Buffer, s: number, prefix: Buffer): boolean {
  return sameBytes(b, s, Math.min(s + prefix.length, b.length), prefix);
}
