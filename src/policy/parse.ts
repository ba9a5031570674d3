/**
 * Reads a policy file's text into a Policy, or throws one InputError (exit 3) listing every problem as
 * `file:line:col: field.path: what is wrong`, so a CI log points at the exact spot to fix.
 */
import { CST, isScalar, LineCounter, Parser, parseDocument, type Document, type YAMLError } from 'yaml';
import { InputError } from '../errors.js';
import { escapeControl } from '../text/escape.js';
import { aliasOverrun, MAX_ALIAS_COUNT, type AliasOverrun } from './alias-limit.js';
import { semanticIssues, type RawException, type RawPolicy } from './check.js';
import { issuesFromAjv, mergeIssues, type Issue } from './issues.js';
import { POLICY_JSON_SCHEMA, policyValidator } from './schema.js';
import type { Policy, PolicyException, PortRange } from './types.js';
import { duplicateKeys, formatPath, offsetOf, positionOf } from './yaml-position.js';

/** At most this many problems are listed; the rest are counted. */
const MAX_LISTED = 20;

/** The first MAX_LISTED problem lines, and a count of the rest: a CI log shows where to start, not hundreds of lines. */
function listed(file: string, lines: string[]): string[] {
  if (lines.length <= MAX_LISTED) return lines;
  return [...lines.slice(0, MAX_LISTED), `${file}: and ${lines.length - MAX_LISTED} more problems`];
}

