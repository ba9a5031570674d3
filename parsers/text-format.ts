import { LAYOUTS, type Layout } from './layouts.js';
import { F, FIELD_COUNT, RecordView } from './record-view.js';
import { Tokens, tokenize, closingQuote } from './tokenize.js';
import { isFlags, isNumberOrDash, isUpstreamHostShape, setField, setGluedRequestLine, setRequestLine } from './fields.js';
import type { MalformedReason } from './types.js';
import { logTimeMs } from './calendar.js';

/**
 * Reads the fields of a plain line as `layout` maps them, with this parser's checks and normalisations,
 * into `start`/`end` (start -1: no token); false leaves the line to this parser. The audit injects the
 * WebAssembly lane here (src/output/fast-lane.ts); parsers/ itself stays free of it.
 */
export type TextSpans = (line: string, layout: string, start: Int32Array, end: Int32Array) => boolean;

/**
 * Parses default-format text lines (`[ts] "GET / HTTP/1.1" 200 ...`) against the known layouts.
 * Fast path: tokens counted and quote signature compared, last matching layout first. Slow paths,
 * only when that fails: trailing extra fields, and quotes/spaces inside the user agent or path.
 */
export class TextFormatParser {
  private readonly tokens = new Tokens();
  private last: Layout;
  private readonly spanStart = new Int32Array(FIELD_COUNT);
  private readonly spanEnd = new Int32Array(FIELD_COUNT);

  /**
   * @param forced the layouts the user's `--format` names (`istio-1.3`; `istio-1.0.5`: its HTTP and TCP layouts), or null to detect per line.
   * @param fast reads a plain line's fields for one layout faster (null: this parser alone).
   */
  constructor(
    private readonly forced: readonly Layout[] | null,
    private readonly fast: TextSpans | null = null,
  ) {
    this.last = (forced ?? LAYOUTS)[0] as Layout;
  }

  /** Fills `view` from `text` (which starts with `[YYYY-MM-DDT`) and returns null, or why it could not. */
  parse(text: string, view: RecordView): MalformedReason | null {
    const line = withoutTrailingBlanks(text);
    if (this.fast !== null && this.fast(line, this.last.name, this.spanStart, this.spanEnd)) {
      // The fast reader took the line as the previous line's layout: the same ranges applyTokens sets.
      view.resetText(line, this.last.name, this.last.unlogged);
      for (let f = 0; f < FIELD_COUNT; f++) if ((this.spanStart[f] as number) >= 0) view.setRange(f, this.spanStart[f] as number, this.spanEnd[f] as number);
      return null;
    }
    const t = this.tokens;
    if (!tokenize(line, t)) return 'truncated';
    if (Number.isNaN(logTimeMs(line, t.start[0] as number, t.end[0] as number))) return 'bad-timestamp';
    // Fast path: the layout that matched the previous line (a stream rarely changes format).
    const last = this.last;
    if (t.count - 1 === last.slots.length && signatureMatches(last, t, last.slots.length)) {
      if (applyTokens(last, line, t, view, last.slots.length) === null) return null;
    }
    return this.detect(line, view, this.forced ?? LAYOUTS);
  }

  /**
   * Tries every candidate layout: exact token count, then trailing extra fields, then the anchored slow
   * path; layouts whose fields after the user agent are all quoted (Envoy's default) come last, as
   * their extra tokens may be the user agent's (quotedTailReading).
   */
  private detect(line: string, view: RecordView, candidates: readonly Layout[]): MalformedReason | null {
    const t = this.tokens;
    let best: MalformedReason | null = null;
    for (const layout of candidates) {
      if (t.count - 1 !== layout.slots.length || !signatureMatches(layout, t, layout.slots.length)) continue;
      const reason = applyTokens(layout, line, t, view, layout.slots.length);
      if (reason === null) return this.matched(layout);
      best ??= reason;
    }
    for (const layout of candidates) {
      if (layout.quotedTail || t.count - 1 <= layout.slots.length || !signatureMatches(layout, t, layout.slots.length)) continue;
      if (applyTokens(layout, line, t, view, t.count - 1) !== null) continue;
      // A header the client sets may hold `" "` and a whole layout's tail of its own: then the real tail follows it, and
      // a reading that gives that header the extra tokens (the fields before it from the left, after it from the right)
      // reads the line too. Neither reading is then evidence: which one is true is the client's to choose.
      if (layout.clientSlots.some((slot) => applyAnchored(layout, line, t, view, slot) === null)) return 'ambiguous-fields';
      applyTokens(layout, line, t, view, t.count - 1);
      return this.matched(layout);
    }
    // No trailing reading: the extra tokens are a header's. Every such reading takes the fields after that header from
    // the right, so the upstream, cluster and addresses are the proxy's own whichever header it was; the user agent's first.
    for (const layout of candidates) {
      if (!layout.quotedTail && anchoredReading(layout, line, t, view, () => true)) return this.matched(layout);
    }
    for (const layout of candidates) {
      if (!layout.quotedTail) continue;
      const reason = quotedTailReading(layout, line, t, view);
      if (reason === null) return this.matched(layout);
      if (reason === 'ambiguous-fields') return reason;
    }
    return best ?? (t.unterminated || isTruncatedPrefix(line, t, view, candidates) ? 'truncated' : 'field-count');
  }

