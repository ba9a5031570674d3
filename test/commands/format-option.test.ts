/**
 * `--format @FILE` looks for accessLogFormat also inside string values that are YAML themselves (the
 * istio ConfigMap's data.mesh). A string that merely mentions accessLogFormat parses to itself, and was
 * parsed again and again until the stack overflowed inside the YAML parser (caught there, so the run went
 * on, ~100 ms and thousands of parses later).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const parses = vi.hoisted(() => ({ count: 0 }));
vi.mock('yaml', async (importOriginal) => {
  const yaml = await importOriginal<typeof import('yaml')>();
  return { ...yaml, parse: (...args: Parameters<typeof yaml.parse>) => (parses.count++, yaml.parse(...args)) };
});

const { formatFromOption } = await import('../../src/commands/format-option.js');

describe('--format @FILE: a string value that mentions accessLogFormat', () => {
  it('is parsed once, not again and again until the stack overflows, and the real format is found', async () => {
    const dir = tempDir('ea-format-option-');
    const file = join(dir, 'istio-cm.yaml');
    const mesh = 'accessLogFormat: "[%START_TIME%] %UPSTREAM_HOST%"';
    writeFileSync(file, `metadata:\n  annotations:\n    note: "set accessLogFormat for JSON logs"\ndata:\n  mesh: |-\n    ${mesh}\n`);
    parses.count = 0;
    const { texts } = await formatFromOption([`@${file}`]);
    expect(texts).toEqual(['[%START_TIME%] %UPSTREAM_HOST%']);
    // The file, the note (a plain string: looked at, not descended into) and data.mesh.
    expect(parses.count).toBeLessThanOrEqual(3);
  });
});

describe('--format @FILE that cannot be read', () => {
  it.each([
    ['a missing file', 'missing.txt', 'no such file'],
    ['a directory', '.', 'is a directory, not a file'],
  ])('is an input error (exit 3) that says why in words: %s', async (_name, name, why) => {
    const path = join(tempDir('ea-format-missing-'), name);
    await expect(formatFromOption([`@${path}`])).rejects.toMatchObject({ exitCode: 3, message: `--format @${path}: cannot read the format file: ${why}` });
  });
});