function syntaxError(file: string, errors: readonly YAMLError[], doc: Document, counter: LineCounter): InputError {
  const duplicates = new Map(duplicateKeys(doc).map((d) => [d.offset, d]));
  const lines = errors.map((e) => {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    const duplicate = e.code === 'DUPLICATE_KEY' ? duplicates.get(e.pos[0]) : undefined;
    if (duplicate) {
      const first = counter.linePos(duplicate.firstOffset).line;
      return `${file}:${pos.line}:${pos.col}: ${escapeControl(formatPath(duplicate.path))}: duplicate key (first on line ${first})`;
    }
    const text =
      e.code === 'MULTIPLE_DOCS'
        ? 'a policy file holds a single YAML document (remove the second "---")'
        : (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return `${file}:${pos.line}:${pos.col}: YAML syntax: ${escapeControl(text)}`;
  });
  return new InputError(listed(file, lines));
}

/** The explicit tags (`!!int`, `!foo`, `!`) written in a document, as their source tokens (offset and text as written). */
function tagsOf(document: CST.Document): CST.SourceToken[] {
  const tags: CST.SourceToken[] = [];
  const take = (tokens: readonly CST.Token[] | undefined): void => {
    for (const t of tokens ?? []) if (t.type === 'tag') tags.push(t);
  };
  const scalarProps = (node: CST.Token | null | undefined): void => {
    if (node?.type === 'block-scalar') take(node.props);
  };
  // The document's own props (`--- !!map`) come as its root item's start.
  CST.visit(document, (item) => {
    take(item.start);
    take(item.sep);
    scalarProps(item.key);
    scalarProps(item.value);
  });
  return tags;
}

/**
 * What the YAML markup makes the policy mean other than it reads as, each as `file:line:col: ...`: a `%YAML` directive
 * for any version but 1.2 (1.1 reads `ports: [7:23]` as 443, base 60, and `0443` as 291, octal), and any explicit tag
 * (YAML 1.2 still resolves them: `port: !!int "0x10"` is 16, `!!timestamp` a date, `!foo` drops its tag silently).
 * Both are refused, not followed, so a policy author sees what the tool reads.
 */
function refusedMarkup(file: string, text: string, counter: LineCounter): string[] {
  const at = (offset: number): string => {
    const { line, col } = counter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const problems: string[] = [];
  for (const token of new Parser().parse(text)) {
    if (token.type === 'directive') {
      const [name, version] = token.source.split(/[ \t]+/);
      if (name !== '%YAML' || version === '1.2') continue;
      problems.push(`${at(token.offset)}: ${escapeControl(token.source)}: a policy file is read as YAML 1.2 (0443 is 443, 7:23 a string); remove the directive or write %YAML 1.2`);
    } else if (token.type === 'document') {
      for (const tag of tagsOf(token)) {
        problems.push(`${at(tag.offset)}: ${escapeControl(tag.source)}: explicit tags are refused in a policy file (a tag makes a value other than it reads as: !!int "0x10" is 16); remove it, quoting the value if it must stay a string`);
      }
    }
  }
  return listed(file, problems);
}

/**
 * Ports YAML reads as numbers other than their digits say (`0x1bb` is 443, `0o773` 507, `8e2` 800, `443.0` 443): a port
 * is refused unless written in decimal digits, as a tag is, so that the policy reads as what it allows.
 */
function portFormIssues(doc: Document, text: string, data: unknown): Issue[] {
  const allow = (data as RawPolicy | null)?.allow;
  if (!Array.isArray(allow)) return [];
  const issues: Issue[] = [];
  allow.forEach((e: RawException | null, i) => {
    const ports = e?.ports;
    if (!Array.isArray(ports)) return;
    ports.forEach((port, j) => {
      const node = doc.getIn(['allow', i, 'ports', j], true);
      if (typeof port !== 'number' || !isScalar(node) || node.range === undefined || node.range === null) return;
      const written = text.slice(node.range[0], node.range[1]);
      if (/^\+?\d+$/.test(written)) return;
      const message = `${written} is ${port} to YAML (0x is hexadecimal, 0o octal, e an exponent, . a fraction): write the port in decimal digits`;
      issues.push({ path: ['allow', i, 'ports', j], anchor: 'value', message });
    });
  });
  return issues;
}

/** An alias bomb refused at the alias where it passed the limit, naming the anchor it repeats and where that is. */
function aliasBombError(file: string, bomb: AliasOverrun, counter: LineCounter): InputError {
  const { line, col } = counter.linePos(bomb.offset);
  const anchor = counter.linePos(bomb.anchorOffset);
  const alias = escapeControl(bomb.name);
  return new InputError(
    `${file}:${line}:${col}: *${alias}: aliases expand the document past ${MAX_ALIAS_COUNT} copies of anchored nodes (&${alias} on line ${anchor.line}), as a YAML alias bomb does to exhaust memory; a policy file is refused so: write the values out`,
  );
}

function render(file: string, doc: Document, counter: LineCounter, issues: Issue[]): string[] {
  const placed = issues.map((issue) => ({ issue, offset: offsetOf(doc, issue.path, issue.anchor) }));
  placed.sort((a, b) => a.offset - b.offset);
  const lines = placed.map(({ issue, offset }) => {
    const { line, col } = counter.linePos(offset);
    const path = formatPath(issue.path);
    return `${file}:${line}:${col}: ${path ? `${path}: ` : ''}${escapeControl(issue.message)}`;
  });
  return listed(file, lines);
}

function portRange(entry: number | string): PortRange {
  if (typeof entry === 'number') return { from: entry, to: entry };
  const [from, to = from] = entry.split('-').map(Number) as [number, number?];
  return { from, to };
}

function toException(raw: RawException, line: number): PolicyException {
  return {
    id: raw.id,
    reason: raw.reason.trim(),
    expires: raw.expires ?? null,
    verdicts: raw.verdicts ? [...new Set(raw.verdicts)] : ['direct'],
    hosts: raw.hosts ?? [],
    cidrs: raw.cidrs ?? [],
    ports: (raw.ports ?? []).map(portRange),
    from: { namespaces: raw.from?.namespaces ?? [], workloads: raw.from?.workloads ?? [], cidrs: raw.from?.cidrs ?? [] },
    line,
  };
}

function toPolicy(raw: RawPolicy, file: string, doc: Document, counter: LineCounter): Policy {
  const settings: Policy['settings'] = {};
  if (raw.mesh?.cidrs) settings.meshCidrs = [...raw.mesh.cidrs];
  if (raw.mesh?.clusterDomain) settings.clusterDomain = raw.mesh.clusterDomain;
  if (raw.mesh?.gatewayHosts) settings.gatewayHosts = [...raw.mesh.gatewayHosts];
  if (raw.mesh?.gatewayNamespaces) settings.gatewayNamespaces = [...raw.mesh.gatewayNamespaces];
  const exceptions = (raw.allow ?? []).map((e, i) => toException(e, counter.linePos(offsetOf(doc, ['allow', i], 'value')).line));
  const gatewayHostPositions = (raw.mesh?.gatewayHosts ?? []).map((_, i) => positionOf(doc, counter, ['mesh', 'gatewayHosts', i], 'value'));
  return { settings, exceptions, file, gatewayHostPositions };
}

/** Parses and validates policy text; `file` names it in messages. Pure: no I/O. */
export function parsePolicy(text: string, file: string): Policy {
  const name = escapeControl(file);
  const counter = new LineCounter();
  // logLevel 'error': yaml's warnings (a list used as a key) would reach stderr as a Node warning; the
  // schema reports such a key as unknown, with its position.
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) throw syntaxError(name, doc.errors, doc, counter);
  const refused = refusedMarkup(name, text, counter);
  if (refused.length > 0) throw new InputError(refused);
  if (doc.contents === null) throw new InputError(`${name}:1:1: the policy is empty (${POLICY_JSON_SCHEMA.expected})`);
  const bomb = aliasOverrun(doc);
  if (bomb !== null) throw aliasBombError(name, bomb, counter);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // Not reached by an alias bomb (refused above, at its alias); any other refusal of toJS still names the file.
    throw new InputError(`${name}:1:1: ${escapeControl(err instanceof Error ? err.message : String(err))}`);
  }
  const validate = policyValidator();
  const schemaIssues = validate(data) ? [] : issuesFromAjv(validate.errors ?? []);
  const issues = mergeIssues(schemaIssues, [...semanticIssues(data), ...portFormIssues(doc, text, data)]);
  if (issues.length > 0) throw new InputError(render(name, doc, counter, issues));
  return toPolicy(data as RawPolicy, file, doc, counter);
}
