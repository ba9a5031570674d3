// The docs (README.md, docs/*.md) split by heading, and each command's --help read from the built CLI: what the docs
// tests compare, so that a default, a flag's command, the usage or an exit code the docs state cannot drift from the CLI.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { BIN } from './cli.js';

const ROOT = new URL('../../', import.meta.url);

/** The commands the CLI has, in the order its help lists them. */
export const COMMANDS = ['parse', 'audit', 'watch', 'rules', 'demo'] as const;
/** One of COMMANDS. */
export type CommandName = (typeof COMMANDS)[number];

/** `egress-audit [command] --help` as a user reads it (no colour); throws unless it exits 0. */
export function helpText(command: CommandName | null): string {
  const res = spawnSync(process.execPath, [BIN, ...(command === null ? [] : [command]), '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (res.status !== 0) throw new Error(`egress-audit ${command ?? ''} --help exited ${String(res.status)}: ${res.stderr}`);
  return res.stdout;
}

/** One option of a help's `Options:` list: `-n, --namespace <ns>` and its description, lines joined. */
export interface HelpOption {
  names: string[];
  description: string;
  /** What the description gives after `default` (`5s`, `cluster.local`, `direct,mixed-roles,...`), quotes taken off; null without. */
  defaultValue: string | null;
}

/** The options a help text lists, each with its description and stated default. */
export function helpOptions(text: string): HelpOption[] {
  const start = text.indexOf('Options:');
  if (start < 0) return [];
  const end = text.indexOf('\n\n', start);
  const lines = text.slice(start, end < 0 ? undefined : end).split('\n').slice(1);
  const options: { names: string[]; parts: string[] }[] = [];
  for (const line of lines) {
    const head = /^ {2}((?:-[A-Za-z], )?--[a-z][a-z-]*)(?: <[^>]+>| \[[^\]]+\])?(?: {2,}(.*))?$/u.exec(line);
    if (head !== null) options.push({ names: head[1]!.split(', '), parts: [head[2] ?? ''] });
    else options.at(-1)?.parts.push(line.trim());
  }
  return options.map(({ names, parts }) => {
    const description = parts.join(' ').trim();
    const given = /\bdefault:?\s+(?:"([^"]*)"|([^\s,;)]+))/u.exec(description);
    return { names, description, defaultValue: given === null ? null : (given[1] ?? given[2])! };
  });
}

/** The arguments a help's `Usage:` line gives after `[options]`: `[inputs...]` as optional and variadic. */
export function helpArguments(text: string): { required: boolean; variadic: boolean }[] {
  const usage = /^Usage: \S+(?: [a-z]+)? \[options\]((?: \S+)*)$/mu.exec(text);
  if (usage === null) throw new Error(`no Usage line in:\n${text}`);
  return usage[1]!.trim().split(' ').filter((a) => a !== '').map((a) => ({ required: a.startsWith('<'), variadic: a.endsWith('...') || a.endsWith('...]') || a.endsWith('...>') }));
}

/** A part of a Markdown file under one heading, down to the next heading of any level. */
export interface DocSection {
  file: string;
  /** The headings it is under, outermost first, its own last (`['egress-audit', 'Usage']`); `[]` before the first. */
  headings: string[];
  /** Its text, code blocks included. */
  text: string;
  /** Its text without fenced code blocks: what it says in sentences. */
  prose: string;
}

