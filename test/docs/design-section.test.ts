import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The README's Design section names every module in one line each (docs/CONTRIBUTING.md): every .ts/.tsx file under src/
 * and parsers/ is named there, and every module or directory named there exists.
 *
 * How the section names a module (its existing style): in backticks, either by its path from the repository
 * (`src/main.ts`, `parsers/index.ts`), by its path from src/ (`engine/held.ts`), or by its bare file name (`held.ts`).
 * A bare name is read against the directories the same bullet named before it, nearest first (a directory named as one,
 * `policy/`, or the directory of a module named with its path, `engine/engine.ts`), then the directories of the group's
 * bold heading (`**Parsing** (`parsers/`: ...)`): the first of them that holds a file of that name is the module named.
 * A directory named as a whole (`sources/kube/`, `parallel/`) names no module: each module in it is named by its own file
 * name, so that a module added to a directory needs its own line. A glob (`table*.ts`) names nothing and fails as a name
 * that is no module.
 *
 * The section stays short (CONTRIBUTING.md: one bullet, one line, why not what; the reasons go to docs/design.md): every
 * bullet names exactly one module, each module has exactly one bullet, a bullet is one line of at most BULLET_MAX
 * characters, the prose around the bullets is at most PROSE_MAX characters and the whole section under SECTION_MAX.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The text of README.md's `## Design` section, up to the next `## ` heading. */
