import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, helpExitCodes, helpOptions, helpText } from '../helpers/docs.js';
import { DEFAULT_FAIL_ON } from '../../src/report/fail-on-default.js';

const ROOT = new URL('../../', import.meta.url);
const HELP = new Map(COMMANDS.map((c) => [c, helpText(c)]));

/** README.md and docs/*.md, where a user looks a flag up. */
const DOCS = [
  readFileSync(new URL('README.md', ROOT), 'utf8'),
  ...readdirSync(new URL('docs/', ROOT))
    .filter((f) => f.endsWith('.md'))
    .map((f) => readFileSync(new URL(`docs/${f}`, ROOT), 'utf8')),
].join('\n');

/** The option names a help text lists: `-n, --namespace <ns>` gives ['-n', '--namespace']. */
function helpFlags(text: string): string[][] {
  return helpOptions(text).map((o) => o.names);
}

/** The text after `Examples:` in a command's help. */
function examples(text: string): string {
  const at = text.indexOf('Examples:');
  return at < 0 ? '' : text.slice(at + 'Examples:'.length);
}

/** Every ```sh block of the docs. */
function shellBlocks(): string[] {
  return [...DOCS.matchAll(/```sh\n([\s\S]*?)```/gu)].map((m) => m[1]!);
}

/** `bash -n`: the text parses as shell, so a user can paste it. */
function shellSyntaxError(script: string): string | null {
  const res = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  return res.status === 0 ? null : res.stderr;
}

/** kubectl logs invocations in a text: one per line that calls it. */
function kubectlLogsCalls(text: string): string[] {
  return text.split('\n').filter((l) => /kubectl logs /u.test(l)).map((l) => l.slice(l.indexOf('kubectl logs ')).split('|')[0]!);
}

describe('--help and the documentation agree', () => {
  it.each(COMMANDS.filter((c) => c !== 'demo'))('documents every flag `%s --help` lists', (command) => {
    const flags = helpFlags(HELP.get(command)!).filter((names) => !names.includes('--help'));
    expect(flags.length).toBeGreaterThan(0);
    const missing = flags.filter((names) => !names.some((n) => new RegExp(`(^|[^a-z-])${n}(?![a-z-])`, 'u').test(DOCS)));
    expect(missing).toEqual([]);
  });

  it.each(['parse', 'audit', 'watch'] as const)('uses only flags the command\'s --help lists in the docs\' `egress-audit %s` examples', (command) => {
    const listed = new Set(helpFlags(HELP.get(command)!).flat());
    const used = shellBlocks()
      .flatMap((b) => b.split('\n'))
      .filter((l) => l.includes(`egress-audit ${command} `))
      .flatMap((l) => [...l.slice(l.indexOf(`egress-audit ${command} `)).split(/[|#]/u)[0]!.matchAll(/\s(--?[A-Za-z][a-z-]*)/gu)].map((m) => m[1]!));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((f) => !listed.has(f))).toEqual([]);
  });

  it.each(['parse', 'audit', 'watch', 'rules'] as const)('gives `%s --help` examples that parse as shell', (command) => {
    const text = examples(HELP.get(command)!);
    expect(text.trim()).not.toBe('');
    expect(shellSyntaxError(text)).toBeNull();
  });

  // The examples' check above reads only sh blocks; a flag named in prose (`--speed`, `--explain`, a renamed one)
  // must be one a --help lists too, or be another tool's: kubectl's, npm's, git's, istioctl's, stern's, node's,
  // the benchmark scripts'.
  it('names in its prose only flags some --help lists, or another tool\'s', () => {
    const OTHER_TOOLS = new Set([
      '--prefix', '--tail', '--timestamps', '--forward', '--global', '--branch', '--depth', '--set', '--color', '--file-flush-interval-msec',
      '--expose-gc', '--heap-growing-percent', '--max-semi-space-size',
      '--update-readme', '--watch', '--hosts', '--out', '--long', '--gap', '--seconds',
    ]);
    const top = helpText(null);
    const listed = new Set([...HELP.values(), top].flatMap((text) => helpFlags(text).flat()));
    const named = DOCS.split('\n')
      .filter((line) => !line.includes('-->'))
      .flatMap((line) => [...line.matchAll(/(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?![\w-])/gu)].map((m) => m[0]));
    expect(named.length).toBeGreaterThan(100);
    expect([...new Set(named)].filter((flag) => !listed.has(flag) && !OTHER_TOOLS.has(flag)).sort()).toEqual([]);
  });

  it('gives sh blocks in the docs that parse as shell', () => {
    const blocks = shellBlocks();
    expect(blocks.length).toBeGreaterThan(3);
    expect(blocks.map(shellSyntaxError).filter((e) => e !== null)).toEqual([]);
  });

  it('calls kubectl logs only with flags it has, and with --tail=-1 wherever a selector would cut each pod to 10 lines', () => {
    const calls = [...shellBlocks().flatMap(kubectlLogsCalls), ...(['parse', 'audit'] as const).flatMap((c) => kubectlLogsCalls(examples(HELP.get(c)!)))].filter((c) => /\s-(l|-selector)\s/u.test(c));
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.filter((c) => /\s(-A|--all-namespaces)\b/u.test(c))).toEqual([]);
    expect(calls.filter((c) => !/--tail[= ]-1\b/u.test(c))).toEqual([]);
  });

  // The README's exit codes: parse, audit and watch 0-4, and for every command
  // 70 (a bug) and 141 (the output's reader went away).
  it.each([
    { command: 'parse', codes: [0, 1, 2, 3, 4, 70, 141] },
    { command: 'audit', codes: [0, 1, 2, 3, 4, 70, 141] },
    { command: 'watch', codes: [0, 1, 2, 3, 4, 70, 141] },
  ])('lists the exit codes the README gives in `$command --help`', ({ command, codes }) => {
    expect(helpExitCodes(HELP.get(command as (typeof COMMANDS)[number])!)).toEqual(codes);
  });

  it('says in `watch --help` that a log not read to the end exits 3, as docs/watch.md does', () => {
    expect(DOCS).toContain('a log that could not be\nread to the end');
    expect(HELP.get('watch')!.replace(/\s+/gu, ' ')).toContain('a log that could not be read to the end');
  });
});

describe('--fail-on in the examples', () => {
  // A list given replaces the default: the README's own example dropped mixed-roles, and a cat'ed log's direct
  // entries, read under an ingress gateway's name, then passed (exit 0) where the default failed the run; and
  // `--fail-on nul-padding` dropped direct itself. `+NAME` adds to the default.
  it('adds to the default with + wherever an example adds a check, or keeps the whole default, in the docs and every --help', () => {
    const text = [DOCS, ...HELP.values()].join('\n');
    const lists = [...text.matchAll(/--fail-on[ =](\+?[a-z][a-z,+-]*)/g)].map((m) => m[1] as string);
    expect(lists.filter((l) => l.startsWith('+')).length).toBeGreaterThan(3);
    // `direct,,blocked` is the README's example of a list refused (an empty item), not one to copy.
    const replacing = lists.filter((l) => !l.includes(',,') && !l.startsWith('+') && l.split(',').includes('direct') && l.split(',').length > 1);
    expect(replacing.filter((l) => DEFAULT_FAIL_ON.some((name) => !l.split(',').includes(name)))).toEqual([]);
  });
});
