// A stream's log time against lines far ahead of it (log-leap.ts): a run of lines a day ahead no longer than
// STRAY_CONFIRM_LINES leaves it where it was and counts them as strays; a longer run, as a file that skips an hour
// makes, moves it there after that many lines, whatever comes next.
import { describe, expect, it } from 'vitest';
import { STRAY_CONFIRM_LINES, closeLeap, readLogTime, type LeapState } from '../../src/pipeline/log-leap.js';

const WINDOW_MS = 5000;
const T0 = Date.parse('2026-03-29T00:30:00Z');
const DAY_MS = 86_400_000;

/** Reads lines ending at `ends` (each starting 100 ms before its end, none going back) after a stream's log time T0; returns the state. */
function read(ends: number[]): LeapState {
  const state: LeapState = { progressMs: T0, leap: null, strays: null };
  ends.forEach((end, i) => expect(readLogTime(state, i + 2, end - 100, end, WINDOW_MS)).toBe(false));
  return state;
}

/** `n` lines a second apart from `fromMs`. */
const lines = (n: number, fromMs: number): number[] => Array.from({ length: n }, (_, i) => fromMs + i * 1000);

describe('a leap of log time', () => {
  it('two lines in a row a day ahead, then lines level with the time before: two strays, the log time stays', () => {
    const state = read([...lines(2, T0 + DAY_MS), ...lines(3, T0 + 1000)]);
    expect(state.progressMs).toBe(T0 + 3000);
    expect(state.leap).toBeNull();
    expect(state.strays).toEqual({ count: 2, first: { line: 2, endMs: T0 + DAY_MS, aheadMs: DAY_MS, startsAhead: true } });
  });

  it('as many lines in a row as confirm a leap, less one: all strays', () => {
    const state = read([...lines(STRAY_CONFIRM_LINES, T0 + DAY_MS), T0 + 1000]);
    expect(state.progressMs).toBe(T0 + 1000);
    expect(state.strays?.count).toBe(STRAY_CONFIRM_LINES);
  });

  it('a file that skips an hour: the log time moves there once enough lines follow, and on with them', () => {
    const after = lines(STRAY_CONFIRM_LINES + 1, T0 + 3_600_000);
    const state = read(after);
    expect(state.progressMs).toBe(after.at(-1));
    expect(state.leap).toBeNull();
    expect(state.strays).toBeNull();
    const on = read([...after, T0 + 3_640_000]);
    expect(on.progressMs).toBe(T0 + 3_640_000);
  });

  it('a jump the stream ends within moves the log time when it closes, uncounted', () => {
    const state = read(lines(3, T0 + 3_600_000));
    expect(state.progressMs).toBe(T0);
    closeLeap(state);
    expect(state.progressMs).toBe(T0 + 3_600_000 + 2000);
    expect(state.strays).toBeNull();
  });

  it('a line whose end alone lies ahead (a long connection in a start-ordered export) is no stray', () => {
    const state: LeapState = { progressMs: T0, leap: null, strays: null };
    expect(readLogTime(state, 2, T0 + 10, T0 + 7_200_000, WINDOW_MS)).toBe(false);
    expect(readLogTime(state, 3, T0 + 20, T0 + 30, WINDOW_MS)).toBe(false);
    expect(state.strays).toBeNull();
    expect(state.progressMs).toBe(T0 + 30);
  });

  it('a line more than the window behind the log time, after strays, is a jump back', () => {
    const state = read([T0 + DAY_MS]);
    expect(readLogTime(state, 3, T0 + 100, T0 + 1000, WINDOW_MS)).toBe(false);
    expect(readLogTime(state, 4, T0 - 10_100, T0 - 10_000, WINDOW_MS)).toBe(true);
    expect(state.strays?.count).toBe(1);
  });
});
