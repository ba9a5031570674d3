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

/** What the section names: modules (paths from the repository), and names that are no file or directory here. */
interface Named {
  modules: Set<string>;
  dangling: string[];
}

/** Reads the modules a Design section names, `exists` telling whether a path from the repository is there. */
function namedModules(section: string, exists: (path: string) => boolean): Named {
  const modules = new Set<string>();
  const dangling: string[] = [];
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
    for (const name of names) {
      if (name.includes('/')) {
        const path = fromRoot(name);
        if (!exists(path)) dangling.push(name);
        else if (!name.endsWith('/')) modules.add(path);
        scopes.unshift(name.endsWith('/') ? path : dirOf(path));
        continue;
      }
      const found = [...scopes, ...heading].map((dir) => dir + name).find(exists);
      if (found === undefined) dangling.push(`${name} (looked for in ${[...scopes, ...heading].join(', ') || 'no directory'})`);
      else modules.add(found);
    }
  }
  return { modules, dangling };
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
});
