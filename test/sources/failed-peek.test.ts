// The looks taken at every input before an audit (is it egress-audit's own output? a copy of another input?) took a
// file they could not read for a log and for no copy, in silence. A read that fails for good fails again in the main
// read, which names the file (exit 3); but one that fails only then (out of descriptors: EMFILE or ENFILE, or a file
// moved away and back) let a report be read as a log, or a copy be counted twice, with nothing said. Now the input is
// unreadable, named with the error, as the main read names one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAudit } from '../../src/commands/audit.js';
import { fileSource } from '../../src/sources/file-source.js';
import { findInputs, type InputFile } from '../../src/sources/input-paths.js';
import { leaveOutOwnOutputs } from '../../src/sources/own-output.js';
import { readSameContentOnce } from '../../src/sources/same-content.js';
import type { LogStream } from '../../src/types.js';
import { corpusPairs } from '../helpers/corpus.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { auditOptions } from '../helpers/program.js';
import { PIPELINE_SETTINGS, sidecarPipeline } from '../helpers/pipeline.js';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { resolveRoles } from '../../src/pipeline/prescan.js';
import { InputError } from '../../src/errors.js';

/** Paths whose next open through node:fs/promises fails with the code given, once (FAULT: an error no system call gave). */
const failNext = vi.hoisted(() => new Map<string, string>());
/**
 * Opens of a path in failNext let through before the one that fails: an audit opens a file for each look in turn (an own
 * output? its role sample, its time-order probe, then the main read), so the look to fail is told by its place.
 */
const passFirst = vi.hoisted(() => new Map<string, number>());
/** Paths whose next stream through node:fs's createReadStream fails with the code given, once. */
const failStream = vi.hoisted(() => new Map<string, string>());

/** A system error as Node gives one for `syscall` on `path`. */
const systemError = vi.hoisted(() => (code: string, path: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed, open '${path}'`), { code, syscall: 'open', path }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof fs.open>): ReturnType<typeof fs.open> => {
    const code = failNext.get(String(args[0]));
    const pass = passFirst.get(String(args[0])) ?? 0;
    if (pass > 0) passFirst.set(String(args[0]), pass - 1);
    if (code === undefined || pass > 0) return fs.open(...args);
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

/**
 * Opens of an audited regular file before the one a look makes: the own-output look's, then the role sample's, then the
 * time-order probe's, then (a file running newest first) the count of its lines to read it from its end.
 */
const OPENS_BEFORE = { sample: 1, probe: 2, count: 3 } as const;
/** A sidecar's log large enough for time-order probes (two at least, 64 KiB apart). */
const probedLog = sidecar.repeat(Math.ceil((200 << 10) / sidecar.length));
/** A sidecar's log of 256 KiB running newest first (a log store's export): its probes all go back, so it is read from its end. */
const newestFirstLog = Array.from({ length: 1200 }, (_, i) => {
  const at = new Date(Date.parse('2026-11-02T12:00:00.000Z') - i * 1000).toISOString();
  return `[${at}] "- - -" 0 - - - "-" 100 200 5 - "-" "-" "-" "-" "93.184.216.34:443" PassthroughCluster 10.244.1.6:${41000 + i} 93.184.216.34:443 10.244.1.6:${11000 + i} www.example.com -\n`;
}).join('');

describe("a walk's look into a YAML, XML or HTML file for access-log entries", () => {
  // Left out as configuration unless its head holds entries: one whose head could not be read was left out in silence.
  it('says which file it could not look into, and why, rather than leave it out unsaid', async () => {
    const dir = tempDir('ea-peek-walk-');
    writeFileSync(join(dir, 'sidecar.log'), sidecar);
    writeFileSync(join(dir, 'export.yaml'), `- textPayload: '${corpusPairs[0]?.sidecar.replaceAll("'", "''")}'\n`);
    failNext.set(join(dir, 'export.yaml'), 'EIO');
    const warnings: string[] = [];
    const files = await findInputs([dir], (w) => warnings.push(w));
    expect(files.map((f) => f.name.slice(dir.length + 1))).toEqual(['sidecar.log']);
    expect(warnings).toEqual([`${join(dir, 'export.yaml')}: skipped, not looked into for access-log entries: cannot read (EIO)`]);
  });

  it('throws a fault of its own (no system call failed), not a file skipped', async () => {
    const dir = tempDir('ea-peek-walk-');
    writeFileSync(join(dir, 'export.yaml'), 'a: b\n');
    failNext.set(join(dir, 'export.yaml'), 'FAULT');
    await expect(findInputs([dir], () => undefined)).rejects.toThrow('a fault, not a read');
  });
});

