// A newest-first export is read from its last line back. Whatever the block size, the lines come out
// as the front-to-back read splits them, last first, and a line over the limit comes as a mark (so that
// it is counted too long at its place) instead of being held whole, or stood in for by limit + 1 bytes.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { seeded } from '../../bench/random.js';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { StreamReader } from '../../src/lines/stream-reader.js';
import { readBackwards } from '../../src/sources/backward-lines.js';
import { HandlePool } from '../../src/sources/handle-pool.js';
import type { StreamInfo } from '../../src/types.js';
import { corpusLines } from '../helpers/corpus.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const DIR = tempDir('ea-backward-');
const MAX = 40;
const INFO: StreamInfo = { name: 'counted.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
const AUTO = resolveFormat('auto') as FormatSpec;
const POOL = new HandlePool(4);

function file(name: string, content: string | Buffer): string {
  const path = join(DIR, name);
  writeFileSync(path, content);
  return path;
}

/** The file's lines as a front-to-back read splits them (the newline that ends the last line ends it). */
function forwardLines(content: string): string[] {
  if (content === '') return [];
  return (content.endsWith('\n') ? content.slice(0, -1) : content).split('\n');
}

/**
 * What a backward read must yield: the lines last first, each ended by a newline, too-long ones as a
 * mark (written `<too-long>`, `<padded too-long>` after a NUL run); a line's leading NUL run (which a
 * front-to-back read drops and counts) unmeasured and not handed over, a `<padded>` mark before the line.
 */
function expected(content: string): string {
  return forwardLines(content)
    .reverse()
    .map((line) => {
      const pad = /^\0+/.exec(line)?.[0].length ?? 0;
      const rest = line.slice(pad);
      if (Buffer.byteLength(rest) > MAX) return pad > 0 ? '<padded too-long>' : '<too-long>';
      return `${pad > 0 ? '<padded>' : ''}${rest}\n`;
    })
    .join('');
}

async function readAll(path: string, blockSize: number): Promise<{ lines: number; text: string }> {
  const read = await readBackwards(path, path, MAX, 0, POOL, blockSize);
  if (read === null) throw new Error('not readable backwards');
  const chunks: Buffer[] = [];
  for await (const chunk of read.chunks(new AbortController().signal)) {
    if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    else chunks.push(Buffer.from(`<${chunk.nulPadded ? 'padded' : ''}${chunk.nulPadded && chunk.tooLong ? ' ' : ''}${chunk.tooLong ? 'too-long' : ''}>`));
  }
  return { lines: read.lines, text: Buffer.concat(chunks).toString('utf8') };
}

describe('reading a file from its last line back', () => {
  it.each([
    ['ends with a newline', 'a\nbb\nccc\n'],
    ['no newline at the end', 'a\nbb\nccc'],
    ['empty lines, first and last', '\n\na\n\n'],
    ['a lone newline', '\n'],
    ['CRLF kept inside the lines', 'one\r\ntwo\r\n'],
    ['a line over the limit between short ones', `a\n${'y'.repeat(MAX + 5)}\nb\n`],
    ['a first line over the limit', `${'z'.repeat(MAX * 3)}\nb`],
    ['multi-byte characters across block edges', 'é€😀\nñ\n€€€€\n'],
    ['a NUL run longer than the limit before the first line (logrotate copytruncate)', `${'\0'.repeat(MAX * 3)}abc\nb\n`],
    ['a NUL run before a line in the middle, and a line of NULs only', `a\n${'\0'.repeat(MAX + 1)}bb\n\0\0\0\nc`],
    ['a NUL run before a line that is too long itself', `${'\0'.repeat(7)}${'q'.repeat(MAX + 1)}\nd\n`],
    ['NULs inside a line count towards its length', `a${'\0'.repeat(MAX)}b\nc\n`],
  ])('%s: the same lines as a front-to-back read, last first, at every block size', async (_name, content) => {
    const path = file(`case-${content.length}-${Math.random().toString(36).slice(2)}.log`, content);
    for (const block of [1, 2, 3, 5, 7, 64, 1 << 20]) {
      const got = await readAll(path, block);
      expect(got.text, `block ${block}`).toBe(expected(content));
      expect(got.lines).toBe(forwardLines(content).length);
    }
  });

  it('gives the same lines on 2,000 generated lines of random lengths (seed 7), with small blocks', async () => {
    const random = seeded(7);
    const lines = Array.from({ length: 2000 }, (_, i) => (random() < 0.02 ? 'L'.repeat(MAX + Math.floor(random() * 200)) : `${i} ${'v'.repeat(Math.floor(random() * MAX * 0.9))}`.slice(0, MAX)));
    const content = `${lines.join('\n')}\n`;
    const path = file('generated.log', content);
    for (const block of [13, 97, 4096]) expect((await readAll(path, block)).text).toBe(expected(content));
  });

  it('counts as a front-to-back read does, through a StreamReader (too-long and NUL-padded lines by their marks), with the same problem line numbers', async () => {
    const good = corpusLines[0]?.line as string;
    const max = good.length + 10;
    const content = `${good}\n${'\0'.repeat(5)}${good}\n${'t'.repeat(max + 1)}\n${'\0'.repeat(max * 2)}${'u'.repeat(max * 3)}\nnot a log\n\0\0\n${good}`;
    const path = file('counted.log', content);
    const forward = new StreamReader({ info: INFO, spec: AUTO, maxLineLength: max, onRecord: () => undefined });
    forward.push(Buffer.from(content));
    forward.end();
    for (const block of [7, 64, 1 << 20]) {
      const read = await readBackwards(path, path, max, 0, POOL, block);
      if (read === null) throw new Error('not readable backwards');
      const back = new StreamReader({ info: INFO, spec: AUTO, maxLineLength: max, onRecord: () => undefined, backFrom: read.lines });
      for await (const chunk of read.chunks(new AbortController().signal)) {
        if (chunk instanceof Uint8Array) back.push(chunk);
        else back.mark(chunk);
      }
      back.end();
      expect(back.counts, `block ${block}`).toEqual(forward.counts);
      expect(back.counts).toMatchObject({ lines: 7, records: 3, tooLong: 2, nulPadded: 3 });
      expect([...back.problems].sort((a, b) => a.line - b.line), `block ${block}`).toEqual(forward.problems);
    }
  });

  it('reads with a descriptor of the pool, closed once read, and refuses a file that took the path after its lines were counted', async () => {
    const pool = new HandlePool(2);
    const path = file('rotated.log', 'c\nb\na\n');
    const read = await readBackwards(path, 'rotated.log', MAX, 0, pool, 8);
    if (read === null) throw new Error('not readable backwards');
    expect(pool.openCount).toBe(0); // counting its lines held none of the pool's
    const chunks = read.chunks(new AbortController().signal)[Symbol.asyncIterator]();
    await chunks.next();
    expect(pool.openCount).toBe(1);
    await chunks.return?.(undefined);
    expect(pool.openCount).toBe(0);
    // Rotated (logrotate's create mode) between the count and the read: the count is another file's.
    const again = await readBackwards(path, 'rotated.log', MAX, 0, pool, 8);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'x\ny\nz\nw\n');
    const lines = again?.chunks(new AbortController().signal)[Symbol.asyncIterator]();
    await expect(lines?.next()).rejects.toThrow(/^rotated\.log: replaced while it was read .*; it was not audited: audit a copy/);
    expect(pool.openCount).toBe(0);
  });

  it('reads an empty file as no lines', async () => {
    expect(await readAll(file('empty.log', ''), 8)).toEqual({ lines: 0, text: '' });
  });

  it('declines gzip (it can only be read from its start)', async () => {
    expect(await readBackwards(file('x.log.gz', gzipSync('a\nb\n')), 'x.log.gz', MAX, 0, POOL)).toBeNull();
  });

  it('fails to read a file it cannot open, in the main read\'s words: not declined, to be read forwards as if looked at', async () => {
    const read = await readBackwards(join(DIR, 'missing.log'), 'missing.log', MAX, 0, POOL);
    expect(read?.lines).toBe(0);
    const first = async (): Promise<unknown> => read?.chunks(new AbortController().signal)[Symbol.asyncIterator]().next();
    await expect(first()).rejects.toThrow('missing.log: cannot read (ENOENT)');
  });
});
