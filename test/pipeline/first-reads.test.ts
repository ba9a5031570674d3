// The first chunks of a merge's streams read ahead of it (src/pipeline/first-reads.ts): each stream still gives its
// own chunks in order, its first one first, with at most `ahead` first reads started before they are asked for.
import { describe, expect, it } from 'vitest';
import { readFirstChunksAhead, readNextChunksAhead } from '../../src/pipeline/first-reads.js';

/** A stream of `chunks` whose reads are logged as `name:index` when they start. */
function cursor(name: string, chunks: string[], log: string[], fail = false): { chunks: AsyncIterator<string> } {
  let at = 0;
  return {
    chunks: {
      async next() {
        log.push(`${name}:${at}`);
        if (fail) throw new Error(`${name} unreadable`);
        return at < chunks.length ? { done: false, value: chunks[at++] as string } : { done: true, value: undefined };
      },
    },
  };
}

/** Every chunk of `c`, asked for as the merge asks: until done. */
async function drain(c: { chunks: AsyncIterator<string> }): Promise<string[]> {
  const out: string[] = [];
  for (let next = await c.chunks.next(); next.done !== true; next = await c.chunks.next()) out.push(next.value);
  return out;
}

describe('readFirstChunksAhead', () => {
  it('gives each stream its chunks in order, first chunk first, and reads at most `ahead` first chunks before they are asked for', async () => {
    const log: string[] = [];
    const cursors = ['a', 'b', 'c', 'd', 'e'].map((n) => cursor(n, [`${n}0`, `${n}1`], log));
    readFirstChunksAhead(cursors, 2);
    expect(log).toEqual(['a:0', 'b:0']);
    expect(await drain(cursors[0] as { chunks: AsyncIterator<string> })).toEqual(['a0', 'a1']);
    expect(log).toEqual(['a:0', 'b:0', 'c:0', 'a:1', 'a:2']); // a's first taken: c's started; a's later reads as asked
    // Asked out of the order named: e's first read starts then, d's is started ahead.
    expect(await drain(cursors[4] as { chunks: AsyncIterator<string> })).toEqual(['e0', 'e1']);
    for (const [i, c] of cursors.slice(1, 4).entries()) expect(await drain(c)).toEqual(['bcd'[i] + '0', 'bcd'[i] + '1']);
    expect(log.filter((l) => l.endsWith(':0'))).toHaveLength(5); // each first chunk read once
  });

  it("gives a first read's failure to the merge when it asks, not before", async () => {
    const log: string[] = [];
    const cursors = [cursor('a', ['a0'], log, true), cursor('b', ['b0'], log)];
    readFirstChunksAhead(cursors, 4);
    await new Promise((resolve) => setImmediate(resolve)); // the failed read is settled, unhandled were it not caught
    await expect((cursors[0] as { chunks: AsyncIterator<string> }).chunks.next()).rejects.toThrow('a unreadable');
    expect(await drain(cursors[1] as { chunks: AsyncIterator<string> })).toEqual(['b0']);
  });
});

describe('readNextChunksAhead', () => {
  it('starts the next read of a stream it is told of, at most `limit` at once, each stream still giving its chunks in order', async () => {
    const log: string[] = [];
    const cursors = ['a', 'b', 'c'].map((n) => cursor(n, [`${n}0`, `${n}1`, `${n}2`], log));
    readFirstChunksAhead(cursors, 1);
    const readAhead = readNextChunksAhead(cursors, 2);
    const [a, b, c] = cursors as [{ chunks: AsyncIterator<string> }, { chunks: AsyncIterator<string> }, { chunks: AsyncIterator<string> }];
    for (const x of cursors) await x.chunks.next(); // every stream's first chunk, as the merge's start takes them
    log.length = 0;
    readAhead(a);
    readAhead(a); // one under way already: not a second
    readAhead(b);
    readAhead(c); // two held: not a third
    expect(log).toEqual(['a:1', 'b:1']);
    expect((await a.chunks.next()).value).toBe('a1'); // the read made ahead, not another
    expect(log).toEqual(['a:1', 'b:1']);
    readAhead(c); // a's taken: room for c's
    expect(log).toEqual(['a:1', 'b:1', 'c:1']);
    expect(await drain(a)).toEqual(['a2']);
    expect(await drain(b)).toEqual(['b1', 'b2']);
    expect(await drain(c)).toEqual(['c1', 'c2']);
  });

  it("gives a read's failure to the merge when it asks, not when it was started", async () => {
    const log: string[] = [];
    const failing = cursor('a', ['a0'], log, true);
    const readAhead = readNextChunksAhead([failing], 4);
    readAhead(failing);
    await new Promise((resolve) => setImmediate(resolve)); // settled, unhandled were it not caught
    await expect(failing.chunks.next()).rejects.toThrow('a unreadable');
    expect(log).toEqual(['a:0']);
  });
});
