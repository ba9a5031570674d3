/**
 * Runs the anchored patterns custom-format.ts builds (`^lit(.*)lit(\S*?)...$`) with the answer JavaScript's own
 * RegExp gives (the same captures: its backtracking order, first success wins) but in time polynomial in the line: a
 * backtracking matcher that remembers which (instruction, offset) pairs already failed, so no pair is tried twice.
 * JavaScript's engine retries them, and a format with k adjacent free-text fields cost ~2^k per line. RegExp still runs
 * the patterns with at most MAX_NATIVE_FREE_RUNS free runs on lines up to MAX_NATIVE_LINE long: it is faster there and cannot go far wrong.
 * It reads the subset of pattern syntax those patterns use (literals, `\` escapes, classes, `.`, quantifiers on single
 * characters, groups, `|`, `^` first, `$`) and throws on anything else, so a new shape cannot silently read otherwise.
 */

/** What one character position can hold. */
type CharTest = (c: number) => boolean;

/** Pattern syntax tree. */
type Node =
  | { kind: 'char'; test: CharTest; literal: string | null; min: number; max: number; lazy: boolean }
  | { kind: 'group'; capture: number; alternatives: Node[][] }
  | { kind: 'end' };

const LIT = 0;
const RUN = 1;
const SPLIT = 2;
const JMP = 3;
const SAVE = 4;
const END = 5;
const MATCH = 6;

/** One instruction; only the fields its op uses are meaningful. */
interface Op {
  op: number;
  text: string;
  test: CharTest;
  min: number;
  max: number;
  lazy: boolean;
  /** SPLIT's second choice, JMP's target, SAVE's slot. */
  arg: number;
  /** RUN: the literal that must come right after it (''), or that the pattern must end there (atEnd). */
  follow: string;
  atEnd: boolean;
}

/** JavaScript's `\s` (WhiteSpace and LineTerminator), one UTF-16 unit at a time as a pattern without the `u` flag reads it. */
export function isPatternSpace(c: number): boolean {
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** `.` with the `s` flag: any unit, so a run of it reaches as far as its quantifier lets it with no scan. */
const ANY: CharTest = () => true;
const isDigit: CharTest = (c) => c >= 48 && c <= 57;
const isWord: CharTest = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const ESCAPE_CLASSES: Record<string, CharTest> = {
  d: isDigit,
  D: (c) => !isDigit(c),
  s: isPatternSpace,
  S: (c) => !isPatternSpace(c),
  w: isWord,
  W: (c) => !isWord(c),
};

/** Recursive-descent reader of the supported pattern subset. */
class Reader {
  i = 0;
  groups = 0;
  constructor(readonly src: string, readonly dotAll: boolean) {}

  fail(what: string): never {
    throw new Error(`anchored-match: ${what} at ${this.i} in /${this.src}/`);
  }

  alternatives(): Node[][] {
    const alts: Node[][] = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.sequence());
    }
    return alts;
  }

  sequence(): Node[] {
    const seq: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const node = this.atom();
      const quantified = this.quantifier(node);
      seq.push(quantified);
    }
    return seq;
  }

  atom(): Node {
    const c = this.src[this.i++] as string;
    if (c === '(') {
      let capture = -1;
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (this.src[this.i] === '?') this.fail('unsupported group');
      else capture = ++this.groups;
      const alternatives = this.alternatives();
      if (this.src[this.i++] !== ')') this.fail('unclosed group');
      return { kind: 'group', capture, alternatives };
    }
    if (c === '$') return { kind: 'end' };
    if (c === '.') return this.char(this.dotAll ? ANY : (x) => x !== 10 && x !== 13 && x !== 0x2028 && x !== 0x2029, null);
    if (c === '[') return this.char(this.charClass(), null);
    if (c === '\\') {
      const e = this.src[this.i++];
      if (e === undefined) this.fail('trailing backslash');
      const cls = ESCAPE_CLASSES[e];
      if (cls !== undefined) return this.char(cls, null);
      if (/[A-Za-z0-9]/.test(e)) this.fail(`unsupported escape \\${e}`);
      return this.literal(e);
    }
    if ('*+?{}]^'.includes(c)) this.fail(`unsupported ${c}`);
    return this.literal(c);
  }

  literal(c: string): Node {
    const code = c.charCodeAt(0);
    return this.char((x) => x === code, c);
  }

  char(test: CharTest, literal: string | null): Node {
    return { kind: 'char', test, literal, min: 1, max: 1, lazy: false };
  }

  charClass(): CharTest {
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const tests: CharTest[] = [];
    while (this.src[this.i] !== ']') {
      const lo = this.classUnit();
      if (typeof lo !== 'number') {
        tests.push(lo);
        continue;
      }
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']') {
        this.i++;
        const hi = this.classUnit();
        if (typeof hi !== 'number' || hi < lo) this.fail('bad class range');
        tests.push((x) => x >= lo && x <= hi);
      } else tests.push((x) => x === lo);
    }
    this.i++;
    const any: CharTest = (x) => tests.some((t) => t(x));
    return negated ? (x) => !any(x) : any;
  }

  /** One class member: a code unit, or a class escape's test. */
  classUnit(): number | CharTest {
    const c = this.src[this.i++];
    if (c === undefined) this.fail('unclosed class');
    if (c !== '\\') return c.charCodeAt(0);
    const e = this.src[this.i++];
    if (e === undefined) this.fail('trailing backslash');
    const cls = ESCAPE_CLASSES[e];
    if (cls !== undefined) return cls;
    if (/[A-Za-z0-9]/.test(e)) this.fail(`unsupported escape \\${e}`);
    return e.charCodeAt(0);
  }

  quantifier(node: Node): Node {
    const c = this.src[this.i];
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      min = c === '+' ? 1 : 0;
      max = c === '?' ? 1 : Infinity;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) this.fail('bad {} quantifier');
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    } else return node;
    const lazy = this.src[this.i] === '?';
    if (lazy) this.i++;
    if (node.kind !== 'char' || node.min !== 1 || node.max !== 1) this.fail('quantifier on a group or a quantified atom');
    return { ...node, literal: null, min, max, lazy };
  }
}

