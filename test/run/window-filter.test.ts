import { describe, expect, it } from 'vitest';
import { WindowFilter } from '../../src/run/window-filter.js';
import { flow } from '../report/helpers.js';

const at = (iso: string): ReturnType<typeof flow> => flow({ startMs: Date.parse(iso) });
const SINCE = Date.parse('2024-03-01T10:00:00.000Z');
const UNTIL = Date.parse('2024-03-01T11:00:00.000Z');

describe('WindowFilter', () => {
  it('keeps a flow that started at since and before until, and counts the others', () => {
    const window = new WindowFilter({ sinceMs: SINCE, untilMs: UNTIL });
    expect(window.admits(at('2024-03-01T09:59:59.999Z'))).toBe(false);
    expect(window.admits(at('2024-03-01T10:00:00.000Z'))).toBe(true);
    expect(window.admits(at('2024-03-01T10:59:59.999Z'))).toBe(true);
    expect(window.admits(at('2024-03-01T11:00:00.000Z'))).toBe(false);
    expect(window.coverage()).toEqual({ since: '2024-03-01T10:00:00.000Z', until: '2024-03-01T11:00:00.000Z', flowsOutside: 2 });
  });

  it('leaves out (and counts) a flow with no start time: it cannot be placed in the window', () => {
    const window = new WindowFilter({ sinceMs: SINCE, untilMs: null });
    expect(window.admits(flow({ startMs: Number.NaN }))).toBe(false);
    expect(window.admits(at('2030-01-01T00:00:00.000Z'))).toBe(true);
    expect(window.coverage()).toEqual({ since: '2024-03-01T10:00:00.000Z', until: null, flowsOutside: 1 });
  });
});
