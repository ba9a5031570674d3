// AssemblyScript (compiled to WebAssembly by `npm run build`; not part of the TypeScript build).
//
// `parse`'s fast lane for plain default-format lines, on the bytes of a whole batch: it tokenizes each
// line, maps the tokens to fields by the layout tables the host wrote (parsers/layouts.ts, encoded by
// src/output/text-lane.ts) and writes the line's NDJSON record, until a line it does not take. Plain
// means: printable ASCII, no envelope, no quote or backslash inside a value, every field as the
// layout expects. The host's general parser reads every other line, and both write the same bytes
// (test/output/fast-lane.test.ts checks that line by line, test/output/parse-batch.test.ts batch by batch).

// Table layout (byte offsets from `tables`), written by the host.
const T_LAYOUT_COUNT: usize = 0;
const T_FIELD_COUNT: usize = 4;
const T_LINE_KEY: usize = 16; // offset, length
const T_LAYOUTS: usize = 64; // LAYOUT_SIZE bytes each
// Per layout: token count after the time (i32), quoting mask (u64 at 8: bit k-1 set when token k is
// quoted), `,"format":"..."` (offset, length at 16), the token of the mixer status or -1 (at 24),
// `,"extra":{"<its name>":` (offset, length at 32), and from 48, 4 bytes per field: its token + 1
// (0: none), its check, its normalisation.
const LAYOUT_SIZE: usize = 256;
const LAYOUT_FIELDS: usize = 48;
const T_FIELDS: usize = 64 + 16 * 256; // 20 bytes per field: key offset, key length, null-key offset, null-key length, numeric

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

@inline function isDigit(c: u8): bool {
  return c >= 48 && c <= 57;
}

function isTime(s: i32, e: i32): bool {
  if (e - s < 19 || b(s + 4) != DASH || b(s + 7) != DASH || b(s + 10) != 84 || b(s + 13) != 58) return false;
  return (
    isDigit(b(s)) && isDigit(b(s + 1)) && isDigit(b(s + 2)) && isDigit(b(s + 3)) && isDigit(b(s + 5)) && isDigit(b(s + 6)) &&
    isDigit(b(s + 8)) && isDigit(b(s + 9)) && isDigit(b(s + 11)) && isDigit(b(s + 12)) && isDigit(b(s + 14)) &&
    isDigit(b(s + 15)) && isDigit(b(s + 17)) && isDigit(b(s + 18))
  );
}

function isDash(s: i32, e: i32): bool {
  return e - s == 1 && b(s) == DASH;
}

function isNumber(s: i32, e: i32): bool {
  if (isDash(s, e)) return true;
  if (e <= s || e - s > 15) return false;
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

/**
 * The first byte from `j` on that is not plain (printable ASCII other than `"` and `\`), or that is
 * one of `also` (its lanes not 0): 16 bytes at a time. Returns `end` when there is none before it.
 * Reading up to 15 bytes past `end` is safe: the host keeps the output area after the input.
 */
@inline function scan(j: i32, end: i32, also: v128): i32 {
  while (j < end) {
    const v = v128.load(<usize>j);
    const odd = v128.or(v128.or(i8x16.lt_u(v, i8x16.splat(32)), i8x16.gt_u(v, i8x16.splat(126))), v128.or(i8x16.eq(v, i8x16.splat(34)), i8x16.eq(v, i8x16.splat(92))));
    const bits = i8x16.bitmask(v128.or(odd, i8x16.eq(v, also)));
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
  let i = scan(s + 1, end, i8x16.splat(93));
  if (i >= end || b(i) != 93 || !isTime(s + 1, i) || b(i + 1) != SPACE) return -1;
  store<i32>(tokStart, s + 1);
  store<i32>(tokEnd, i);
  let quoted: u64 = 0;
  let k = 1;
  i += 2;
  while (true) {
    if (i >= end) return -1;
    let c = b(i);
    if (c == 10) break; // a trailing space ends the line without an empty token
    if (k == MAX_TOKENS) return -1;
    let j: i32;
    if (c == QUOTE) {
      j = scan(i + 1, end, i8x16.splat(QUOTE));
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
      j = scan(i, end, i8x16.splat(SPACE));
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

/**
 * Writes the 24 fields of the line as the layout maps its tokens, with the general parser's checks
 * and normalisations; returns the end, or 0 for a line left to the general parser.
 */
function writeFields(p: usize, l: usize): usize {
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
      if ((check == CHECK_NUMBER && !isNumber(s, e)) || (check == CHECK_FLAGS && !isFlags(s, e))) return 0;
      const norm = load<u8>(entry + 2);
      if (norm >= REQUEST_METHOD) {
        if (split < 0) {
          // `METHOD PATH PROTOCOL` split at the first and last space, as the general parser does.
          split = s;
          while (split < e && b(split) != SPACE) split++;
          last = e - 1;
          while (last > split && b(last) != SPACE) last--;
          if (split >= e || last <= split) return 0; // "-" or no protocol: the general parser decides
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
    const key = T_FIELDS + <usize>f * 20;
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

/** `format`, the mixer status under `extra` (Istio 1.1-1.7), and `source`. */
function writeRest(p: usize, l: usize, lineNo: i32, head: usize, headLen: usize, tail: usize, tailLen: usize): usize {
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
  copy(p, head, headLen);
  p += headLen;
  p = copyTable(p, T_LINE_KEY);
  p = writeDecimal(p, lineNo);
  copy(p, tail, tailLen);
  return p + tailLen;
}

/**
 * Takes lines from [pos, end) while they are plain, writing each record and a newline from `out`,
 * and stops at the first line it does not take (or one line before `outLimit`). Returns where it
 * stopped; resultOut/resultLines/resultStop/resultMemo say the rest.
 * `head`: `,"source":{"file":"..."` and `tail`: the rest of `source` after the line number, per stream.
 */
export function run(pos: i32, end: i32, lineNo: i32, out: usize, outLimit: usize, maxLength: i32, memo: i32, head: usize, headLen: usize, tail: usize, tailLen: usize): i32 {
  layoutMemo = memo;
  linesDone = 0;
  stopReason = 0;
  let p = out;
  while (pos < end) {
    if (b(pos) != 91 || !isDigit(b(pos + 1))) {
      stopReason = 1;
      break;
    }
    const nl = tokenize(pos, end);
    if (nl < 0 || nl - pos > maxLength || nl - pos < 40) {
      stopReason = 1;
      break;
    }
    if (p + <usize>(nl - pos) * 2 + 1024 + headLen + tailLen > outLimit) {
      stopReason = 2;
      break;
    }
    const index = match();
    const q: usize = index < 0 ? <usize>0 : writeFields(p, layoutAt(index));
    if (q == 0) {
      stopReason = 1;
      break;
    }
    p = writeRest(q, layoutAt(index), lineNo, head, headLen, tail, tailLen);
    store<u8>(p, 10);
    p++;
    pos = nl + 1;
    lineNo++;
    linesDone++;
  }
  outEnd = p;
  return pos;
}
