// What every start pays for: the modules the command line loads before it knows the command.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every .ts file under src/, as [path, text]. */
function sources(dir = SRC): [string, string][] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') || e.name.endsWith('.tsx') ? [[path, readFileSync(path, 'utf8')] as [string, string]] : [];
  });
}

describe('start-up imports', () => {
  // date-fns' index re-exports its ~250 modules: importing it from the command line's own modules doubled the
  // start-up of every command (80 -> 170 ms for --version, and a slower `parse`), so each function comes from its own path.
  it("imports date-fns functions from their own paths, never the package's index", () => {
    const all = sources();
    expect(all.length).toBeGreaterThan(50);
    const users = all.filter(([, text]) => text.includes("from 'date-fns"));
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter(([, text]) => /from 'date-fns'/u.test(text)).map(([path]) => path)).toEqual([]);
  });
});
