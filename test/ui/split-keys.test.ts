import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { splitKeys } from '../../src/ui/ui-state.js';

const none: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false,
  capsLock: false, numLock: false,
} as Key;

describe('keys that arrive together', () => {
  it('splits a typed-fast or pasted chunk into single presses, a carriage return becoming Enter', () => {
    const steps = splitKeys('/ab\r', none);
    expect(steps.map((s) => s.input)).toEqual(['/', 'a', 'b', '']);
    expect(steps.map((s) => s.key.return)).toEqual([false, false, false, true]);
  });

  it('leaves a single key and special keys alone', () => {
    expect(splitKeys('q', none)).toEqual([{ input: 'q', key: none }]);
    const up = { ...none, upArrow: true };
    expect(splitKeys('', up)).toEqual([{ input: '', key: up }]);
  });
});