describe('a file that cannot be read when its role sample or its time-order probe looks at it', () => {
  let stderr = '';
  beforeEach(() => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    // The report is not wanted here; a write's callback, when given, is called, as a written one's is.
    vi.spyOn(process.stdout, 'write').mockImplementation((_chunk: unknown, ...rest: unknown[]) => {
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    failNext.clear();
    passFirst.clear();
  });

  /** The exit code and stderr of an audit of `file` whose look `at` meets the error `code`, read as a sidecar's log. */
  async function audited(file: string, at: keyof typeof OPENS_BEFORE, code: string): Promise<{ code: number; stderr: string }> {
    failNext.set(file, code);
    passFirst.set(file, OPENS_BEFORE[at]);
    const exit = await runAudit([file], await auditOptions(['--sidecar', file, '-o', 'json']));
    expect(failNext.has(file)).toBe(false); // the look was the one that failed
    return { code: exit, stderr };
  }

  it.each([
    ['the time-order probes of a large file', 'probe', probedLog, 'EIO'],
    ['the whole-file order check of a small file', 'probe', sidecar, 'EACCES'],
    ['the role sample of a file', 'sample', sidecar, 'EMFILE'],
    ['the role sample of a file, moved away and back', 'sample', probedLog, 'ENOENT'],
    ['the count of the lines of a file running newest first, to read it from its end', 'count', newestFirstLog, 'EIO'],
  ] as const)('fails in %s (%s): exit 3, named with the main read\'s words, not read on as if the look had told', async (_what, at, content, code) => {
    const file = join(tempDir('ea-look-'), 'app.log');
    writeFileSync(file, content);
    const run = await audited(file, at, code);
    expect(run.stderr).toContain(`${file}: cannot read (${code})`);
    expect(run.code).toBe(3);
  });

  it('throws a fault of the probe\'s own (no system call failed), not an unreadable input', async () => {
    const file = join(tempDir('ea-look-'), 'app.log');
    writeFileSync(file, probedLog);
    const source = await fileSource([file]);
    const streams: LogStream[] = [];
    for await (const s of source.streams(new AbortController().signal)) streams.push(s);
    failNext.set(file, 'FAULT');
    await expect(sidecarPipeline().probeTimeOrder(streams[0] as LogStream)).rejects.toThrow('a fault, not a read');
  });
});

describe('a file whose role sample failed part way', () => {
  it('fails at the same point when the audit reads it, even should it be readable to its end by then', async () => {
    const lines = sidecar.split(/(?<=\n)/);
    const chunks = [lines.slice(0, 2).join(''), lines.slice(2, 4).join(''), lines.slice(4).join('')].map((c) => Buffer.from(c));
    const error = new InputError('app.log: cannot read (EIO)');
    let reads = 0;
    // The first read (the sample's) fails after its first chunk; a second (the audit's) would read it all.
    const file: LogStream = {
      info: { name: 'app.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: chunks.reduce((n, c) => n + c.length, 0) },
      async *chunks() {
        const failing = reads++ === 0;
        yield chunks[0] as Buffer;
        if (failing) throw error;
        yield* chunks.slice(1);
      },
    };
    const signal = new AbortController().signal;
    const { streams } = await resolveRoles([file], resolveFormat('auto') as FormatSpec, 65536, PIPELINE_SETTINGS, signal);
    const read: string[] = [];
    const readAll = async (): Promise<void> => {
      for await (const chunk of (streams[0] as LogStream).chunks(signal)) read.push(Buffer.from(chunk).toString());
    };
    await expect(readAll()).rejects.toBe(error);
    expect(read).toEqual([chunks[0]?.toString()]);
  });
});