  private matched(layout: Layout): null {
    this.last = layout;
    return null;
  }
}

/**
 * The line without the tabs and spaces after its last field. Envoy writes none (every layout ends in a value and `\n`), and
 * HTTP keeps none at a header value's end (RFC 9110 5.5): a tab a pipeline or a paste left there would otherwise
 * end the last value (the route `block_all\t` is no block_all, an address `ip:port\t` joins nothing) or keep Envoy's
 * default layout's last quote from closing. A custom format's lines are trimmed alike (custom-format.ts).
 */
function withoutTrailingBlanks(line: string): string {
  let end = line.length;
  for (let c = line.charCodeAt(end - 1); c === 9 || c === 32; c = line.charCodeAt(end - 1)) end--;
  return end === line.length ? line : line.slice(0, end);
}

function signatureMatches(layout: Layout, t: Tokens, upTo: number): boolean {
  const sig = layout.signature;
  for (let i = 0; i < upTo; i++) if ((t.quoted[i + 1] === 1) !== (sig.charCodeAt(i) === 113)) return false;
  return true;
}

/** A line cut short reads as the first tokens of some layout (all but the last, which may be cut mid-token). */
function isTruncatedPrefix(line: string, t: Tokens, view: RecordView, layouts: readonly Layout[]): boolean {
  const have = t.count - 1;
  return layouts.some((l) => {
    if (have >= l.slots.length || !signatureMatches(l, t, have)) return false;
    view.resetText(line, l.name, l.unlogged);
    for (let i = 0; i < have - 1; i++) {
      if (applySlot(l, i, view, t.start[i + 1] as number, t.end[i + 1] as number) !== null) return false;
    }
    return true;
  });
}

/** Fills the view from tokens; tokens beyond the layout are kept as `trailing_1`, `trailing_2`, ... */
function applyTokens(layout: Layout, line: string, t: Tokens, view: RecordView, used: number): MalformedReason | null {
  view.resetText(line, layout.name, layout.unlogged);
  view.setRange(F.start_time, t.start[0] as number, t.end[0] as number);
  for (let i = 0; i < layout.slots.length; i++) {
    const reason = applySlot(layout, i, view, t.start[i + 1] as number, t.end[i + 1] as number);
    if (reason !== null) return reason;
  }
  for (let k = layout.slots.length + 1; k <= used; k++) {
    const s = t.start[k] as number;
    const e = t.end[k] as number;
    const value = e - s === 1 && line.charCodeAt(s) === 45 ? null : line.slice(s, e);
    view.addExtra(`trailing_${k - layout.slots.length}`, value);
  }
  return null;
}

function applySlot(layout: Layout, i: number, view: RecordView, s: number, e: number): MalformedReason | null {
  const slot = layout.slots[i];
  if (slot === undefined) return 'field-count';
  switch (slot.kind) {
    case 'request':
      return setRequestLine(view, s, e);
    case 'request-glued':
      return setGluedRequestLine(view, s, e);
    case 'number':
      if (!isNumberOrDash(view.text, s, e)) return 'bad-number';
      view.setRange(slot.field, s, e);
      return null;
    case 'quoted-extra':
      view.addExtra(slot.extra as string, e - s === 1 && view.text.charCodeAt(s) === 45 ? null : view.text.slice(s, e));
      return null;
    default:
      if (slot.field === F.response_flags && !isFlags(view.text, s, e)) return 'field-count';
      setField(view, slot.field, s, e);
      return null;
  }
}

