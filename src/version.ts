import { readFileSync } from 'node:fs';

/** package.json from the built file (dist/src/version.js) or from the source (src/version.ts, as tests import it). */
function packageVersion(): string {
  for (const path of ['../../package.json', '../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error('package.json not found beside egress-audit');
}

/** The package version, read once from package.json so `--version` and reports never disagree. */
export const VERSION: string = packageVersion();
