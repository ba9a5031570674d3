// AssemblyScript (compiled to WebAssembly by `npm run build`; not part of the TypeScript build).
//
// `parse`'s fast lane, on the bytes of a whole batch: for plain default-format text lines it tokenizes
// each line and maps the tokens to fields by the layout tables the host wrote (parsers/layouts.ts,
// encoded by src/output/fast-lane.ts); for plain Istio JSON lines it scans the flat object and maps
// its keys to fields; either way it writes the line's NDJSON record, until a line it does not take.
// Plain means: printable ASCII, no envelope, no escape, every field as the general parser would read
// it. The host's general parser reads every other line, and both write the same bytes
// (test/output/fast-lane.test.ts checks that line by line, test/output/parse-batch.test.ts batch by batch).

// Table layout (byte offsets from `tables`), written by the host.
const T_LAYOUT_COUNT: usize = 0;
const T_FIELD_COUNT: usize = 4;
const T_LINE_KEY: usize = 16; // offset, length
const T_JSON_FORMAT: usize = 24; // `,"format":"istio-json"`: offset, length
const T_EXTRA_OPEN: usize = 32; // `,"extra":{`: offset, length
const T_UNLOGGED_OPEN: usize = 40; // `,"unlogged":[`: offset, length
const T_LAYOUTS: usize = 64; // LAYOUT_SIZE bytes each
// Per layout: token count after the time (i32), quoting mask (u64 at 8: bit k-1 set when token k is
// quoted), `,"format":"..."` (offset, length at 16), the token of the mixer status or -1 (at 24),
// `,"extra":{"<its name>":` (offset, length at 32), and from 48, 4 bytes per field: its token + 1
// (0: none), its check, its normalisation.
const LAYOUT_SIZE: usize = 256;
const LAYOUT_FIELDS: usize = 48;
const T_FIELDS: usize = 64 + 16 * 256;
// 32 bytes per field: key offset, key length, null-key offset, null-key length (`,"key":` and
// `,"key":null`), numeric (i32), name offset, name length (the bare key, for JSON lines), then a byte of
// JSON flags (JSON_MARKER, JSON_KEEP_DASH) and a byte with its JSON normalisation (TRIM_SEMICOLON, DROP_SCHEME, METHOD_TIME, START_TIME).
const FIELD_SIZE: usize = 32;
const JSON_MARKER: u8 = 1;
const JSON_KEEP_DASH: u8 = 2; // the socket: an untyped line's `"-"` (or `""`) is written `"-"`, not null (record-json.ts recordSocket)
const METHOD_TIME: u8 = 3;
const START_TIME: u8 = 4;

// Which lines run() may take (its `modes`).
const MODE_TEXT: i32 = 1;
const MODE_JSON: i32 = 2;

// Checks (byte 1 of a layout's field entry).
const CHECK_NUMBER: u8 = 1;
const CHECK_FLAGS: u8 = 2;
// Normalisations (byte 2).
const TRIM_SEMICOLON: u8 = 1;
const DROP_SCHEME: u8 = 2;
const REQUEST_METHOD: u8 = 3;
const REQUEST_PATH: u8 = 4;
const REQUEST_PROTOCOL: u8 = 5;

const MAX_TOKENS: i32 = 48;
const SPACE: u8 = 32;
const QUOTE: u8 = 34;
const DASH: u8 = 45;

const tokStart = memory.data(MAX_TOKENS * 4, 16);
const tokEnd = memory.data(MAX_TOKENS * 4, 16);

let tables: usize = 0;
let tokenCount: i32 = 0;
let quotedMask: u64 = 0;
let layoutMemo: i32 = 0;
let outEnd: usize = 0;
let linesDone: i32 = 0;
let stopReason: i32 = 0;

/** First free byte after the module's static data: the host puts its tables there. */
export function heapBase(): usize {
  return __heap_base;
}

/** Where the host wrote the tables. */
export function setTables(at: usize): void {
  tables = at;
}

/** After run(): the end of what was written, the lines taken, and why it stopped (0 end, 1 declined, 2 output full). */
export function resultOut(): usize {
  return outEnd;
}
export function resultLines(): i32 {
  return linesDone;
}
export function resultStop(): i32 {
  return stopReason;
}
/** The layout that matched last (per stream: the host keeps it between batches). */
export function resultMemo(): i32 {
  return layoutMemo;
}

@inline function t32(off: usize): i32 {
  return load<i32>(tables + off);
}

@inline function b(p: i32): u8 {
  return load<u8>(<usize>p);
}

