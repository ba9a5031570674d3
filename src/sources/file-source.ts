import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import picomatch from 'picomatch';
import { glob, isDynamicPattern } from 'tinyglobby';
import { InputError, UsageError } from '../errors.js';
import type { LogStream, RoleAssignment, Source, StreamInfo } from '../types.js';
import { podFromPath } from './pod-path.js';

/** Read size per chunk: large enough that per-chunk overhead vanishes, small enough for flat memory. */
const CHUNK = 256 << 10;
/** Memory the read-ahead buffers of all open files may take together (many files get smaller chunks). */
const READ_AHEAD_BUDGET = 64 << 20;
/** The smallest chunk, also used for paced replays so that pacing is smooth. */
export const SMALL_CHUNK = 16 << 10;

/** Which files the user said are what (`--sidecar`, `--gateway`, `--ingress`). */
export interface RoleFlags {
  sidecar: string[];
  gateway: string[];
  ingress: string[];
}

function streamInfo(name: string, size: number | null, role: RoleAssignment | null): StreamInfo {
  const pod = name === '-' ? null : podFromPath(name);
  return {
    name,
    kind: name === '-' ? 'stdin' : 'file',
    pod: pod?.pod ?? null,
    namespace: pod?.namespace ?? null,
    container: pod?.container ?? null,
    labels: null,
    role,
    size,
  };
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** A file on disk; `.gz` content (detected by its magic bytes, not its name) is decompressed. */
export function fileStream(path: string, size: number | null, role: RoleAssignment | null = null, chunkSize = CHUNK): LogStream {
  return {
    info: streamInfo(path, size, role),
    async *chunks(signal) {
      let gzip: boolean;
      try {
        gzip = await isGzip(path);
      } catch (error) {
        throw new InputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      const raw = createReadStream(path, { highWaterMark: chunkSize, signal });
      const input = gzip ? raw.pipe(createGunzip({ chunkSize })) : raw;
      if (gzip) raw.on('error', (error) => input.destroy(error));
      try {
        for await (const chunk of input) yield chunk as Buffer;
      } catch (error) {
        if (signal.aborted) return;
        const what = gzip ? 'corrupt or truncated gzip data' : 'read failed';
        throw new InputError(`${path}: ${what} (${(error as Error).message})`);
      }
    },
  };
}

/** Standard input as one stream named `-`. */
export function stdinStream(role: RoleAssignment | null = null): LogStream {
  return {
    info: streamInfo('-', null, role),
    async *chunks(signal) {
      const onAbort = (): void => void process.stdin.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const chunk of process.stdin) yield chunk as Buffer;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** Files a directory walk leaves out: hidden files and documentation or configuration next to the logs. */
const NOT_LOGS = /(^\.|\.(md|markdown|ya?ml|toml|sh|py|js|ts|png|jpe?g|gif|svg|pdf|html?|sarif|xml)$)/i;

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (NOT_LOGS.test(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile()) out.push(full);
  }
}

/** Expands FILE|DIR|GLOB|- operands into sorted, de-duplicated file paths (and '-'); missing ones exit 3. */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const input of inputs) {
    if (input === '-') {
      found.add('-');
      continue;
    }
    const info = await stat(input).catch(() => null);
    if (info?.isFile()) found.add(input);
    else if (info?.isDirectory()) {
      const files: string[] = [];
      await walk(input, files);
      files.forEach((f) => found.add(f));
    } else if (isDynamicPattern(input)) {
      const matches = await glob(input, { onlyFiles: true, dot: false, expandDirectories: false, absolute: isAbsolute(input) });
      if (matches.length === 0) throw new InputError(`${input}: no files match this pattern`);
      matches.forEach((f) => found.add(f));
    } else {
      throw new InputError(`${input}: no such file or directory`);
    }
  }
  return [...found].sort((a, b) => (a === '-' ? -1 : b === '-' ? 1 : a.localeCompare(b)));
}

function roleMatcher(flags: RoleFlags): (path: string) => RoleAssignment | null {
  const rules: [RoleAssignment['role'], string, string[]][] = [
    ['egress-gateway', '--gateway', flags.gateway],
    ['ingress-gateway', '--ingress', flags.ingress],
    ['sidecar', '--sidecar', flags.sidecar],
  ];
  const compiled = rules.map(([role, flag, patterns]) => ({ role, flag, patterns, match: patterns.length ? picomatch(patterns) : () => false }));
  return (path) => {
    for (const r of compiled) {
      const named = r.patterns.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
      if (named || r.match(path)) return { role: r.role, rule: `flag:${r.flag}`, detail: `${path} named by ${r.flag}` };
    }
    return null;
  };
}

/** Files, directories, globs and stdin as one Source; role flags add their files and assert their role. */
export async function fileSource(
  inputs: string[],
  flags: RoleFlags = { sidecar: [], gateway: [], ingress: [] },
  options: { chunkSize?: number } = {},
): Promise<Source> {
  const operands = [...inputs, ...flags.sidecar, ...flags.gateway, ...flags.ingress];
  if (operands.length === 0) {
    if (process.stdin.isTTY) throw new UsageError('no input: give log files, directories or globs, or pipe logs into - (see --help)');
    operands.push('-');
  }
  const paths = await expandInputs(operands);
  const roleOf = roleMatcher(flags);
  const sizes = await Promise.all(paths.map((p) => (p === '-' ? null : stat(p).then((s) => s.size))));
  const chunk = options.chunkSize ?? Math.max(SMALL_CHUNK, Math.min(CHUNK, Math.floor(READ_AHEAD_BUDGET / paths.length)));
  const streams = paths.map((p, i) => (p === '-' ? stdinStream(roleOf('-')) : fileStream(p, sizes[i] ?? null, roleOf(p), chunk)));
  const described = paths.length === 1 ? (paths[0] === '-' ? 'stdin' : (paths[0] as string)) : `${paths.length} files`;
  return {
    describe: () => described,
    async *streams() {
      yield* streams;
    },
  };
}
