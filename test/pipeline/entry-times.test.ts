import { describe, expect, it } from 'vitest';
import { LineParser, type FormatSpec } from '../../parsers/index.js';
import { EntryBuilder } from '../../src/pipeline/entry-builder.js';
import type { StreamInfo } from '../../src/types.js';
import { corpusLines } from '../helpers/corpus.js';

/**
 * Entries keep their times in slabs shared by ~2,000 entries (no boxed numbers per entry): every
 * entry of a long stream still reads its own start and end, whichever slab they landed in.
 */
const info: StreamInfo = { name: 'a.log', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };

describe('entry times', () => {
  it('are each entry's own, across many slabs', () => {
    const template = corpusLines.find((o) => o.line.includes('"GET /reviews/0'))?.line as string;
    const stamp = /^\[([^\]]+)\]/.exec(template)?.[1] as string;
    const parser = new LineParser({ kind: 'auto' } as FormatSpec, 65536);
    const builder = new EntryBuilder(info, () => 'sidecar', false);
    const entries = [];
    const base = Date.parse(stamp);
    for (let i = 0; i < 10_000; i++) {
      const line = template.replace(stamp, new Date(base + i * 1000).toISOString());
      expect(parser.parse(line)).toBe('record');
      entries.push(builder.build(parser.view, i + 1, line));
    }
    entries.forEach((e, i) => {
      expect(e.startMs).toBe(base + i * 1000);
      expect(e.endMs).toBe(base + i * 1000 + (e.record.duration ?? 0));
    });
  });
});
