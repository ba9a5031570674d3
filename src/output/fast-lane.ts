import { F, LAYOUTS, type Layout } from '../../parsers/index.js';
import type { ByteSink } from './byte-sink.js';
import { copyString, DASH, hasScheme, isDigit, QUOTE } from './fast-bytes.js';
import { IS_NUMERIC, KEY_BYTES, KEY_NULL_BYTES, writeSource, type SourcePrefix } from './record-json.js';

/**
 * `parse`'s fast lane. A plain default-format line (printable ASCII, no envelope, no quote or
 * backslash inside a value, every field as the layout expects) is tokenized on its bytes and its
 * NDJSON copied byte for byte: no string per line or per field. Anything else, even half way, returns
 * false with nothing written, and the general parser (parsers/) reads the line. Both write the same
 * bytes; test/output/fast-lane.test.ts checks that line by line.
 */

const MAX_TOKENS = 48;
const SPACE = 32;
/** Offsets of the digits in `YYYY-MM-DDThh:mm:ss`, after the `[`. */
const TIME_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const FORMAT_BYTES = new Map(LAYOUTS.map((l) => [l.name, Buffer.from(`,"format":"${l.name}"`)]));
const EXTRA_OPEN = Buffer.from(',"extra":{"istio_policy_status":');
/** Layouts the fast lane reads (the glued 1.0.3 request line is left to the general parser). */
const FAST_LAYOUTS = LAYOUTS.filter((l) => !l.slots.some((slot) => slot.kind === 'request-glued'));

function isTime(b: Buffer, s: number, e: number): boolean {
  if (e - s < 19 || b[s + 4] !== DASH || b[s + 7] !== DASH || b[s + 10] !== 84 || b[s + 13] !== 58) return false;
  for (let i = 0; i < TIME_DIGITS.length; i++) if (!isDigit(b[s + (TIME_DIGITS[i] as number)] as number)) return false;
  return true;
}

function isNumber(b: Buffer, s: number, e: number): boolean {
  if (e - s === 1 && b[s] === DASH) return true;
  if (e <= s || e - s > 15) return false;
  for (let i = s; i < e; i++) if (!isDigit(b[i] as number)) return false;
  return true;
}

function isFlags(b: Buffer, s: number, e: number): boolean {
  if (e - s === 1 && b[s] === DASH) return true;
  let letters = 0;
  for (let i = s; i < e; i++) {
    const c = b[i] as number;
    if (c >= 65 && c <= 90) letters++;
    else if (c === 44 && letters > 0) letters = 0;
    else return false;
  }
  return letters > 0;
}

/** One per stream: it remembers the layout that matched last. */
export class FastLane {
  private readonly start = new Int32Array(MAX_TOKENS);
  private readonly end = new Int32Array(MAX_TOKENS);
  private readonly quoted = new Uint8Array(MAX_TOKENS);
  /** Field ranges by field index (start, end), -1 for a field the layout does not have. */
  private readonly ranges = new Int32Array(48);
  private count = 0;
  private extraStart = -1;
  private extraEnd = -1;
  private layout: Layout = FAST_LAYOUTS[0] as Layout;

  /** Writes the record of b[s, e) and returns true, or returns false having written nothing. */
  write(b: Buffer, s: number, e: number, sink: ByteSink, prefix: SourcePrefix, lineNo: number): boolean {
    if (e - s < 40 || b[s] !== 91 || !isDigit(b[s + 1] as number) || !this.tokenize(b, s, e)) return false;
    const layout = this.match();
    if (layout === null || !this.fields(b, layout)) return false;
    sink.reserve((e - s) * 2 + 1024 + prefix.file.length);
    const mark = sink.pos;
    if (this.writeFields(b, sink) && this.writeRest(b, sink, layout, prefix, lineNo)) return true;
    sink.pos = mark;
    return false;
  }

  /** Splits into tokens (token 0: the bracketed time); false for shapes left to the general parser. */
  private tokenize(b: Buffer, s: number, e: number): boolean {
    let i = s + 1;
    while (i < e && b[i] !== 93) i++;
    if (!isTime(b, s + 1, i) || b[i + 1] !== SPACE) return false;
    this.start[0] = s + 1;
    this.end[0] = i;
    let k = 1;
    for (i += 2; i < e; k++) {
      if (k === MAX_TOKENS) return false;
      let j = i;
      if (b[i] === QUOTE) {
        j++;
        while (j < e && b[j] !== QUOTE) j++;
        if (j >= e || (j + 1 < e && b[j + 1] !== SPACE)) return false; // unterminated, or a quote inside a value
        this.start[k] = i + 1;
        this.quoted[k] = 1;
        i = j + 2;
      } else {
        while (j < e && b[j] !== SPACE) j++;
        this.start[k] = i;
        this.quoted[k] = 0;
        i = j + 1;
      }
      this.end[k] = j;
    }
    this.count = k;
    return true;
  }

