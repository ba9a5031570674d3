// The looks taken at every input before an audit (is it egress-audit's own output? a copy of another input?) took a
// file they could not read for a log and for no copy, in silence. A read that fails for good fails again in the main
// read, which names the file (exit 3); but one that fails only then (out of descriptors: EMFILE or ENFILE, or a file
// moved away and back) let a report be read as a log, or a copy be counted twice, with nothing said. Now the input is
// unreadable, named with the error, as the main read names one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fileSource } from '../../src/sources/file-source.js';
import { findInputs, type InputFile } from '../../src/sources/input-paths.js';
import { leaveOutOwnOutputs } from '../../src/sources/own-output.js';
import { readSameContentOnce } from '../../src/sources/same-content.js';
import type { LogStream } from '../../src/types.js';
import { corpusPairs } from '../helpers/corpus.js';
import { tempFolders } from '../helpers/temp-folders.js';

/** Paths whose next open through node:fs/promises fails with the code given, once (FAULT: an error no system call gave). */
const failNext = vi.hoisted(() => new Map<string, string>());
/** Paths whose next stream through node:fs's createReadStream fails with the code given, once. */
const failStream = vi.hoisted(() => new Map<string, string>());

/** A system error as Node gives one for `syscall` on `path`. */
const systemError = vi.hoisted(() => (code: string, path: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed, open '${path}'`), { code, syscall: 'open', path }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof fs.open>): ReturnType<typeof fs.open> => {
    const code = failNext.get(String(args[0]));
    if (code === undefined) return fs.open(...args);
    failNext.delete(String(args[0]));
    throw code === 'FAULT' ? new Error('a fault, not a read') : systemError(code, String(args[0]));
  };
  return { ...fs, default: { ...fs, open }, open };
});
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const createReadStream = (...args: Parameters<typeof fs.createReadStream>): ReturnType<typeof fs.createReadStream> => {
    const code = failStream.get(String(args[0]));
    if (code === undefined) return fs.createReadStream(...args);
    failStream.delete(String(args[0]));
    const stream = fs.createReadStream('/dev/null');
    stream.destroy(systemError(code, String(args[0])));
    return stream;
  };
  return { ...fs, default: { ...fs, createReadStream }, createReadStream };
});

const tempDir = tempFolders();
const sidecar = `${corpusPairs.map((p) => p.sidecar).join('\n')}\n`;
const JSON_REPORT = '{"schema":"egress-audit/report@1",\n"flows":[\n],\n"tool":{},\n"coverage":{"lines":{},"warnings":[]}}\n';

/** The inputs found in `dir`, by their names in it. */
async function found(dir: string): Promise<InputFile[]> {
  return findInputs([dir], () => undefined);
}

/** Each input's name in `dir` and why it is unreadable (null: it is read). */
function unreadable(dir: string, files: InputFile[]): [string, string | null][] {
  return files.map((f) => [f.name.slice(dir.length + 1), f.unreadable]);
}

describe('a file that cannot be read when looked at before the audit', () => {
  it('is unreadable, with the error, when the look for an own output fails: a report is not read as a log in silence', async () => {
    const dir = tempDir('ea-peek-');
    writeFileSync(join(dir, 'report.json'), JSON_REPORT);
    writeFileSync(join(dir, 'sidecar.log'), sidecar);
    failNext.set(join(dir, 'report.json'), 'EMFILE');
    const notes: string[] = [];
    const files = await leaveOutOwnOutputs(await found(dir), (n) => notes.push(n), (n) => notes.push(n), true);
    expect(unreadable(dir, files)).toEqual([
      ['report.json', 'cannot read (EMFILE)'],
      ['sidecar.log', null],
    ]);
    expect(notes).toEqual([]);
  });

  it('is the run\'s named input error, as the main read names one (exit 3), not read as a log', async () => {
    const dir = tempDir('ea-peek-');
    writeFileSync(join(dir, 'report.json'), JSON_REPORT);
    failNext.set(join(dir, 'report.json'), 'EIO');
    const source = await fileSource([dir], undefined, { ownOutput: () => undefined });
    const signal = new AbortController().signal;
    const streams: LogStream[] = [];
    for await (const s of source.streams(signal)) streams.push(s);
    expect(streams).toHaveLength(1);
    const read = async (): Promise<void> => {
      for await (const chunk of (streams[0] as LogStream).chunks(signal)) void chunk;
    };
    await expect(read()).rejects.toThrow(`${join(dir, 'report.json')}: cannot read (EIO)`);
  });

  it('is no unreadable input when the look fails for a fault of its own (no system call failed): the fault is thrown, not hidden', async () => {
    const dir = tempDir('ea-peek-');
    writeFileSync(join(dir, 'report.json'), JSON_REPORT);
    failNext.set(join(dir, 'report.json'), 'FAULT');
    await expect(leaveOutOwnOutputs(await found(dir), () => undefined, () => undefined, true)).rejects.toThrow('a fault, not a read');
  });

  it('is unreadable, not a file of its own bytes read twice, when its head cannot be read to compare it with same-size files', async () => {
    const dir = tempDir('ea-peek-');
    writeFileSync(join(dir, 'a.log'), sidecar);
    writeFileSync(join(dir, 'b.log'), sidecar);
    writeFileSync(join(dir, 'c.log'), sidecar);
    failNext.set(join(dir, 'b.log'), 'ENFILE');
    const once = await readSameContentOnce(await found(dir));
    expect(unreadable(dir, once.files)).toEqual([
      ['a.log', null],
      ['b.log', 'cannot read (ENFILE)'],
    ]);
    expect(once.left).toEqual([{ name: join(dir, 'c.log'), as: join(dir, 'a.log') }]);
  });

  it('is unreadable when a longer file, alike in its head, cannot be read whole to compare', async () => {
    const dir = tempDir('ea-peek-');
    const long = `${sidecar.repeat(Math.ceil((100 << 10) / sidecar.length))}`;
    writeFileSync(join(dir, 'a.log'), long);
    writeFileSync(join(dir, 'b.log'), long);
    failStream.set(join(dir, 'a.log'), 'EIO'); // its head is read through open, its whole bytes through a stream
    const files = await found(dir);
    const once = await readSameContentOnce(files);
    expect(unreadable(dir, once.files)).toEqual([
      ['a.log', 'cannot read (EIO)'],
      ['b.log', null],
    ]);
    expect(once.left).toEqual([]);
  });
});