@inline function set32(base: usize, k: i32, v: i32): void {
  store<i32>(base + (<usize>k << 2), v);
}

@inline function get32(base: usize, k: i32): i32 {
  return load<i32>(base + (<usize>k << 2));
}

@inline function isDigit(c: u8): bool {
  return c >= 48 && c <= 57;
}

@inline function two(i: i32): i32 {
  return (<i32>b(i) - 48) * 10 + <i32>b(i + 1) - 48;
}

/**
 * A time parsers/calendar.ts logTimeMs reads, in the shapes Envoy writes: `YYYY-MM-DDThh:mm:ss` of a real
 * date and time (isCalendarTime), a fraction, then `Z` or no zone (UTC). Any other time (an offset, no
 * seconds) is left to the general parser, which reads or refuses it.
 */
function isTime(s: i32, e: i32): bool {
  if (e - s < 19 || b(s + 4) != DASH || b(s + 7) != DASH || b(s + 10) != 84 || b(s + 13) != 58 || b(s + 16) != 58) return false;
  if (
    !(isDigit(b(s)) && isDigit(b(s + 1)) && isDigit(b(s + 2)) && isDigit(b(s + 3)) && isDigit(b(s + 5)) && isDigit(b(s + 6)) &&
    isDigit(b(s + 8)) && isDigit(b(s + 9)) && isDigit(b(s + 11)) && isDigit(b(s + 12)) && isDigit(b(s + 14)) &&
    isDigit(b(s + 15)) && isDigit(b(s + 17)) && isDigit(b(s + 18)))
  ) return false;
  let i = s + 19;
  if (i < e && b(i) == 46) {
    const start = ++i;
    while (i < e && isDigit(b(i))) i++;
    if (i == start) return false;
  }
  if (i < e && b(i) == 90) i++;
  if (i != e) return false;
  const month = two(s + 5);
  const day = two(s + 8);
  if (month < 1 || month > 12 || day < 1 || two(s + 11) > 23 || two(s + 14) > 59 || two(s + 17) > 59) return false;
  if (day <= 28) return true;
  if (month != 2) return day <= (month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31);
  const year = two(s) * 100 + two(s + 2);
  return day == 29 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

function isDash(s: i32, e: i32): bool {
  return e - s == 1 && b(s) == DASH;
}

function isNumber(s: i32, e: i32): bool {
  if (isDash(s, e)) return true;
  if (e <= s || e - s > 15) return false;
  if (b(s) == 48 && e - s > 1) return false; // a leading zero is copied as it is here: the general writer drops it
  for (let i = s; i < e; i++) if (!isDigit(b(i))) return false;
  return true;
}

function isFlags(s: i32, e: i32): bool {
  if (isDash(s, e)) return true;
  let letters = 0;
  for (let i = s; i < e; i++) {
    const c = b(i);
    if (c >= 65 && c <= 90) letters++;
    else if (c == 44 && letters > 0) letters = 0;
    else return false;
  }
  return letters > 0;
}

/** `tcp://` or `udp://`, which old Envoy printed before addresses. */
function hasScheme(s: i32, e: i32): bool {
  if (e - s <= 6 || b(s + 3) != 58 || b(s + 4) != 47 || b(s + 5) != 47) return false;
  return (b(s) == 116 && b(s + 1) == 99 && b(s + 2) == 112) || (b(s) == 117 && b(s + 1) == 100 && b(s + 2) == 112);
}

// What firstByte() stops at.
/** A byte that is not plain (control, DEL, non-ASCII, `"`, `\`), or `c`. */
const STOP_ODD: i32 = 1;
/** Only `c`. */
const STOP_BYTE: i32 = 2;
/** A byte a JSON line cannot hold unescaped-and-plain (control, DEL, non-ASCII, `\`); its newline is one. */
const STOP_JSON: i32 = 3;

/**
 * The first byte from `j` on that `stop` names, 16 bytes at a time; `end` when there is none before
 * it. Reading up to 15 bytes past `end` is safe: the host keeps 16 more bytes after every input.
 */
@inline function firstByte(j: i32, end: i32, stop: i32, c: u8): i32 {
  while (j < end) {
    const v = v128.load(<usize>j);
    let hit = i8x16.eq(v, i8x16.splat(c));
    if (stop != STOP_BYTE) {
      const outside = v128.or(i8x16.lt_u(v, i8x16.splat(32)), i8x16.gt_u(v, i8x16.splat(126)));
      hit = v128.or(v128.or(hit, outside), i8x16.eq(v, i8x16.splat(92)));
      if (stop == STOP_ODD) hit = v128.or(hit, i8x16.eq(v, i8x16.splat(34)));
    }
    const bits = i8x16.bitmask(hit);
    if (bits != 0) {
      const k = j + ctz<i32>(bits);
      return k < end ? k : end;
    }
    j += 16;
  }
  return end;
}

/**
 * Splits the line at `s` into tokens (token 0: the bracketed time) in one pass that also finds its end
 * and checks every byte: returns the position of its newline, or -1 for a line left to the general
 * parser (a byte that would need escaping, a quote inside a value, no newline before `end`, an odd
 * shape). Every byte of a token is written out or checked as a number, so checking them here is the
 * same as checking each value as it is copied.
 */
function tokenize(s: i32, end: i32): i32 {
  let i = firstByte(s + 1, end, STOP_ODD, 93);
  if (i >= end || b(i) != 93 || !isTime(s + 1, i) || b(i + 1) != SPACE) return -1;
  store<i32>(tokStart, s + 1);
  store<i32>(tokEnd, i);
  let quoted: u64 = 0;
  let k = 1;
  i += 2;
  while (true) {
    if (i >= end) return -1;
    let c = b(i);
    if (c == 10) {
      if (b(i - 2) == SPACE) return -1; // spaces after the last field, all of which the general parser trims (parsers/text-format.ts)
      break; // a trailing space ends the line without an empty token
    }
    if (k == MAX_TOKENS) return -1;
    let j: i32;
    if (c == QUOTE) {
      j = firstByte(i + 1, end, STOP_ODD, QUOTE);
      if (j >= end || b(j) != QUOTE) return -1; // unterminated, or a byte to escape
      store<i32>(tokStart + (<usize>k << 2), i + 1);
      store<i32>(tokEnd + (<usize>k << 2), j);
      quoted |= (<u64>1) << <u64>(k - 1);
      k++;
      c = j + 1 < end ? b(j + 1) : 0;
      if (c == 10) {
        i = j + 1;
        break;
      }
      if (c != SPACE) return -1; // a quote inside a value
      i = j + 2;
    } else {
      j = firstByte(i, end, STOP_ODD, SPACE);
      if (j >= end) return -1;
      c = b(j);
      if (c != SPACE && c != 10) return -1; // a byte to escape, or a quote inside a value
      store<i32>(tokStart + (<usize>k << 2), i);
      store<i32>(tokEnd + (<usize>k << 2), j);
      k++;
      if (c == 10) {
        i = j;
        break;
      }
      i = j + 1;
    }
  }
  tokenCount = k;
  quotedMask = quoted;
  return i;
}

@inline function layoutAt(index: i32): usize {
  return tables + T_LAYOUTS + <usize>index * LAYOUT_SIZE;
}

function fits(index: i32): bool {
  const l = layoutAt(index);
  return tokenCount - 1 == load<i32>(l) && quotedMask == load<u64>(l + 8);
}

function match(): i32 {
  if (fits(layoutMemo)) return layoutMemo;
  const count = t32(T_LAYOUT_COUNT);
  for (let i = 0; i < count; i++) {
    if (fits(i)) {
      layoutMemo = i;
      return i;
    }
  }
  return -1;
}

/** memory.copy is a call into the engine; the short copies here (keys, values) are faster inline. */
@inline function copy(dst: usize, src: usize, n: usize): void {
  if (n >= 16) {
    if (n > 128) {
      memory.copy(dst, src, n);
      return;
    }
    let i: usize = 0;
    for (; i + 16 < n; i += 16) v128.store(dst + i, v128.load(src + i));
    v128.store(dst + n - 16, v128.load(src + n - 16)); // the last 16 bytes, overlapping
  } else if (n >= 8) {
    store<u64>(dst, load<u64>(src));
    store<u64>(dst + n - 8, load<u64>(src + n - 8));
  } else if (n >= 4) {
    store<u32>(dst, load<u32>(src));
    store<u32>(dst + n - 4, load<u32>(src + n - 4));
  } else if (n > 0) {
    store<u8>(dst, load<u8>(src));
    store<u8>(dst + n - 1, load<u8>(src + n - 1));
    if (n == 3) store<u8>(dst + 1, load<u8>(src + 1));
  }
}

/** Appends b[s, e) as a JSON string at `p` (tokenize checked that no byte needs escaping). */
@inline function copyString(s: i32, e: i32, p: usize): usize {
  store<u8>(p, QUOTE);
  copy(p + 1, <usize>s, <usize>(e - s));
  p += 1 + <usize>(e - s);
  store<u8>(p, QUOTE);
  return p + 1;
}

@inline function copyTable(p: usize, at: usize): usize {
  const off = <usize>t32(at);
  const len = <usize>t32(at + 4);
  copy(p, tables + off, len);
  return p + len;
}

/** Each field's text after the layout's checks and normalisations (fieldSpans): start (-1: no token) and end. */
const spanStart = memory.data(64 * 4, 16);
const spanEnd = memory.data(64 * 4, 16);

/**
 * Reads the 24 fields of the tokenized line as the layout maps its tokens, with the general parser's
 * checks and normalisations, into spanStart/spanEnd; false for a line left to the general parser.
 */
function fieldSpans(l: usize): bool {
  const count = t32(T_FIELD_COUNT);
  let split = -1; // the request line's first and last space, found once
  let last = -1;
  for (let f = 0; f < count; f++) {
    const entry = l + LAYOUT_FIELDS + (<usize>f << 2);
    const token = <i32>load<u8>(entry) - 1;
    let s = -1;
    let e = -1;
    if (token >= 0) {
      s = load<i32>(tokStart + (<usize>token << 2));
      e = load<i32>(tokEnd + (<usize>token << 2));
      const check = load<u8>(entry + 1);
      if ((check == CHECK_NUMBER && !isNumber(s, e)) || (check == CHECK_FLAGS && !isFlags(s, e))) return false;
      const norm = load<u8>(entry + 2);
      if (norm >= REQUEST_METHOD) {
        if (split < 0) {
          // `METHOD PATH PROTOCOL` split at the first and last space, as the general parser does.
          split = s;
          while (split < e && b(split) != SPACE) split++;
          last = e - 1;
          while (last > split && b(last) != SPACE) last--;
          if (split >= e || last <= split) return false; // "-" or no protocol: the general parser decides
        }
        if (norm == REQUEST_METHOD) e = split;
        else if (norm == REQUEST_PATH) {
          s = split + 1;
          e = last;
        } else s = last + 1;
      } else if (norm == TRIM_SEMICOLON) {
        if (e - s > 1 && b(e - 1) == 59) e--;
      } else if (norm == DROP_SCHEME && hasScheme(s, e)) s += 6;
    }
    set32(spanStart, f, s);
    set32(spanEnd, f, e);
  }
  return true;
}

/** Writes the 24 fields of the line (fieldSpans); returns the end, or 0 for a line left to the general parser. */
function writeFields(p: usize, l: usize): usize {
  if (!fieldSpans(l)) return 0;
  const count = t32(T_FIELD_COUNT);
  for (let f = 0; f < count; f++) {
    const s = get32(spanStart, f);
    const e = get32(spanEnd, f);
    const key = T_FIELDS + <usize>f * FIELD_SIZE;
    if (s < 0 || e <= s || isDash(s, e)) {
      p = copyTable(p, key + 8);
      continue;
    }
    p = copyTable(p, key);
    if (t32(key + 16) == 1) {
      copy(p, <usize>s, <usize>(e - s));
      p += <usize>(e - s);
    } else p = copyString(s, e, p);
  }
  return p;
}

function writeDecimal(p: usize, n: i32): usize {
  let digits = 1;
  for (let x = n; x >= 10; x /= 10) digits++;
  let q = p + <usize>digits;
  let x = n;
  do {
    q--;
    store<u8>(q, <u8>(48 + (x % 10)));
    x /= 10;
  } while (x > 0);
  return p + <usize>digits;
}

/** `format`, and the mixer status under `extra` (Istio 1.1-1.7). */
function writeMixerStatus(p: usize, l: usize): usize {
  p = copyTable(p, l + 16 - tables);
  const extra = load<i32>(l + 24);
  if (extra >= 0) {
    const s = load<i32>(tokStart + (<usize>extra << 2));
    const e = load<i32>(tokEnd + (<usize>extra << 2));
    p = copyTable(p, l + 32 - tables);
    if (isDash(s, e)) {
      store<u32>(p, 0x6c6c756e); // null
      p += 4;
    } else p = copyString(s, e, p);
    store<u8>(p, 125); // }
    p++;
  }
  return p;
}

// ---- Istio JSON lines ----

const MAX_KEYS: i32 = 64;
const STRING: u8 = 1;
const NUMBER: u8 = 2;
const NULL: u8 = 3;
const TRUE: u8 = 4;
const FALSE: u8 = 5;

const keyStart = memory.data(MAX_KEYS * 4, 16);
const keyEnd = memory.data(MAX_KEYS * 4, 16);
const valStart = memory.data(MAX_KEYS * 4, 16);
const valEnd = memory.data(MAX_KEYS * 4, 16);
const valKind = memory.data(MAX_KEYS, 16);
/** The record field of each key (-1: an extra key). */
const keyField = memory.data(MAX_KEYS, 16);
/** The previous JSON line's fields by key position: a proxy repeats its key order, so this is usually right. */
const keyMemo = memory.data(MAX_KEYS, 16);
/** Which key holds each record field, or -1. */
const slotOf = memory.data(64, 16);
let keyCount: i32 = 0;

/**
 * The end of the JSON line at `s`: its newline, or -1 when a byte before it would need escaping or
 * decoding (control, DEL, non-ASCII, a backslash: a line with an escape is left to the general parser).
 */
function jsonLineEnd(s: i32, end: i32): i32 {
  const k = firstByte(s, end, STOP_JSON, 10);
  return k < end && b(k) == 10 ? k : -1;
}

/** Scans one value at `i` (before `nl`) into slot `k`; returns the position after it, or -1. */
function jsonValue(i: i32, nl: i32, k: i32): i32 {
  const c = b(i);
  if (c == QUOTE) {
    const j = firstByte(i + 1, nl, STOP_BYTE, QUOTE);
    if (j >= nl) return -1;
    set32(valStart, k, i + 1);
    set32(valEnd, k, j);
    store<u8>(valKind + <usize>k, STRING);
    return j + 1;
  }
  set32(valStart, k, i);
  if (isDigit(c)) {
    let j = i + 1;
    while (j < nl && isDigit(b(j))) j++;
    if (j - i > 15 || (c == 48 && j - i > 1)) return -1; // too long for a double, or a leading zero
    set32(valEnd, k, j);
    store<u8>(valKind + <usize>k, NUMBER);
    return j;
  }
  const word = load<u32>(<usize>i);
  let kind: u8 = 0;
  let n = 4;
  if (word == 0x6c6c756e) kind = NULL; // null
  else if (word == 0x65757274) kind = TRUE; // true
  else if (word == 0x736c6166 && b(i + 4) == 101) {
    kind = FALSE; // false
    n = 5;
  } else return -1; // floats, negatives, nesting, spaces
  set32(valEnd, k, i + n);
  store<u8>(valKind + <usize>k, kind);
  return i + n;
}

/** Splits `{"k":v,...}` (no spaces, as Envoy prints it) into keys and values; false on anything else. */
function jsonScan(s: i32, nl: i32): bool {
  let i = s + 1;
  let k = 0;
  while (true) {
    if (k == MAX_KEYS || b(i) != QUOTE) return false;
    const j = firstByte(i + 1, nl, STOP_BYTE, QUOTE);
    if (j + 1 >= nl || b(j + 1) != 58) return false;
    set32(keyStart, k, i + 1);
    set32(keyEnd, k, j);
    i = jsonValue(j + 2, nl, k);
    if (i < 0 || i >= nl) return false;
    k++;
    const c = b(i);
    if (c == 125) break;
    if (c != 44) return false;
    i++;
  }
  keyCount = k;
  return i == nl - 1;
}

@inline function fieldAt(f: i32): usize {
  return tables + T_FIELDS + <usize>f * FIELD_SIZE;
}

/** True when b[s, e) is field `f`'s key name. */
function isKey(s: i32, e: i32, f: i32): bool {
  const at = fieldAt(f);
  if (load<i32>(at + 24) != e - s) return false;
  const name = tables + <usize>load<i32>(at + 20);
  for (let i = 0; i < e - s; i++) if (load<u8>(name + <usize>i) != b(s + i)) return false;
  return true;
}

/** The record field named b[s, e), -1 for an extra key, or -2 for a key that JSON.parse would reorder (integer-like). */
function lookupKey(s: i32, e: i32): i32 {
  const count = t32(T_FIELD_COUNT);
  for (let f = 0; f < count; f++) if (isKey(s, e, f)) return f;
  let digits = e > s;
  for (let i = s; i < e && digits; i++) digits = isDigit(b(i));
  return digits ? -2 : -1;
}

/** Same bytes in b[s1, e1) and b[s2, e2). */
function sameRange(s1: i32, e1: i32, s2: i32, e2: i32): bool {
  if (e1 - s1 != e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (b(s1 + i) != b(s2 + i)) return false;
  return true;
}

/** Maps each key to its field; false on a duplicate key, an integer-like key, or fewer than two access-log keys. */
function jsonIdentify(): bool {
  v128.store(slotOf, i8x16.splat(-1));
  v128.store(slotOf + 16, i8x16.splat(-1));
  let markers = 0;
  for (let k = 0; k < keyCount; k++) {
    const s = get32(keyStart, k);
    const e = get32(keyEnd, k);
    let f = <i32>load<i8>(keyMemo + <usize>k);
    if (f < 0 || !isKey(s, e, f)) {
      f = lookupKey(s, e);
      if (f == -2) return false;
      store<i8>(keyMemo + <usize>k, <i8>f);
    }
    store<i8>(keyField + <usize>k, <i8>f);
    if (f < 0) {
      // JSON.parse keeps the last of duplicate keys at the first one's place: the general parser decides.
      for (let m = 0; m < k; m++) if (load<i8>(keyField + <usize>m) < 0 && sameRange(s, e, get32(keyStart, m), get32(keyEnd, m))) return false;
      continue;
    }
    if (load<i8>(slotOf + <usize>f) >= 0) return false;
    store<i8>(slotOf + <usize>f, <i8>k);
    if ((load<u8>(fieldAt(f) + 28) & JSON_MARKER) != 0) markers++;
  }
  return markers >= 2;
}

function allDigits(s: i32, e: i32): bool {
  if (e <= s) return false;
  for (let i = s; i < e; i++) if (!isDigit(b(i))) return false;
  return true;
}

/** `\d{4}-\d\d-\d\dT` at the start: a timestamp where a method should be (Istio 1.1.0-1.1.2). */
function looksLikeTime(s: i32, e: i32): bool {
  if (e - s < 11 || b(s + 4) != DASH || b(s + 7) != DASH || b(s + 10) != 84) return false;
  return isDigit(b(s)) && isDigit(b(s + 1)) && isDigit(b(s + 2)) && isDigit(b(s + 3)) && isDigit(b(s + 5)) && isDigit(b(s + 6)) && isDigit(b(s + 8)) && isDigit(b(s + 9));
}

/** Writes the 24 fields from the keys (in record order, typed as Istio >= 1.9); returns the end, or 0 to leave the line to the general parser. */
function jsonFields(p: usize): usize {
  const count = t32(T_FIELD_COUNT);
  for (let f = 0; f < count; f++) {
    const key = T_FIELDS + <usize>f * FIELD_SIZE;
    const k = <i32>load<i8>(slotOf + <usize>f);
    if (k < 0) {
      p = copyTable(p, key + 8);
      continue;
    }
    const kind = load<u8>(valKind + <usize>k);
    let s = get32(valStart, k);
    let e = get32(valEnd, k);
    if (kind == NULL || (kind == STRING && (e == s || isDash(s, e)))) {
      if (kind == STRING && (load<u8>(fieldAt(f) + 28) & JSON_KEEP_DASH) != 0) {
        p = copyTable(p, key);
        store<u8>(p, QUOTE);
        store<u8>(p + 1, DASH);
        store<u8>(p + 2, QUOTE);
        p += 3;
      } else p = copyTable(p, key + 8);
      continue;
    }
    if (kind != STRING && kind != NUMBER) return 0; // true/false where a field is: the general parser decides
    if (kind == NUMBER && load<u8>(fieldAt(f) + 29) == START_TIME) return 0; // epoch seconds are no log time: the general parser refuses them
    if (t32(key + 16) == 1) {
      if (kind == STRING && (e - s > 15 || (b(s) == 48 && e - s > 1) || !allDigits(s, e))) return 0;
      p = copyTable(p, key);
      copy(p, <usize>s, <usize>(e - s));
      p += <usize>(e - s);
      continue;
    }
    if (kind == STRING) {
      const norm = load<u8>(fieldAt(f) + 29);
      if (norm == TRIM_SEMICOLON) {
        if (e - s > 1 && b(e - 1) == 59) e--;
      } else if (norm == DROP_SCHEME) {
        if (hasScheme(s, e)) s += 6;
      } else if (norm == METHOD_TIME && looksLikeTime(s, e)) {
        p = copyTable(p, key + 8);
        continue;
      } else if (norm == START_TIME && !isTime(s, e)) {
        return 0; // no calendar time (month 13, hour 24) or not Envoy's shape: the general parser decides
      }
    }
    p = copyTable(p, key);
    p = copyString(s, e, p);
  }
  return p;
}

/** Before an item of a record's `unlogged` or `extra`: the list's opening (`open`, a table string) for the first, a comma after it for the rest. */
@inline function listItem(p: usize, first: bool, open: usize): usize {
  if (first) return copyTable(p, open);
  store<u8>(p, 44);
  return p + 1;
}

/** After the items of `unlogged` or `extra`: its closing byte, unless it had none (then nothing was written). */
@inline function listEnd(p: usize, first: bool, close: u8): usize {
  if (first) return p;
  store<u8>(p, close);
  return p + 1;
}

/** The record keys the line has no key for, as `,"unlogged":["key",...]` (record order), as the general writer names them; nothing when it has every one. */
function jsonUnlogged(p: usize): usize {
  const count = t32(T_FIELD_COUNT);
  let first = true;
  for (let f = 0; f < count; f++) {
    if (load<i8>(slotOf + <usize>f) >= 0) continue;
    p = listItem(p, first, T_UNLOGGED_OPEN);
    first = false;
    const at = fieldAt(f);
    const length = <usize>load<i32>(at + 24);
    store<u8>(p, QUOTE);
    copy(p + 1, tables + <usize>load<i32>(at + 20), length);
    p += length + 1;
    store<u8>(p, QUOTE);
    p++;
  }
  return listEnd(p, first, 93); // ]
}

/** Keys without a record field go under `extra`, in line order, as the general parser keeps them ("-" as null). */
function jsonExtras(p: usize): usize {
  let first = true;
  for (let k = 0; k < keyCount; k++) {
    if (load<i8>(keyField + <usize>k) >= 0) continue;
    p = listItem(p, first, T_EXTRA_OPEN);
    first = false;
    p = copyString(get32(keyStart, k), get32(keyEnd, k), p);
    store<u8>(p, 58);
    p++;
    const s = get32(valStart, k);
    const e = get32(valEnd, k);
    const kind = load<u8>(valKind + <usize>k);
    if (kind == STRING && isDash(s, e)) {
      store<u32>(p, 0x6c6c756e); // null
      p += 4;
    } else if (kind == STRING) p = copyString(s, e, p);
    else {
      copy(p, <usize>s, <usize>(e - s));
      p += <usize>(e - s);
    }
  }
  return listEnd(p, first, 125); // }
}

/** `{"log":`: Docker's json-file envelope, which the general parser unwraps. */
@inline function isDocker(s: i32): bool {
  return load<u32>(<usize>s + 1) == 0x676f6c22 && load<u16>(<usize>s + 5) == 0x3a22;
}

/** True when the line at `s` may be one the lane takes (its first bytes; run() decides). */
@inline function candidate(s: i32, modes: i32): bool {
  const c = b(s);
  if (c == 91) return (modes & MODE_TEXT) != 0 && isDigit(b(s + 1));
  return c == 123 && (modes & MODE_JSON) != 0 && b(s + 1) == QUOTE && !isDocker(s);
}

// ---- the batch ----

/** `source`, after a record's fields: the stream's file, the line number, the rest (per stream). */
function writeSourcePart(p: usize, lineNo: i32, head: usize, headLen: usize, tail: usize, tailLen: usize): usize {
  copy(p, head, headLen);
  p += headLen;
  p = copyTable(p, T_LINE_KEY);
  p = writeDecimal(p, lineNo);
  copy(p, tail, tailLen);
  return p + tailLen;
}

/** Where the line just taken ends (its newline). */
let lineEnd: i32 = 0;
/** Where the output must stop, less a record's fixed bytes: 24 keys with null, format, extra, source. */
let roomLimit: usize = 0;
/** Set when a line was left because its record might not fit. */
let outFull = false;

/** True when the record of a line of `n` bytes fits from `p` (at most twice its bytes, plus the fixed ones). */
function roomFor(p: usize, n: i32): bool {
  if (p + <usize>n * 2 <= roomLimit) return true;
  outFull = true;
  return false;
}

/** Writes the record of the text line at `pos` from `p`; returns its end, or 0 to leave the line to the general parser. */
function textLine(pos: i32, end: i32, p: usize, maxLength: i32): usize {
  const nl = tokenize(pos, end);
  if (nl < 0 || nl - pos > maxLength || nl - pos < 40 || !roomFor(p, nl - pos)) return 0;
  lineEnd = nl;
  const index = match();
  if (index < 0) return 0;
  const q = writeFields(p, layoutAt(index));
  return q == 0 ? 0 : writeMixerStatus(q, layoutAt(index));
}

/** Writes the record of the JSON line at `pos` from `p`; returns its end, or 0 to leave the line to the general parser. */
function jsonLine(pos: i32, end: i32, p: usize, maxLength: i32): usize {
  const nl = jsonLineEnd(pos, end);
  if (nl < 0 || nl - pos > maxLength || b(nl - 1) != 125 || !roomFor(p, nl - pos) || !jsonScan(pos, nl) || !jsonIdentify()) return 0;
  lineEnd = nl;
  const q = jsonFields(p);
  if (q == 0) return 0;
  return jsonExtras(jsonUnlogged(copyTable(q, T_JSON_FORMAT)));
}

/**
 * Takes lines from [pos, end) while they are plain (text lines if `modes` has MODE_TEXT, JSON lines if
 * MODE_JSON), writing each record and a newline from `out`, and stops at the first line it does not
 * take (or one line before `outLimit`). Returns where it stopped; resultOut/resultLines/resultStop/
 * resultMemo say the rest. `head`: `,"source":{"file":"..."` and `tail`: the rest of `source` after
 * the line number, per stream.
 */
export function run(pos: i32, end: i32, lineNo: i32, out: usize, outLimit: usize, maxLength: i32, memo: i32, head: usize, headLen: usize, tail: usize, tailLen: usize, modes: i32): i32 {
  layoutMemo = memo;
  linesDone = 0;
  stopReason = 0;
  const fixed: usize = 2048 + headLen + tailLen;
  roomLimit = outLimit > fixed ? outLimit - fixed : 0;
  outFull = false;
  let p = out;
  while (pos < end) {
    if (!candidate(pos, modes)) {
      stopReason = 1;
      break;
    }
    const q = b(pos) == 91 ? textLine(pos, end, p, maxLength) : jsonLine(pos, end, p, maxLength);
    if (q == 0) {
      stopReason = outFull ? 2 : 1;
      break;
    }
    p = writeSourcePart(q, lineNo, head, headLen, tail, tailLen);
    store<u8>(p, 10);
    p++;
    pos = lineEnd + 1;
    lineNo++;
    linesDone++;
  }
  outEnd = p;
  return pos;
}

/**
 * Reads the fields of one plain text line at [pos, end) (its newline at end - 1) as layout `index`
 * maps them, into the spans (spanStartsAt/spanEndsAt: positions, start -1 for a field without a
 * token); false for a line left to the general parser, or one of a layout with a mixer status. For
 * the audit's parser, which tries the layout that matched its previous line first.
 */
export function lineSpans(pos: i32, end: i32, index: i32): bool {
  if (index < 0 || index >= t32(T_LAYOUT_COUNT) || !candidate(pos, MODE_TEXT)) return false;
  const nl = tokenize(pos, end);
  if (nl < 0 || nl - pos < 40 || !fits(index) || load<i32>(layoutAt(index) + 24) >= 0) return false;
  return fieldSpans(layoutAt(index));
}

/**
 * Writes the 24 fields of a kept text line at `base` from spans its parser stored (spanStartsAt/
 * spanEndsAt, offsets from `base`; start -1: null), byte for byte as record-json.ts writeRanges does,
 * without tokenizing the line again; returns the end, or 0 when a value holds a byte to escape (the
 * general writer takes it then). For records kept by an audit, whose JSON is written when their flow goes out.
 */
export function spanFields(base: i32, out: usize): usize {
  const count = t32(T_FIELD_COUNT);
  let p = out;
  for (let f = 0; f < count; f++) {
    const start = get32(spanStart, f);
    const key = T_FIELDS + <usize>f * FIELD_SIZE;
    if (start < 0) {
      p = copyTable(p, key + 8);
      continue;
    }
    let s = base + start;
    const e = base + get32(spanEnd, f);
    p = copyTable(p, key);
    if (t32(key + 16) == 1) {
      while (s < e - 1 && b(s) == 48) s++; // `0123` in a line is 123: JSON has no leading zeros
      copy(p, <usize>s, <usize>(e - s));
      p += <usize>(e - s);
    } else {
      if (firstByte(s, e, STOP_ODD, QUOTE) < e) return 0;
      p = copyString(s, e, p);
    }
  }
  return p;
}

/** Where lineSpans() leaves each field's start and end. */
export function spanStartsAt(): usize {
  return spanStart;
}
export function spanEndsAt(): usize {
  return spanEnd;
}

/** The start of the first line after the one at `from` that run() may take, or `end`: the lines between go to the general parser in one piece. */
export function nextCandidate(from: i32, end: i32, modes: i32): i32 {
  let i = from;
  while (true) {
    i = firstByte(i, end, STOP_BYTE, 10) + 1;
    if (i >= end) return end;
    if (candidate(i, modes)) return i;
  }
}
