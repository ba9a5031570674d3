// Work on many inputs a few at once (src/map-limited.ts), as the passes before an audit read a directory of small
// logs: results and in-turn sections in input order whatever order the work ends in, never more than the limit at once,
// and the failure a loop one at a time would have met.
import { describe, expect, it } from 'vitest';
import { mapLimited } from '../../src/map-limited.js';

/** Resolves after `ticks` turns of the event loop: work that ends later the smaller its index, deterministically. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('mapLimited', () => {
  it('keeps results in input order when the work ends in reverse order, with at most `limit` under way', async () => {
    let running = 0;
    let most = 0;
    const ended: number[] = [];
    const items = Array.from({ length: 10 }, (_, i) => i);
    const results = await mapLimited(items, 4, async (item) => {
      most = Math.max(most, ++running);
      await ticks(10 - item);
      running--;
      ended.push(item);
      return `r${item}`;
    });
    expect(results).toEqual(items.map((i) => `r${i}`));
    expect(most).toBe(4);
    expect(ended.slice(0, 4)).toEqual([3, 2, 1, 0]); // the work did end out of order
  });

  it('runs the in-turn sections in input order, each after every earlier input is done with its own (or took none)', async () => {
    const said: string[] = [];
    await mapLimited([0, 1, 2, 3, 4, 5], 6, async (item, _, inTurn) => {
      await ticks(6 - item);
      if (item === 2) return; // no section: its turn passes once it ends
      await inTurn(async () => {
        said.push(`start ${item}`);
        await ticks(3);
        said.push(`end ${item}`);
      });
    });
    expect(said).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 3', 'end 3', 'start 4', 'end 4', 'start 5', 'end 5']);
  });

  it('throws the earliest failing input\'s error, starts nothing after a failure, and takes no turn after it', async () => {
    const started: number[] = [];
    const turns: number[] = [];
    const run = mapLimited([0, 1, 2, 3, 4, 5, 6, 7], 3, async (item, _, inTurn) => {
      started.push(item);
      await ticks(8 - item);
      if (item === 1 || item === 2) throw new Error(`failed ${item}`);
      await inTurn(() => turns.push(item));
    });
    await expect(run).rejects.toThrow('failed 1');
    expect(started).toEqual([0, 1, 2]);
    expect(turns).toEqual([0]);
  });

  it('maps nothing to nothing', async () => {
    expect(await mapLimited([], 16, async () => 1)).toEqual([]);
  });
});