function op(fields: Partial<Op> & { op: number }): Op {
  return { text: '', test: () => false, min: 0, max: 0, lazy: false, arg: 0, follow: '', atEnd: false, ...fields };
}

/** Lays a sequence out as instructions; consecutive single literal characters become one LIT. */
function emit(seq: readonly Node[], prog: Op[]): void {
  for (const node of seq) {
    if (node.kind === 'end') prog.push(op({ op: END }));
    else if (node.kind === 'char') {
      const last = prog[prog.length - 1];
      if (node.literal !== null && last !== undefined && last.op === LIT) last.text += node.literal;
      else if (node.literal !== null) prog.push(op({ op: LIT, text: node.literal }));
      else prog.push(op({ op: RUN, test: node.test, min: node.min, max: node.max, lazy: node.lazy }));
    } else {
      if (node.capture >= 0) prog.push(op({ op: SAVE, arg: 2 * node.capture }));
      const jumps: Op[] = [];
      node.alternatives.forEach((alt, k) => {
        const split = k < node.alternatives.length - 1 ? op({ op: SPLIT }) : null;
        if (split !== null) prog.push(split);
        emit(alt, prog);
        if (split !== null) {
          const jump = op({ op: JMP });
          jumps.push(jump);
          prog.push(jump);
          split.arg = prog.length;
        }
      });
      for (const jump of jumps) jump.arg = prog.length;
      if (node.capture >= 0) prog.push(op({ op: SAVE, arg: 2 * node.capture + 1 }));
    }
  }
}

/** Backtrack-stack entry kinds (5 numbers each: kind, a, b, c, d). */
const MARK = 0; // a = pc, b = pos, c = a RUN's stretch end: popped, every way on from (pc, pos) failed
const RESTORE = 1; // a = slot, b = old value
const ALT = 2; // a = pc, b = pos: the other branch of a SPLIT
const NEXT = 3; // a = pc, b = lo, c = hi, d = last end tried: the RUN's remaining ends

/** An anchored pattern: `exec` answers as `new RegExp(source, flags).exec` would, captures as strings (undefined when unset). */
export class AnchoredPattern {
  private readonly prog: Op[];
  /**
   * Unbounded runs that can end in many places: nothing pins their end (`(\d+)(\d+)`) or they can span the literal
   * after them (`(.*) `, `(\S*)\] `). Each multiplies RegExp's backtracking by the line's length; `(\S*) ` and a last
   * `(.*)$` end in one place.
   */
  readonly freeRuns: number;
  private readonly slots: number;
  private readonly stack: number[] = [];
  /** The (pc, pos) pairs, as pc * (line length + 1) + pos, from which this line cannot match: each is tried once. */
  private readonly failed = new Set<number>();
  /**
   * Per unbounded RUN, the lowest offset it failed from on this line and where that offset's stretch ends: from an
   * offset before it in the same stretch only the ends before it are left to try, from one after it none. One Set
   * entry per offset would leave O(L) ends to try from each: this leaves O(L) per RUN in all.
   */
  private runLine = new Int32Array(0);
  private runFailedAt = new Int32Array(0);
  private runFailedEnd = new Int32Array(0);
  private line = 0;
  /** Capture offsets (start, end per group; -1 unset), reused from line to line. */
  private caps = new Int32Array(0);

