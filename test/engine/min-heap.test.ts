// The one min-heap (the release queue's entries set aside, the generator's lines by end time).
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../src/min-heap.js';
import { seeded } from '../helpers/random.js';

describe('MinHeap', () => {
  it('gives back every item, smallest key first, whatever order they came in', () => {
    const random = seeded(7);
    const heap = new MinHeap<{ k: number }>((x) => x.k);
    const keys = Array.from({ length: 500 }, () => Math.floor(random() * 100));
    for (const k of keys) heap.push({ k });
    expect(heap.size).toBe(500);
    const out: number[] = [];
    for (let x = heap.pop(); x !== undefined; x = heap.pop()) out.push(x.k);
    expect(out).toEqual([...keys].sort((a, b) => a - b));
    expect(heap.peek()).toBeUndefined();
  });
});
