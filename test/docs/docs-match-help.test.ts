// What the docs' prose states of the CLI, compared with each command's --help: a default (`--window`, default 5s), the
// command a flag is named for (a section on `watch` naming a flag only `audit` has), a short flag (`-n`, `-o`), the Usage
// block's commands and arguments, and each command's exit codes. A walk-through found these true, and no test kept them so.
import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/cli/values.js';
import {
  COMMANDS,
  docSections,
  flagMentions,
  helpArguments,
  helpExitCodes,
  helpOptions,
  helpText,
  sectionCommands,
  statedDefaults,
  statedExitCodes,
  usageLines,
  type CommandName,
} from '../helpers/docs.js';

const HELP = new Map(COMMANDS.map((c) => [c, helpText(c)]));
const OPTIONS = new Map(COMMANDS.map((c) => [c, helpOptions(HELP.get(c)!)]));
const SECTIONS = docSections();

/** The commands whose --help lists a flag. */
function commandsWith(flag: string): CommandName[] {
  return COMMANDS.filter((c) => OPTIONS.get(c)!.some((o) => o.names.includes(flag)));
}

/** `1MiB` and `1048576` are one size; anything else is compared as written. */
function sameValue(doc: string, help: string): boolean {
  if (doc === help) return true;
  const size = (text: string): number | null => {
    try {
      return parseSize('--size', text);
    } catch {
      return null;
    }
  };
  return size(doc) !== null && size(doc) === size(help);
}

describe('the defaults the docs state', () => {
  const stated = SECTIONS.flatMap(statedDefaults);

  it('include those of the join, the line length, the cluster, the gateways, the streams and --fail-on', () => {
    const flags = new Set(stated.map((d) => d.flag));
    for (const flag of ['--window', '--max-pending', '--max-line-length', '--cluster-domain', '--gateway-namespace', '--gateway-selector', '--gateway-host', '--max-streams', '--fail-on']) {
      expect(flags, flag).toContain(flag);
    }
  });

  it("are the defaults the --help of the command they are said for gives (every command with the flag, where the prose names none)", () => {
    const wrong = stated.flatMap((d) => {
      const commands = d.owners === 'other' ? [] : d.owners.length > 0 ? d.owners.filter((c) => commandsWith(d.flag).includes(c)) : commandsWith(d.flag);
      if (commands.length === 0) return [`${d.flag} default ${d.value}: no command it is said for has the flag (${d.where})`];
      return commands.flatMap((c) => {
        const given = OPTIONS.get(c)!.find((o) => o.names.includes(d.flag))!.defaultValue;
        return given !== null && sameValue(d.value, given) ? [] : [`${d.flag} default ${d.value}, \`${c} --help\` says ${String(given)} (${d.where})`];
      });
    });
    expect(wrong).toEqual([]);
  });
});

describe("docs/policy.md's defaults of the mesh settings a flag overrides", () => {
  // The flag beats the setting, so a setting's default is the flag's: docs/policy.md's table says which is which.
  const FLAG_OF = { clusterDomain: '--cluster-domain', gatewayHosts: '--gateway-host', gatewayNamespaces: '--gateway-namespace' } as const;

  it.each(Object.entries(FLAG_OF))('gives `%s` the default `audit --help` gives %s', (key, flag) => {
    const table = SECTIONS.find((s) => s.file === 'docs/policy.md' && s.headings.at(-1) === '`mesh:` settings');
    const row = table?.prose.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
    expect(row).toBeDefined();
    const cell = row!.replace(/\s*\|\s*$/u, '');
    const stated = cell.slice(cell.lastIndexOf(' | ') + 3).replace(/`/gu, '');
    // `["*egressgateway*"]` is a YAML list of one glob; `any namespace`, the flag's `any`.
    const value = stated.startsWith('[') ? (JSON.parse(stated) as string[]).join(',') : stated.split(' ')[0]!;
    expect(value).toBe(OPTIONS.get('audit')!.find((o) => o.names.includes(flag))!.defaultValue);
  });
});

describe('the flags the docs name in a section on one command', () => {
  const mentions = SECTIONS.flatMap(flagMentions);

  it('are found in every command\'s section, short ones included', () => {
    for (const command of ['parse', 'audit', 'watch'] as const) {
      const own = mentions.filter((m) => m.owners !== 'other' && m.owners.includes(command)).map((m) => m.flag);
      expect(own.length, command).toBeGreaterThan(5);
    }
    const short = new Set(mentions.filter((m) => /^-[A-Za-z]$/u.test(m.flag) && m.owners !== 'other').map((m) => m.flag));
    expect([...short].sort()).toEqual(expect.arrayContaining(['-A', '-l', '-n', '-o']));
  });

  // A flag of no egress-audit command is another tool's (kubectl's `--prefix`, jq's `-c`): the prose-flag test in
  // help-and-docs names those; one in a span that starts with an egress-audit command must be that command's.
  it("are that command's (or the command's the span or a `CMD`'s before it names)", () => {
    const wrong = mentions
      .filter((m) => m.owners !== 'other' && m.owners.length > 0)
      .filter((m) => commandsWith(m.flag).length > 0 || /^-[A-Za-z]$/u.test(m.flag) || /^\s*(?:egress-audit )?(?:parse|audit|watch|rules|demo)\s/u.test(m.span))
      .filter((m) => !(m.owners as CommandName[]).some((c) => commandsWith(m.flag).includes(c)))
      .map((m) => `${m.flag} in \`${m.span}\`, said for ${(m.owners as CommandName[]).join(' and ')}, is ${commandsWith(m.flag).join(' and ') || 'no command'}'s (${m.where})`);
    expect(wrong).toEqual([]);
  });
});

describe("the README's Usage block", () => {
  const section = SECTIONS.find((s) => s.file === 'README.md' && s.headings.at(-1) === 'Usage');
  const block = section === undefined ? undefined : /^```\n([\s\S]*?)^```/mu.exec(section.text)?.[1];

  it('names every command the CLI has, in its order, and `<command> --help`', () => {
    expect(block).toBeDefined();
    const top = helpText(null);
    const listed = [...top.slice(top.indexOf('Commands:')).matchAll(/^ {2}([a-z]+) /gmu)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(listed).toEqual([...COMMANDS]);
    expect(usageLines(block!).map((l) => l.command)).toEqual([...COMMANDS, '<command>']);
    expect(usageLines(block!).at(-1)!.args).toEqual(['--help']);
    expect(COMMANDS.filter((c) => !HELP.get(c)!.includes('\nExamples:\n'))).toEqual([]);
  });

  it("gives each command the arguments its usage has: as many, optional or required, repeatable or not", () => {
    const shape = (arg: string): { required: boolean; variadic: boolean } => ({ required: arg.startsWith('<') && !arg.startsWith('<command>'), variadic: arg.endsWith('...') });
    for (const line of usageLines(block!).filter((l) => l.command !== '<command>')) {
      expect(line.args.map(shape), line.command).toEqual(helpArguments(HELP.get(line.command as CommandName)!));
    }
  });
});

describe('the exit codes the docs list', () => {
  it.each(['parse', 'audit', 'watch'] as const)("are those `%s --help` lists", (command) => {
    const statements = SECTIONS.filter((s) => sectionCommands(s).length === 1 && sectionCommands(s)[0] === command).flatMap((s) => statedExitCodes(s.prose));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toEqual(helpExitCodes(HELP.get(command)!));
  });
});
