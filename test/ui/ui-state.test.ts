import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { INITIAL_UI, reduceKey, selectedIndex, type KeyContext, type UiState } from '../../src/ui/ui-state.js';
import { flow } from './helpers.js';

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
  home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false,
  backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false,
};
const key = (k: Partial<Key> = {}): Key => ({ ...NO_KEY, ...k });

const flows = [flow({ destination: { key: 'a:443' } }), flow({ destination: { key: 'b:443' } }), flow({ destination: { key: 'c:443' } })];
const ctx: KeyContext = {
  destinations: ['a:443', 'b:443', 'c:443'],
  findings: [30, 20, 10],
  flowOf: (_panel, index) => flows[index],
  detailRows: 50,
  pageRows: 10,
};

function press(state: UiState, ...keys: [string, Partial<Key>?][]): UiState | 'quit' {
  let s: UiState | 'quit' = state;
  for (const [input, k] of keys) {
    if (s === 'quit') return s;
    s = reduceKey(s, input, key(k), ctx);
  }
  return s;
}

function ok(s: UiState | 'quit'): UiState {
  if (s === 'quit') throw new Error('unexpected quit');
  return s;
}

describe('reduceKey', () => {
  it.each([
    { name: 'q', keys: [['q']] as [string, Partial<Key>?][] },
    { name: 'ctrl-c', keys: [['c', { ctrl: true }]] as [string, Partial<Key>?][] },
    { name: 'ctrl-c while typing a filter', keys: [['/'], ['c', { ctrl: true }]] as [string, Partial<Key>?][] },
  ])('quits on $name', ({ keys }) => {
    expect(press(INITIAL_UI, ...keys)).toBe('quit');
  });

  it('types q into the filter instead of quitting', () => {
    const s = ok(press(INITIAL_UI, ['/'], ['q']));
    expect(s.filter).toBe('q');
    expect(s.editingFilter).toBe(true);
  });

  it('moves focus between the panels with tab', () => {
    expect(ok(press(INITIAL_UI, ['', { tab: true }])).focus).toBe('findings');
    expect(ok(press(INITIAL_UI, ['', { tab: true }], ['', { tab: true }])).focus).toBe('destinations');
  });

  it.each([
    { name: 'j', keys: [['j']], index: 1 },
    { name: 'down arrow twice', keys: [['', { downArrow: true }], ['', { downArrow: true }]], index: 2 },
    { name: 'j past the end', keys: [['j'], ['j'], ['j'], ['j']], index: 2 },
    { name: 'k above the top', keys: [['k']], index: 0 },
    { name: 'j then up arrow', keys: [['j'], ['', { upArrow: true }]], index: 0 },
    { name: 'G to the last row', keys: [['G']], index: 2 },
  ] as { name: string; keys: [string, Partial<Key>?][]; index: number }[])('selects rows with $name', ({ keys, index }) => {
    const s = ok(press(INITIAL_UI, ...keys));
    expect(selectedIndex(s, ctx)).toBe(index);
  });

  it('keeps a selection by key when the rows reorder', () => {
    const s = ok(press(INITIAL_UI, ['j']));
    expect(s.selectedDestination).toBe('b:443');
    expect(selectedIndex(s, { destinations: ['b:443', 'c:443', 'a:443'], findings: [] })).toBe(0);
  });

  it('follows the newest finding again when the selection returns to the top of the feed', () => {
    const s = ok(press(INITIAL_UI, ['', { tab: true }], ['j'], ['k']));
    expect(s.selectedFinding).toBeNull();
  });

  it('opens the selected flow with enter and goes back with esc', () => {
    const open = ok(press(INITIAL_UI, ['j'], ['', { return: true }]));
    expect(open.detail).toBe(flows[1]);
    const back = ok(press(open, ['', { escape: true }]));
    expect(back.detail).toBeNull();
  });

  it('scrolls the detail within its rows', () => {
    const open = ok(press(INITIAL_UI, ['', { return: true }]));
    expect(ok(press(open, ['j'], ['j'])).scroll).toBe(2);
    expect(ok(press(open, ['k'])).scroll).toBe(0);
    expect(ok(press(open, ['', { pageDown: true }])).scroll).toBe(10);
    expect(ok(press(open, ['G'])).scroll).toBe(40);
  });

  it('scrolls the detail a row per page, to its last row, when the screen shows no content row (the title only)', () => {
    const short = { ...ctx, pageRows: 0 };
    const open = ok(reduceKey(INITIAL_UI, '', key({ return: true }), short));
    expect(ok(reduceKey(open, '', key({ pageDown: true }), short)).scroll).toBe(1);
    expect(ok(reduceKey(open, 'G', key(), short)).scroll).toBe(49);
  });

  it('edits the filter: typing, backspace, enter keeps it, esc clears it', () => {
    const typed = ok(press(INITIAL_UI, ['/'], ['s'], ['h'], ['x'], ['', { backspace: true }]));
    expect(typed.filter).toBe('sh');
    const kept = ok(press(typed, ['', { return: true }]));
    expect(kept).toMatchObject({ filter: 'sh', editingFilter: false });
    const cleared = ok(press(typed, ['', { escape: true }]));
    expect(cleared).toMatchObject({ filter: '', editingFilter: false });
  });

  it('cycles the sort with s, toggles pause with p and help with ?', () => {
    expect(ok(press(INITIAL_UI, ['s'])).sort).toBe('flows');
    expect(ok(press(INITIAL_UI, ['p'])).paused).toBe(true);
    expect(ok(press(INITIAL_UI, ['p'], ['p'])).paused).toBe(false);
    const help = ok(press(INITIAL_UI, ['?']));
    expect(help.help).toBe(true);
    expect(ok(press(help, ['j'])).selectedDestination).toBeNull();
    expect(ok(press(help, ['', { escape: true }])).help).toBe(false);
  });

  it('scrolls the help with j/k and g/G, within its rows, and leaves the detail where it was', () => {
    const detail = ok(press(INITIAL_UI, ['', { return: true }], ['j'], ['j']));
    expect(detail.scroll).toBe(2);
    const help = ok(press(detail, ['?'], ['j'], ['j'], ['j']));
    expect(help).toMatchObject({ help: true, helpScroll: 3, scroll: 2 });
    expect(ok(press(help, ['G'])).helpScroll).toBe(40); // 50 rows, 10 a page
    expect(ok(press(help, ['G'], ['j'])).helpScroll).toBe(40);
    expect(ok(press(help, ['g'])).helpScroll).toBe(0);
    const back = ok(press(help, ['?']));
    expect(back).toMatchObject({ help: false, scroll: 2 });
    expect(ok(press(back, ['?'])).helpScroll).toBe(0); // opened again, from the top
  });
});