/** Splits a Markdown text into sections by heading; a `#` line inside a fenced block is code, not a heading. */
export function sections(file: string, text: string): DocSection[] {
  const out: DocSection[] = [];
  const path: { level: number; title: string }[] = [];
  let lines: string[] = [];
  let prose: string[] = [];
  let fenced = false;
  const close = (): void => {
    out.push({ file, headings: path.map((h) => h.title), text: lines.join('\n'), prose: prose.join('\n') });
    lines = [];
    prose = [];
  };
  for (const line of text.split('\n')) {
    const fence = /^ *```/u.test(line);
    const heading = fenced || fence ? null : /^(#{1,6}) (.+)$/u.exec(line);
    if (heading !== null) {
      close();
      const level = heading[1]!.length;
      while (path.length > 0 && path.at(-1)!.level >= level) path.pop();
      path.push({ level, title: heading[2]!.trim() });
      continue;
    }
    lines.push(line);
    if (!fenced && !fence) prose.push(line);
    if (fence) fenced = !fenced;
  }
  close();
  return out;
}

/** README.md, then docs/*.md (by name), each split by heading. */
export function docSections(): DocSection[] {
  const docs = readdirSync(new URL('docs/', ROOT)).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`)].flatMap((file) => sections(file, readFileSync(new URL(file, ROOT), 'utf8')));
}

/**
 * The commands a section documents: the README's `### \`audit\`: ...` section and those under it give audit, docs/watch.md
 * gives watch, docs/policy.md the two commands that read a policy; any other section ([] here) documents no one command.
 */
export function sectionCommands(section: DocSection): CommandName[] {
  for (const title of [...section.headings].reverse()) {
    const named = /^`([a-z]+)`/u.exec(title)?.[1];
    if (named !== undefined && (COMMANDS as readonly string[]).includes(named)) return [named as CommandName];
  }
  if (section.file === 'docs/watch.md') return ['watch'];
  if (section.file === 'docs/policy.md') return ['audit', 'watch'];
  return [];
}

/** Tools besides egress-audit whose commands the docs quote: a flag in their command is theirs. */
const OTHER_TOOLS = new Set(['kubectl', 'jq', 'stern', 'logcli', 'istioctl', 'npm', 'npx', 'node', 'git', 'envoy', 'gzip', 'zcat', 'head', 'sort', 'grep', 'curl', 'helm', 'docker', 'sh', 'bash']);

/** Whom a code span's flags belong to: an egress-audit command, another tool, or, for a span of flags alone, not said. */
function spanOwner(span: string): CommandName | 'other' | null {
  const first = span.trim().split(/\s+/u);
  const word = first[0] === 'egress-audit' || (first[0] === 'kubectl' && first[1] === 'egress-audit') ? first[first.indexOf('egress-audit') + 1] : first[0];
  if (word !== undefined && (COMMANDS as readonly string[]).includes(word)) return word as CommandName;
  if (word !== undefined && OTHER_TOOLS.has(word)) return 'other';
  return null;
}

/** A flag the prose names in a code span (`--window`, `-o json`, `watch --since 10m`), and the commands it is said for. */
export interface FlagMention {
  flag: string;
  /** The commands it must be a flag of; 'other' for another tool's, [] where the prose names no command. */
  owners: CommandName[] | 'other';
  span: string;
  /** Where the span starts in the section's prose. */
  at: number;
  /** The section's headings and the text before the span, to find it by. */
  where: string;
}

/**
 * Every flag named in a code span of a section's prose, with whose it is: the command a span starts with
 * (`audit --since`, `egress-audit watch -n shop`), each part of a pipeline its own; for a span of flags,
 * another tool's when its clause quotes one before it (`kubectl logs` ... `-A`), the command of a `CMD`'s just before it,
 * else the section's commands.
 */