  constructor(source: string, flags = '') {
    if (!/^s?$/.test(flags)) throw new Error(`anchored-match: unsupported flags ${flags}`);
    if (!source.startsWith('^')) throw new Error(`anchored-match: /${source}/ is not anchored with ^`);
    const reader = new Reader(source, flags === 's');
    reader.i = 1;
    const alts = reader.alternatives();
    if (reader.i !== source.length) reader.fail('unbalanced )');
    this.prog = [];
    emit([{ kind: 'group', capture: 0, alternatives: alts }], this.prog);
    this.prog.push(op({ op: MATCH }));
    for (const [pc, ins] of this.prog.entries()) {
      if (ins.op !== RUN) continue;
      let next = pc + 1;
      for (;;) {
        const n = this.prog[next] as Op;
        if (n.op === SAVE) next++;
        else if (n.op === JMP) next = n.arg;
        else break;
      }
      const n = this.prog[next] as Op;
      if (n.op === LIT) ins.follow = n.text;
      ins.atEnd = n.op === END;
    }
    this.slots = 2 * (reader.groups + 1);
    this.caps = new Int32Array(this.slots);
    this.runLine = new Int32Array(this.prog.length);
    this.runFailedAt = new Int32Array(this.prog.length);
    this.runFailedEnd = new Int32Array(this.prog.length);
    this.freeRuns = this.prog.filter(
      (ins) => ins.op === RUN && ins.max === Infinity && !ins.atEnd && (ins.follow === '' || ins.test(ins.follow.charCodeAt(0))),
    ).length;
  }

  exec(text: string): (string | undefined)[] | null {
    const caps = this.run(text);
    if (caps === null) return null;
    const out = new Array<string | undefined>(this.slots >> 1);
    for (let k = 0; k < this.slots; k += 2) {
      const a = caps[k] as number;
      const b = caps[k + 1] as number;
      out[k >> 1] = a >= 0 && b >= 0 ? text.slice(a, b) : undefined;
    }
    return out;
  }

  /** Records that no way on from (pc, pos) matched; `hi` is where a RUN's stretch from pos ends. */
  private fail(pc: number, pos: number, hi: number, width: number): void {
    if ((this.prog[pc] as Op).max !== Infinity) {
      this.failed.add(pc * width + pos);
      return;
    }
    if (this.runLine[pc] === this.line && this.runFailedEnd[pc] === hi && (this.runFailedAt[pc] as number) <= pos) return;
    this.runLine[pc] = this.line;
    this.runFailedEnd[pc] = hi;
    this.runFailedAt[pc] = pos;
  }

  private isFailed(pc: number, pos: number, width: number): boolean {
    return this.failed.size !== 0 && this.failed.has(pc * width + pos);
  }