/**
 * Reads a line with more tokens than a quoted-tail layout (Envoy's default) has: either trailing
 * fields were appended, or the user agent holds `" "` and its pieces pushed the rest to the right
 * (the anchored reading). Only a reading whose upstream host looks like one (an address, never the
 * authority or request id a shift puts there) counts. When both do, the line is `ambiguous-fields`:
 * the client chose the user agent, and with it could choose the request id, authority and upstream
 * host of one reading (Envoy keeps a request id the app sends), so nothing in the line can decide.
 */
function quotedTailReading(layout: Layout, line: string, t: Tokens, view: RecordView): MalformedReason | null {
  const trailing = t.count - 1 > layout.slots.length && signatureMatches(layout, t, layout.slots.length) && applyTokens(layout, line, t, view, t.count - 1) === null && upstreamHostShaped(view);
  const anchored = anchoredReading(layout, line, t, view, upstreamHostShaped);
  if (trailing && anchored) return 'ambiguous-fields';
  if (anchored) return null;
  if (trailing) return applyTokens(layout, line, t, view, t.count - 1);
  return 'field-count';
}

/** Fills `view` with the first reading that gives a client header's slot the extra tokens and that `accept` takes; false when none does. */
function anchoredReading(layout: Layout, line: string, t: Tokens, view: RecordView, accept: (view: RecordView) => boolean): boolean {
  return layout.clientSlots.some((slot) => applyAnchored(layout, line, t, view, slot) === null && accept(view));
}

function upstreamHostShaped(view: RecordView): boolean {
  const s = view.start[F.upstream_host] as number;
  return s < 0 || isUpstreamHostShape(view.text, s, view.end[F.upstream_host] as number);
}

/**
 * The slow path for quotes or spaces inside values: read the slots before the quoted slot `ua` (a header the client
 * sets) from the left (the request line ends at `PROTOCOL" <code>`), the slots after it from the right, and give
 * that slot whatever lies between.
 */
function applyAnchored(layout: Layout, line: string, t: Tokens, view: RecordView, ua: number): MalformedReason | null {
  const slots = layout.slots;
  const ranges = new Int32Array(slots.length * 2);
  let pos = (t.end[0] as number) + 2;
  for (let i = 0; i < ua; i++) {
    const kind = (slots[i] as { kind: string }).kind;
    let s: number, e: number;
    if (kind === 'bare' || kind === 'number') {
      s = pos;
      e = line.indexOf(' ', pos);
    } else {
      if (line.charCodeAt(pos) !== 34) return 'field-count';
      s = pos + 1;
      e = i === 0 ? requestLineEnd(line, pos) : closingQuote(line, pos);
    }
    if (e < 0) return 'truncated';
    ranges[2 * i] = s;
    ranges[2 * i + 1] = e;
    pos = kind === 'bare' || kind === 'number' ? e + 1 : e + 2;
  }
  let end = line.length;
  for (let i = slots.length - 1; i > ua; i--) {
    const kind = (slots[i] as { kind: string }).kind;
    if (kind === 'bare' || kind === 'number') {
      const k = line.lastIndexOf(' ', end - 1);
      if (k < pos) return 'field-count';
      ranges[2 * i] = k + 1;
      ranges[2 * i + 1] = end;
      end = k;
    } else {
      if (line.charCodeAt(end - 1) !== 34) return 'field-count';
      const k = line.lastIndexOf(' "', end - 2);
      if (k < pos) return 'field-count';
      ranges[2 * i] = k + 2;
      ranges[2 * i + 1] = end - 1;
      end = k;
    }
  }
  if (line.charCodeAt(pos) !== 34 || line.charCodeAt(end - 1) !== 34 || end - 1 <= pos) return 'field-count';
  ranges[2 * ua] = pos + 1;
  ranges[2 * ua + 1] = end - 1;
  view.resetText(line, layout.name, layout.unlogged);
  view.setRange(F.start_time, t.start[0] as number, t.end[0] as number);
  for (let i = 0; i < slots.length; i++) {
    const reason = applySlot(layout, i, view, ranges[2 * i] as number, ranges[2 * i + 1] as number);
    if (reason !== null) return reason;
  }
  return null;
}

/** The closing quote of a request line: the first `"` after ` HTTP/x` or ` -` that a space and a digit follow. */
function requestLineEnd(line: string, open: number): number {
  let j = line.indexOf('" ', open + 1);
  while (j >= 0) {
    const next = line.charCodeAt(j + 2);
    const sp = line.lastIndexOf(' ', j);
    const proto = line.slice(sp + 1, j);
    if (next >= 48 && next <= 57 && (proto === '-' || proto.startsWith('HTTP/'))) return j;
    j = line.indexOf('" ', j + 1);
  }
  return closingQuote(line, open);
}
