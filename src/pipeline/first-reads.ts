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
    cursor.chunks = {
      next: () => {
        if (!first) return inner.next();
        first = false;
        asked.add(cursor);
        const read = started.get(cursor) ?? inner.next();
        started.delete(cursor);
        startMore();
        return read;
      },
      ...(inner.return ? { return: (value?: unknown) => (inner.return as (value?: unknown) => Promise<IteratorResult<T>>)(value) } : {}),
    };
  }
  startMore();
}
