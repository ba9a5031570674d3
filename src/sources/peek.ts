/**
 * Looking at a stream's first bytes before it is read (gzip or UTF-16 magic, a newest-first head),
 * without seeking or reopening: a FIFO or stdin is read once and whole.
 */

/**
 * Chunks until `enough` says the bytes so far suffice (or the input ended): a pipe may hand over one
 * byte at a time, and a live one may wait long for its next, so no more is asked for than needed.
 */
export async function peek<T extends Uint8Array>(iterator: AsyncIterator<T>, enough: (first: Uint8Array) => boolean): Promise<{ head: T[]; ended: boolean }> {
  const head: T[] = [];
  while (!enough(joined(head))) {
    const next = await iterator.next();
    if (next.done === true) return { head, ended: true };
    head.push(next.value);
  }
  return { head, ended: false };
}

/** The peeked chunks as one buffer (usually there is one). */
export function joined(head: Uint8Array[]): Uint8Array {
  return head.length === 1 ? (head[0] as Uint8Array) : Buffer.concat(head);
}

/**
 * The peeked chunks again, then a chunk whose read was still under way when peeking stopped (`pending`),
 * then the rest of the stream (the iterator they were taken from). Each chunk leaves `head` as it is given, so a
 * stream read on keeps none it passed on: a merge by log time holds thousands of streams paused in their first
 * chunk, each already split into the lines waiting, and `yield* head` kept every such chunk's bytes besides.
 */
export async function* replayed<T extends Uint8Array>(head: T[], ended: boolean, iterator: AsyncIterator<T>, pending: Promise<IteratorResult<T>> | null = null): AsyncGenerator<T> {
  while (head.length > 0) yield head.shift() as T;
  if (ended) return;
  if (pending !== null) {
    const next = await pending;
    if (next.done === true) return;
    yield next.value;
  }
  yield* { [Symbol.asyncIterator]: () => iterator };
}
