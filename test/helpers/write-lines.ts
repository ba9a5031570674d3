/** Writes log lines to a file for a test, each ending in a newline, creating its folders (kubelet paths are deep). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `lines` to `path` (its folders made as needed) and returns the path, so inputs read as they are declared. */
export function writeLines(path: string, lines: readonly string[]): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

/** Writes `[endMs, line]` pairs to `path` in the order Envoy writes them, by the end of each entry; returns the path. */
export function writeByEnd(path: string, entries: [number, string][]): string {
  return writeLines(path, [...entries].sort((a, b) => a[0] - b[0]).map((e) => e[1]));
}