  private run(text: string): Int32Array | null {
    const prog = this.prog;
    const len = text.length;
    const width = len + 1;
    if (this.failed.size !== 0) this.failed.clear();
    this.line++;
    const caps = this.caps.fill(-1);
    const stack = this.stack;
    stack.length = 0;
    let pc = 0;
    let pos = 0;
    for (;;) {
      let ok = true;
      const ins = prog[pc] as Op;
      switch (ins.op) {
        case LIT:
          if (text.startsWith(ins.text, pos)) {
            pos += ins.text.length;
            pc++;
          } else ok = false;
          break;
        case RUN: {
          if (ins.min === 1 && ins.max === 1) {
            if (pos < len && ins.test(text.charCodeAt(pos))) {
              pos++;
              pc++;
            } else ok = false;
            break;
          }
          const unbounded = ins.max === Infinity;
          if (!unbounded && this.isFailed(pc, pos, width)) {
            ok = false;
            break;
          }
          const limit = Math.min(len, pos + ins.max);
          let hi = ins.test === ANY ? limit : pos;
          while (hi < limit && ins.test(text.charCodeAt(hi))) hi++;
          const lo = pos + ins.min;
          // An unbounded run that failed from an offset f in the same stretch failed for every end from f + min on.
          let top = hi;
          if (unbounded && this.runLine[pc] === this.line && this.runFailedEnd[pc] === hi) {
            const f = this.runFailedAt[pc] as number;
            if (pos >= f) {
              ok = false;
              break;
            }
            top = f + ins.min - 1;
          }
          const first = lo <= top ? this.nextEnd(text, pc, lo, top, -1) : -1;
          if (first < 0) {
            this.fail(pc, pos, hi, width);
            ok = false;
            break;
          }
          stack.push(MARK, pc, pos, hi, 0, NEXT, pc, lo, top, first);
          pos = first;
          pc++;
          break;
        }
        case SPLIT:
          if (this.isFailed(pc, pos, width)) {
            ok = false;
            break;
          }
          stack.push(MARK, pc, pos, 0, 0, ALT, ins.arg, pos, 0, 0);
          pc++;
          break;
        case JMP:
          pc = ins.arg;
          break;
        case SAVE:
          stack.push(RESTORE, ins.arg, caps[ins.arg] as number, 0, 0);
          caps[ins.arg] = pos;
          pc++;
          break;
        case END:
          if (pos === len) pc++;
          else ok = false;
          break;
        default:
          return caps;
      }
      if (ok) continue;
      // Backtrack to the latest choice with a way left.
      for (;;) {
        if (stack.length === 0) return null;
        const d = stack.pop() as number;
        const c = stack.pop() as number;
        const b = stack.pop() as number;
        const a = stack.pop() as number;
        const kind = stack.pop() as number;
        if (kind === MARK) this.fail(a, b, c, width);
        else if (kind === RESTORE) caps[a] = b;
        else if (kind === ALT) {
          pc = a;
          pos = b;
          break;
        } else {
          const next = this.nextEnd(text, a, b, c, d);
          if (next < 0) continue;
          stack.push(NEXT, a, b, c, next);
          pc = a + 1;
          pos = next;
          break;
        }
      }
    }
  }

  /**
   * The RUN at `pc`'s next end in [lo, hi] after `last` (-1: its first), in its order (greedy: longest first); -1 when none
   * is left. Ends where the literal after it cannot start, or short of a `$` after it, are skipped: they would fail at once.
   */
  private nextEnd(text: string, pc: number, lo: number, hi: number, last: number): number {
    const ins = this.prog[pc] as Op;
    if (ins.atEnd) return last < 0 && hi === text.length ? hi : -1;
    const lit = ins.follow;
    if (ins.lazy) {
      const from = last < 0 ? lo : last + 1;
      if (from > hi) return -1;
      const e = text.indexOf(lit, from);
      return e >= 0 && e <= hi ? e : -1;
    }
    const from = last < 0 ? hi : last - 1;
    if (from < lo) return -1;
    const e = text.lastIndexOf(lit, from);
    return e >= lo ? e : -1;
  }
}

/**
 * Most free runs a pattern may have and still be run by RegExp, 3-6x faster per ordinary line. Its cost on a line built
 * against it grows as ~L^runs (2 runs, a 4 KB line of spaces that does not fit: 15 ms; 3 runs: 18 s), where
 * AnchoredPattern's stays near-linear (2 ms).
 */
export const MAX_NATIVE_FREE_RUNS = 2;

/**
 * Longest line RegExp reads for such a pattern. Past it even two runs cost ~L^2: a client's 60 KB of `" "` in two
 * quoted headers took RegExp ~3 s per line (so a workload could stall an audit for hours), AnchoredPattern ~6 ms. Access
 * log lines are a few hundred characters, so RegExp keeps the ordinary ones.
 */
export const MAX_NATIVE_LINE = 2048;

/** The matcher for an anchored pattern: RegExp (same answers, faster) on ordinary lines of a pattern with few free runs, AnchoredPattern past either limit, where RegExp's cost grows as the line's length to the power of its runs. */
export function anchoredMatcher(source: string, flags = ''): { exec(text: string): readonly (string | undefined)[] | null } {
  const pattern = new AnchoredPattern(source, flags);
  if (pattern.freeRuns > MAX_NATIVE_FREE_RUNS) return pattern;
  const native = new RegExp(source, flags);
  return { exec: (text) => (text.length <= MAX_NATIVE_LINE ? native.exec(text) : pattern.exec(text)) };
}