export function flagMentions(section: DocSection): FlagMention[] {
  const spans = [...section.prose.matchAll(/`([^`]+)`/gu)].map((m) => ({ text: m[1]!, at: m.index! }));
  const out: FlagMention[] = [];
  spans.forEach(({ text, at }, i) => {
    const before = section.prose.slice(0, at);
    const clauseStart = Math.max(...[/[.;]\s/gu, /\n\s*\n/gu, /\n\s*[-*] /gu, /\|/gu, /\n\d+\. /gu].map((re) => [...before.matchAll(re)].at(-1)?.index ?? 0));
    const where = `${section.file} [${section.headings.join(' > ')}] ...${before.slice(-60).replace(/\s+/gu, ' ')}`;
    const contextOwner = (): CommandName[] | 'other' => {
      const possessive = /`?(parse|audit|watch|rules|demo)`?'s\s*$/u.exec(before)?.[1];
      if (possessive !== undefined) return [possessive as CommandName];
      for (const earlier of spans.slice(0, i).reverse()) {
        if (earlier.at < clauseStart) break;
        if (spanOwner(earlier.text) === 'other') return 'other';
      }
      return sectionCommands(section);
    };
    for (const part of text.split(/\s[|&;]+\s/u)) {
      const owner = spanOwner(part);
      const owners = owner === 'other' ? 'other' : owner !== null ? [owner] : /^\s*-/u.test(part) ? contextOwner() : null;
      if (owners === null) continue;
      for (const f of part.matchAll(/(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)/gu)) {
        if (/^-[A-Za-z][A-Za-z0-9]/u.test(f[1]!)) continue; // `-rf`, `-Xmx`: not one flag
        out.push({ flag: f[1]!, owners, span: text, at, where });
      }
    }
  });
  return out;
}

/** A default the prose states for a flag: `--window`, default 5s; `--max-streams` (default 500); `--x` defaults to N. */
export interface StatedDefault extends FlagMention {
  value: string;
}

/**
 * The defaults a section's prose gives: a flag's code span followed by `, default V`, ` (default V`, ` defaults to V`, or
 * ` (what it is; default V` (V a code span, or a word).
 */
export function statedDefaults(section: DocSection): StatedDefault[] {
  const mentions = flagMentions(section);
  const stated = /`(--[a-z][a-z-]*)(?: [^`]*)?`(?: \((?:[^()`;]*;\s*)?|,\s*|\s+)defaults?(?: to)?:?\s+(?:`([^`]+)`|([^\s,;)`]+))/gu;
  return [...section.prose.matchAll(stated)].map((m) => {
    const mention = mentions.find((f) => f.at === m.index && f.flag === m[1]);
    if (mention === undefined) throw new Error(`no mention of ${m[1]!} at ${String(m.index)} in ${section.file}`);
    return { ...mention, value: (m[2] ?? m[3])! };
  });
}

/** The exit codes a command's --help lists after `Exit codes`: `0 read, 1 malformed ..., 141 the reader ...`. */
export function helpExitCodes(text: string): number[] {
  const section = text.slice(text.indexOf('Exit codes'), text.indexOf('Examples:'));
  return [...new Set([...section.matchAll(/(?:^|[\s,:)])(\d{1,3}) (?=[a-z])/gu)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}

/**
 * The codes of each `Exit codes...:` statement in a prose, to the end of its paragraph (an item may explain itself in
 * sentences of its own): the numbers that start an item of its list (`0, 1 (...), 2 (...)`, `**0** ...; **1** ...`, `4 ...; 70 and 141 as for audit`), not those inside an
 * item's parentheses or code spans.
 */
export function statedExitCodes(prose: string): number[][] {
  return [...prose.matchAll(/Exit codes\b[^:.]*:/gu)].map((m) => {
    const rest = prose.slice(m.index + m[0].length).replace(/`[^`]*`/gu, (span) => 'x'.repeat(span.length));
    let depth = 0;
    let outer = '';
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === '\n' && rest[i + 1] === '\n') break;
      if (c === '(') depth++;
      outer += depth === 0 ? c : ' ';
      if (c === ')') depth = Math.max(0, depth - 1);
    }
    return [...outer.matchAll(/(?:^\s*|[,;]\s+|\sand\s+)\**(\d{1,3})\**(?=[\s(,;]|$)/gu)].map((n) => Number(n[1])).sort((a, b) => a - b);
  });
}

/** The Usage block's lines: `egress-audit audit [FILE|DIR|GLOB|-]...   saved logs -> ...` as command and arguments. */
export function usageLines(block: string): { command: string; args: string[] }[] {
  return block.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const m = /^egress-audit (\S+)((?: \S+)*?)(?: {2,}.*)?$/u.exec(line);
    if (m === null) throw new Error(`not a usage line: ${line}`);
    return { command: m[1]!, args: m[2]!.trim().split(' ').filter((a) => a !== '') };
  });
}