function designSection(readme: string): string {
  const start = readme.indexOf('\n## Design\n');
  if (start < 0) throw new Error('README.md has no ## Design section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Every .ts/.tsx file under `dir` (a path from the repository), as paths from the repository. */
function modulesUnder(dir: string): string[] {
  return readdirSync(`${ROOT}${dir}`, { withFileTypes: true }).flatMap((d) => {
    const path = `${dir}/${d.name}`;
    if (d.isDirectory()) return modulesUnder(path);
    return /\.tsx?$/u.test(d.name) ? [path] : [];
  });
}

/** A path from the repository for a name written with a slash: `src/…` and `parsers/…` as written, anything else under src/. */
function fromRoot(name: string): string {
  return name.startsWith('src/') || name.startsWith('parsers/') ? name : `src/${name}`;
}

/** The directory part of a path, with its slash. */
function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

/** A bullet's longest length: a path and what the module is for, about 110 characters, fit with room to spare. */
const BULLET_MAX = 200;
/** The prose outside the bullets and headings (the diagram's paragraph, a pointer to docs/design.md): a few sentences. */
const PROSE_MAX = 1_200;
/** The whole section: ~270 one-line modules take ~32,000 characters; the bound leaves room for some 60 more. */
const SECTION_MAX = 40_000;

/** A markdown bullet (`- `, `* `, `+ `); a bold heading (`**Parsing**`) is none. */
const BULLET = /^[-*+] /u;

/** One bullet of the section: its text, and every module or directory it names (paths from the repository, or as written when dangling). */
interface Bullet {
  text: string;
  names: string[];
}

/** What the section names: modules (paths from the repository), names that are no file or directory here, and its bullets. */
interface Named {
  modules: Set<string>;
  dangling: string[];
  bullets: Bullet[];
}

/** Reads the modules a Design section names, `exists` telling whether a path from the repository is there. */
function namedModules(section: string, exists: (path: string) => boolean): Named {
  const modules = new Set<string>();
  const dangling: string[] = [];
  const bullets: Bullet[] = [];
  let heading: string[] = [];
  for (const line of section.split('\n')) {
    if (line.trim() === '') {
      heading = [];
      continue;
    }
    const names = [...line.matchAll(/`([^`\s]+)`/gu)].map((m) => m[1]!).filter((n) => /^[\w@]/u.test(n) && /\.tsx?$|^[\w.-]+(\/[\w.-]+)*\/$/u.test(n));
    if (line.startsWith('**')) {
      heading = names.filter((n) => n.endsWith('/')).map(fromRoot);
      continue;
    }
    const scopes: string[] = [];
    const named: string[] = [];
    for (const name of names) {
      if (name.includes('/')) {
        const path = fromRoot(name);
        named.push(exists(path) ? path : name);
        if (!exists(path)) dangling.push(name);
        else if (!name.endsWith('/')) modules.add(path);
        scopes.unshift(name.endsWith('/') ? path : dirOf(path));
        continue;
      }
      const found = [...scopes, ...heading].map((dir) => dir + name).find(exists);
      named.push(found ?? name);
      if (found === undefined) dangling.push(`${name} (looked for in ${[...scopes, ...heading].join(', ') || 'no directory'})`);
      else modules.add(found);
    }
    if (BULLET.test(line)) bullets.push({ text: line, names: named });
  }
  return { modules, dangling, bullets };
}

/** Lines that continue the bullet before them (a bullet wrapped onto a second line), which "one line per module" rules out. */
function continuedBullets(section: string): string[] {
  const lines = section.split('\n');
  return lines.filter((line, i) => i > 0 && BULLET.test(lines[i - 1]!) && line.trim() !== '' && !BULLET.test(line) && !line.startsWith('**'));
}

/** The section's prose: its lines that are no heading, bullet or diagram. */
function prose(section: string): string {
  let fenced = false;
  return section
    .split('\n')
    .filter((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      else if (!fenced && line.trim() !== '' && !line.startsWith('#') && !line.startsWith('**') && !BULLET.test(line)) return true;
      return false;
    })
    .join('\n');
}

/** A bullet as a failure lists it: its start. */
function shown(bullet: Bullet): string {
  return `${bullet.text.slice(0, 60)}… (${bullet.text.length} characters, ${bullet.names.length} names)`;
}

const SECTION = designSection(readFileSync(`${ROOT}README.md`, 'utf8'));
const MODULES = [...modulesUnder('src'), ...modulesUnder('parsers')].sort();
const NAMED = namedModules(SECTION, (path) => existsSync(`${ROOT}${path}`));

describe("the README's Design section", () => {
  it('names every .ts/.tsx module under src/ and parsers/', () => {
    expect(MODULES).toContain('src/main.ts');
    expect(MODULES.filter((m) => !NAMED.modules.has(m))).toEqual([]);
  });

  it('names only modules and directories that exist', () => {
    expect(NAMED.dangling).toEqual([]);
  });

  it('names exactly one module in each bullet', () => {
    expect(NAMED.bullets.length).toBeGreaterThan(0);
    expect(NAMED.bullets.filter((b) => b.names.length !== 1 || b.names[0]!.endsWith('/')).map(shown)).toEqual([]);
  });

  it('gives each module exactly one bullet of its own', () => {
    const bullets = new Map<string, number>();
    for (const b of NAMED.bullets) if (b.names.length === 1) bullets.set(b.names[0]!, (bullets.get(b.names[0]!) ?? 0) + 1);
    expect(MODULES.filter((m) => bullets.get(m) !== 1).map((m) => `${m}: ${bullets.get(m) ?? 0} bullets`)).toEqual([]);
  });

  it(`keeps each bullet to one line of at most ${BULLET_MAX} characters`, () => {
    expect(NAMED.bullets.filter((b) => b.text.length > BULLET_MAX).map(shown)).toEqual([]);
    expect(continuedBullets(SECTION)).toEqual([]);
  });

  it(`keeps the prose around the bullets to a few sentences (at most ${PROSE_MAX} characters)`, () => {
    expect(prose(SECTION).length).toBeLessThanOrEqual(PROSE_MAX);
  });

  it(`stays under ${SECTION_MAX} characters`, () => {
    expect(SECTION.length).toBeLessThan(SECTION_MAX);
  });

  const FILES = new Set(['src/engine/engine.ts', 'src/engine/held.ts', 'src/engine/types.ts', 'src/policy/', 'src/policy/match.ts', 'src/policy/types.ts', 'src/types.ts', 'parsers/', 'parsers/types.ts', 'src/parallel/', 'src/parallel/worker-pool.ts']);
  it.each([
    { name: 'a bare name after a module named with its path', text: '- `engine/engine.ts` the join: `held.ts`', modules: ['src/engine/engine.ts', 'src/engine/held.ts'], dangling: [] },
    { name: 'a bare name after a directory', text: '- `policy/` the policy (`match.ts`)', modules: ['src/policy/match.ts'], dangling: [] },
    { name: 'a bare name after another directory, read in the nearer one that holds it', text: '- `policy/` exceptions, `engine/held.ts`, and `match.ts`', modules: ['src/engine/held.ts', 'src/policy/match.ts'], dangling: [] },
    { name: "a bare name against the group heading's directory", text: '**Parsing** (`parsers/`: pure)\n- `types.ts` the record', modules: ['parsers/types.ts'], dangling: [] },
    { name: 'a path from the repository', text: '- `src/types.ts` the contracts', modules: ['src/types.ts'], dangling: [] },
    { name: 'a directory named as a whole (it names no module)', text: '- `parallel/` the worker pool', modules: [], dangling: [] },
    { name: 'a bare name with no directory before it in its bullet', text: '**Parsing** (`parsers/`: pure)\n\n- `types.ts` the record', modules: [], dangling: ['types.ts (looked for in no directory)'] },
    { name: 'a module that does not exist', text: '- `engine/gone.ts` and `engine/`', modules: [], dangling: ['engine/gone.ts', 'engine/'] },
    { name: 'a glob', text: '- `policy/` (`m*.ts`)', modules: [], dangling: ['m*.ts (looked for in src/policy/)'] },
  ])('reads $name', ({ text, modules, dangling }) => {
    const named = namedModules(text, (path) => FILES.has(path));
    expect([...named.modules].sort()).toEqual(modules);
    expect(named.dangling).toEqual(dangling);
  });

  it.each([
    { name: 'one module by its path', text: '- `src/engine/held.ts` the held entries', names: [['src/engine/held.ts']] },
    { name: 'a module and a bare name after it', text: '- `engine/engine.ts` the join: `held.ts`', names: [['src/engine/engine.ts', 'src/engine/held.ts']] },
    { name: 'a directory and the modules in it', text: '- `policy/` the policy (`match.ts`, `types.ts`)', names: [['src/policy/', 'src/policy/match.ts', 'src/policy/types.ts']] },
    { name: 'a missing module, as written', text: '- `engine/gone.ts` gone', names: [['engine/gone.ts']] },
    { name: 'flags and values in backticks, which are no names', text: '- `src/types.ts` `--since`, `host:port`, `10/8`', names: [['src/types.ts']] },
    { name: 'no bullet in a heading or prose', text: '**Parsing** (`parsers/`)\nsee `src/types.ts`\n* `parsers/types.ts` the record', names: [['parsers/types.ts']] },
  ])('reads the names of each bullet: $name', ({ text, names }) => {
    expect(namedModules(text, (path) => FILES.has(path)).bullets.map((b) => b.names)).toEqual(names);
  });

  it.each([
    { name: 'a bullet wrapped onto a second line', text: '- `src/types.ts` the contracts\n  between stages\n- `src/main.ts` x', continued: ['  between stages'] },
    { name: 'prose after a blank line', text: '- `src/types.ts` the contracts\n\nprose', continued: [] },
    { name: 'a heading after a bullet', text: '- `src/types.ts` the contracts\n**Reading**', continued: [] },
  ])('finds $name', ({ text, continued }) => {
    expect(continuedBullets(text)).toEqual(continued);
  });

  it('reads as prose only the lines that are no heading, bullet or diagram', () => {
    expect(prose('## Design\n\n```\na --> b\n```\n\nOne pipeline.\n**Parsing** (`parsers/`)\n- `parsers/types.ts` x\nMore.')).toBe('One pipeline.\nMore.');
  });
});