  private fits(layout: Layout): boolean {
    if (this.count - 1 !== layout.slots.length) return false;
    const sig = layout.signature;
    for (let i = 0; i < sig.length; i++) if ((this.quoted[i + 1] === 1) !== (sig.charCodeAt(i) === 113)) return false;
    return true;
  }

  private match(): Layout | null {
    if (this.fits(this.layout)) return this.layout;
    const found = FAST_LAYOUTS.find((l) => this.fits(l)) ?? null;
    if (found !== null) this.layout = found;
    return found;
  }

  /** Maps tokens to field ranges with the general parser's checks and normalisations; false on anything unusual. */
  private fields(b: Buffer, layout: Layout): boolean {
    const r = this.ranges;
    r.fill(-1);
    r[0] = this.start[0] as number;
    r[1] = this.end[0] as number;
    this.extraStart = -1;
    for (let i = 0; i < layout.slots.length; i++) {
      const slot = layout.slots[i] as Layout['slots'][number];
      let s = this.start[i + 1] as number;
      let e = this.end[i + 1] as number;
      if (slot.kind === 'request') {
        if (!this.request(b, s, e)) return false;
      } else if (slot.kind === 'quoted-extra') {
        this.extraStart = s;
        this.extraEnd = e;
      } else {
        const f = slot.field;
        if ((slot.kind === 'number' && !isNumber(b, s, e)) || (f === F.response_flags && !isFlags(b, s, e))) return false;
        if (f === F.upstream_cluster && e - s > 1 && b[e - 1] === 59) e--;
        else if (f !== F.upstream_cluster && f >= F.upstream_host && f <= F.downstream_remote_address && hasScheme(b, s, e)) s += 6;
        r[2 * f] = s;
        r[2 * f + 1] = e;
      }
    }
    return true;
  }

  /** `METHOD PATH PROTOCOL` split at the first and last space, as the general parser does. */
  private request(b: Buffer, s: number, e: number): boolean {
    let a = s;
    while (a < e && b[a] !== SPACE) a++;
    let c = e - 1;
    while (c > a && b[c] !== SPACE) c--;
    if (a >= e || c <= a) return false; // "-" or a request line without protocol: the general parser decides
    const r = this.ranges;
    r[2 * F.method] = s;
    r[2 * F.method + 1] = a;
    r[2 * F.path] = a + 1;
    r[2 * F.path + 1] = c;
    r[2 * F.protocol] = c + 1;
    r[2 * F.protocol + 1] = e;
    return true;
  }

  private writeFields(b: Buffer, sink: ByteSink): boolean {
    const out = sink.buf;
    const r = this.ranges;
    let p = sink.pos;
    for (let f = 0; f < 24; f++) {
      const s = r[2 * f] as number;
      const e = r[2 * f + 1] as number;
      const missing = s < 0 || e <= s || (e - s === 1 && b[s] === DASH);
      const key = (missing ? KEY_NULL_BYTES[f] : KEY_BYTES[f]) as Buffer;
      out.set(key, p);
      p += key.length;
      if (missing) continue;
      if (IS_NUMERIC[f] === 1) {
        for (let i = s; i < e; i++) out[p++] = b[i] as number;
      } else if ((p = copyString(b, s, e, out, p)) < 0) return false;
    }
    sink.pos = p;
    return true;
  }

  /** `format`, the mixer status under `extra` (Istio 1.1-1.7), and `source`. */
  private writeRest(b: Buffer, sink: ByteSink, layout: Layout, prefix: SourcePrefix, lineNo: number): boolean {
    sink.bytes(FORMAT_BYTES.get(layout.name) as Buffer);
    const s = this.extraStart;
    if (s >= 0) {
      const e = this.extraEnd;
      sink.bytes(EXTRA_OPEN);
      if (e - s === 1 && b[s] === DASH) sink.ascii('null');
      else {
        const p = copyString(b, s, e, sink.buf, sink.pos);
        if (p < 0) return false;
        sink.pos = p;
      }
      sink.ascii('}');
    }
    writeSource(sink, null, prefix, lineNo);
    return true;
  }
}
