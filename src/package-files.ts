import { existsSync, readFileSync } from 'node:fs';

/** The parts of package.json the program reads. */
interface Manifest {
  readonly name: string;
  readonly version: string;
}

let found: { readonly root: URL; readonly manifest: Manifest } | null = null;

/** This package's root and manifest, found by walking up from this module, so that one rule holds wherever it runs:
 * from source (tests), from the compiled files in dist/src, or from the bundle in dist/bundle that the commands run. */
function locate(): { readonly root: URL; readonly manifest: Manifest } {
  if (found !== null) return found;
  for (let dir = new URL('./', import.meta.url); ; ) {
    const path = new URL('package.json', dir);
    if (existsSync(path)) {
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
      if (manifest.name === 'egress-audit') return (found = { root: dir, manifest });
    }
    const parent = new URL('../', dir);
    if (parent.href === dir.href) throw new Error('package.json not found beside egress-audit');
    dir = parent;
  }
}

/** A file shipped with the package (the WebAssembly module, the demo capture, a worker's script), by its path from
 * the package root: bundling moves the code, not these files, so no path may be relative to the code's own file. */
export function packageFile(path: string): URL {
  return new URL(path, locate().root);
}

/** package.json, read once, so that `--version`, reports and the API client's user agent never disagree. */
export function packageManifest(): Manifest {
  return locate().manifest;
}
