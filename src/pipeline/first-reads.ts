/**
 * The first reads of a merge's streams, started a few ahead of it. A merge by log time starts with every stream level
 * (no log time yet), so it asks each for its first chunk in the order they were named, one at a time: a directory of
 * 3,000 small logs waited there on one open, stat and read after another. Here the next few streams' first chunks are
 * already being read when the merge asks; what it gets, and when it gets an error, is the stream's own, as before.
 */

/** What the read-ahead needs of a merge's stream: the iterator it reads from, which the read-ahead wraps in place. */
export interface ReadAheadCursor<T> {
  chunks: AsyncIterator<T>;
}

/**
 * Wraps each of `cursors`' iterators so that, from now on, the first reads of the next `ahead` streams not yet asked
 * for (in the order of `cursors`) are under way: at most `ahead` first chunks are held at once, whatever the number of
 * streams. A stream's later reads, and its return, go to its iterator as they come.
 */
export function readFirstChunksAhead<T>(cursors: readonly ReadAheadCursor<T>[], ahead: number): void {
  const started = new Map<ReadAheadCursor<T>, Promise<IteratorResult<T>>>();
  const asked = new Set<ReadAheadCursor<T>>();
  const inners = new Map(cursors.map((cursor) => [cursor, cursor.chunks]));
  let next = 0;
  const startMore = (): void => {
    for (; started.size < ahead && next < cursors.length; next++) {
      const cursor = cursors[next] as ReadAheadCursor<T>;
      if (asked.has(cursor)) continue;
      const read = (inners.get(cursor) as AsyncIterator<T>).next();
      read.catch(() => undefined); // its failure is the merge's to meet, when it asks
      started.set(cursor, read);
    }
  };
  for (const cursor of cursors) {
    const inner = cursor.chunks;
    let first = true;
    cursor.chunks = withNext(inner, () => {
      if (!first) return inner.next();
      first = false;
      asked.add(cursor);
      const read = started.get(cursor) ?? inner.next();
      started.delete(cursor);
      startMore();
      return read;
    });
  }
  startMore();
}

/**
 * Wraps each of `cursors`' iterators (after readFirstChunksAhead, if both are used) so that the read of a stream's next
 * chunk can be started ahead of the merge asking for it: the returned function starts it for a stream the merge
 * resumes (the lines of its chunk it had waiting are read meanwhile), unless one is under way or `limit` streams hold
 * one already. A directory of 3,000 small files waited on each one's second read, file after file; the chunks the
 * merge holds are its streams' own plus `limit` at most. A stream's chunks, and its failure, come as they would.
 */
export function readNextChunksAhead<T>(cursors: readonly ReadAheadCursor<T>[], limit: number): (cursor: ReadAheadCursor<T>) => void {
  const ahead = new Map<ReadAheadCursor<T>, Promise<IteratorResult<T>>>();
  const inners = new Map(cursors.map((cursor) => [cursor, cursor.chunks]));
  for (const [cursor, inner] of inners) {
    cursor.chunks = withNext(inner, () => {
      const read = ahead.get(cursor) ?? inner.next();
      ahead.delete(cursor);
      return read;
    });
  }
  return (cursor) => {
    const inner = inners.get(cursor);
    if (inner === undefined || ahead.has(cursor) || ahead.size >= limit) return;
    const read = inner.next();
    read.catch(() => undefined); // its failure is the merge's to meet, when it asks
    ahead.set(cursor, read);
  };
}

/** `inner` with its reads made by `next`; its return (which ends the stream, a read under way or not) passed on. */
function withNext<T>(inner: AsyncIterator<T>, next: () => Promise<IteratorResult<T>>): AsyncIterator<T> {
  return { next, ...(inner.return ? { return: (value?: unknown) => (inner.return as (value?: unknown) => Promise<IteratorResult<T>>)(value) } : {}) };
}
