// Peeked chunks given again (sources/peek.ts): a merge by log time holds thousands of streams paused in their first
// chunk, already split into lines, so the replay must not keep the chunks it has given.
import { describe, expect, it } from 'vitest';
import { replayed } from '../../src/sources/peek.js';

describe('replayed', () => {
  it('takes each peeked chunk out of the head as it gives it, then reads on', async () => {
    const head = [Buffer.from('a\n'), Buffer.from('b\n')];
    const rest = (async function* () {
      yield Buffer.from('c\n');
    })();
    const chunks = replayed(head, false, rest);
    const given: string[] = [];
    const lengths: number[] = [];
    for await (const chunk of chunks) {
      given.push(chunk.toString());
      lengths.push(head.length);
    }
    expect(given).toEqual(['a\n', 'b\n', 'c\n']);
    expect(lengths).toEqual([1, 0, 0]);
  });
});
