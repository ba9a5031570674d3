/**
 * Label and field selectors with the apimachinery grammar (`labels.Parse`, `fields.ParseSelector`; notes §3):
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`, `k>n`, `k<n`, comma = AND.
 */

/** One parsed requirement; `values` is empty for exists / does-not-exist. */
export interface Requirement {
  key: string;
  op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | '!exists' | 'gt' | 'lt';
  values: string[];
}

/** Thrown for a selector the real apiserver would reject with 400 BadRequest. */
export class SelectorError extends Error {}

type Token = { t: 'id'; v: string } | { t: 'op'; v: string };

const OPS = ['==', '!=', '=', '!', '(', ')', ',', '>', '<'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) { i++; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) { out.push({ t: 'op', v: op }); i += op.length; continue; }
    let j = i;
    while (j < src.length && !/[\s=!(),<>]/.test(src[j] as string)) j++;
    out.push({ t: 'id', v: src.slice(i, j) });
    i = j;
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[], private readonly src: string) {}

  private peek(): Token | undefined { return this.toks[this.pos]; }
  private next(): Token | undefined { return this.toks[this.pos++]; }
  private fail(why: string): never { throw new SelectorError(`unable to parse requirement: ${why} in "${this.src}"`); }

  private ident(): string {
    const tok = this.next();
    if (tok?.t !== 'id') this.fail(`found '${tok?.v ?? 'EOS'}', expected: identifier`);
    return tok.v;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    while (this.peek()) {
      reqs.push(this.requirement());
      const sep = this.next();
      if (sep && !(sep.t === 'op' && sep.v === ',')) this.fail(`found '${sep.v}', expected: ','`);
      if (sep && !this.peek()) this.fail("found 'EOS', expected: identifier after ','");
    }
    return reqs;
  }

  private requirement(): Requirement {
    const first = this.peek();
    if (first?.t === 'op' && first.v === '!') { this.next(); return { key: this.ident(), op: '!exists', values: [] }; }
    const key = this.ident();
    const tok = this.peek();
    if (!tok || (tok.t === 'op' && tok.v === ',')) return { key, op: 'exists', values: [] };
    this.next();
    if (tok.t === 'id' && (tok.v === 'in' || tok.v === 'notin')) return { key, op: tok.v, values: this.set() };
    if (tok.t === 'op' && (tok.v === '=' || tok.v === '==')) return { key, op: 'eq', values: [this.value()] };
    if (tok.t === 'op' && tok.v === '!=') return { key, op: 'neq', values: [this.value()] };
    if (tok.t === 'op' && (tok.v === '>' || tok.v === '<')) return this.numeric(key, tok.v);
    return this.fail(`found '${tok.v}', expected: in, notin, =, ==, !=, gt, lt`);
  }

  private numeric(key: string, op: string): Requirement {
    const v = this.ident();
    if (!/^-?\d+$/.test(v)) this.fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
    return { key, op: op === '>' ? 'gt' : 'lt', values: [v] };
  }

  /** A value may be empty (`k=` selects an empty value), so a following ',' or end is allowed. */
  private value(): string {
    const tok = this.peek();
    if (!tok || (tok.t === 'op' && tok.v === ',')) return '';
    return this.ident();
  }

  private set(): string[] {
    const open = this.next();
    if (open?.t !== 'op' || open.v !== '(') this.fail(`found '${open?.v ?? 'EOS'}', expected: '('`);
    const values: string[] = [];
    for (;;) {
      const tok = this.next();
      if (tok?.t === 'id') values.push(tok.v);
      else if (tok?.t === 'op' && tok.v === ')') return values;
      else if (!(tok?.t === 'op' && tok.v === ',')) this.fail(`found '${tok?.v ?? 'EOS'}', expected: ',', ')' or identifier`);
    }
  }
}

/** Parses a label selector string; an empty string selects everything. */
export function parseLabelSelector(src: string): Requirement[] {
  return new Parser(tokenize(src), src).parse();
}

/** Does a label map satisfy every requirement (labels.Selector.Matches semantics)? */
export function matchesLabels(reqs: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return reqs.every((r) => matchOne(r, labels));
}

function matchOne(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.op) {
    case 'eq': return has && v === r.values[0];
    case 'in': return has && r.values.includes(v as string);
    // `!=` and `notin` also match objects without the key (labels/selector.go Requirement.Matches).
    case 'neq': return !has || v !== r.values[0];
    case 'notin': return !has || !r.values.includes(v as string);
    case 'exists': return has;
    case '!exists': return !has;
    case 'gt':
    case 'lt': return has && /^-?\d+$/.test(v as string) &&
      (r.op === 'gt' ? Number(v) > Number(r.values[0]) : Number(v) < Number(r.values[0]));
  }
}

/** One field requirement: only `=`, `==` and `!=` exist for fields (fields/selector.go). */
export interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

/** Parses a field selector, rejecting fields the resource does not index (`field label not supported: f`). */
export function parseFieldSelector(src: string, supported: readonly string[]): FieldRequirement[] {
  if (src.trim() === '') return [];
  return src.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw new SelectorError(`invalid selector: '${src}'; can't understand '${part}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (!supported.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    return { field, negate: op === '!=', value };
  });
}

/** Does an object's field set satisfy every field requirement? */
export function matchesFields(reqs: readonly FieldRequirement[], fields: Readonly<Record<string, string>>): boolean {
  return reqs.every((r) => ((fields[r.field] ?? '') === r.value) !== r.negate);
}
