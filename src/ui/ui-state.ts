/**
 * The dashboard's interaction state and how keys change it: a pure reducer, so every key binding is
 * testable without a terminal. Selections are kept by key (destination, feed id), not by row number,
 * so a row stays selected while new data reorders the list.
 */
import type { Key } from 'ink';
import type { Flow } from '../types.js';
import { cleanInput } from './text.js';
import { nextSort, type SortKey } from './view.js';

/** The two list panels Tab moves between. */
export type Panel = 'destinations' | 'findings';

/** Everything the user controls. */
export interface UiState {
  focus: Panel;
  /** Selected destination key / feed item id; null follows the first row. */
  selectedDestination: string | null;
  selectedFinding: number | null;
  /** The flow whose detail is open (kept, so it does not change under the reader). */
  detail: Flow | null;
  scroll: number;
  filter: string;
  editingFilter: boolean;
  sort: SortKey;
  paused: boolean;
  help: boolean;
  /** First row of the help shown (its own, so closing the help goes back to the detail where it was). */
  helpScroll: number;
  /** The destination whose enter found no flow kept to show (the store keeps a bounded number): the key bar says so until the next key. */
  unkept: string | null;
}

/** The initial state: destinations focused, direct-first sort, live. */
export const INITIAL_UI: UiState = {
  focus: 'destinations',
  selectedDestination: null,
  selectedFinding: null,
  detail: null,
  scroll: 0,
  filter: '',
  editingFilter: false,
  sort: 'direct',
  paused: false,
  help: false,
  helpScroll: 0,
  unkept: null,
};

/** What the reducer needs to know about the current frame. */
export interface KeyContext {
  /** Visible (filtered, sorted) row keys of each panel. */
  destinations: readonly string[];
  findings: readonly number[];
  flowOf(panel: Panel, index: number): Flow | undefined;
  /** Rows of the open view that scrolls (the help when it is open, else the detail) and rows the screen shows of it, to bound scrolling. */
  detailRows: number;
  pageRows: number;
}

/** The keyboard result: a new state, or quit. */
export type KeyResult = UiState | 'quit';

/** Applies one key press. */
export function reduceKey(before: UiState, input: string, key: Key, ctx: KeyContext): KeyResult {
  if (key.ctrl && input === 'c') return 'quit';
  const state = before.unkept === null ? before : { ...before, unkept: null };
  if (state.editingFilter) return editFilter(state, input, key);
  if (input === 'q') return 'quit';
  if (state.help) return input === '?' || key.escape ? { ...state, help: false } : { ...state, helpScroll: scrolled(state.helpScroll, input, key, ctx) };
  if (input === '?') return { ...state, help: true, helpScroll: 0 };
  if (input === 'p') return { ...state, paused: !state.paused };
  if (state.detail !== null) return inDetail(state, input, key, ctx);
  return inLists(state, input, key, ctx);
}

function editFilter(state: UiState, input: string, key: Key): UiState {
  if (key.escape) return { ...state, editingFilter: false, filter: '' };
  if (key.return) return { ...state, editingFilter: false };
  if (key.backspace || key.delete) return { ...state, filter: Array.from(state.filter).slice(0, -1).join('') };
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow) return state;
  return { ...state, filter: state.filter + cleanInput(input) };
}

function inDetail(state: UiState, input: string, key: Key, ctx: KeyContext): UiState {
  if (key.escape || key.leftArrow || key.backspace) return { ...state, detail: null, scroll: 0 };
  return { ...state, scroll: scrolled(state.scroll, input, key, ctx) };
}

/** A scrolling view's first row after a key (j/k, arrows, pages, g/G), kept within its rows; `from` for any other key. */
function scrolled(from: number, input: string, key: Key, ctx: KeyContext): number {
  // A screen too short to show a content row (the title only) still scrolls a row at a time, to the last row.
  const page = Math.max(1, ctx.pageRows);
  const max = Math.max(0, ctx.detailRows - page);
  const step = key.pageDown || input === ' ' ? page : key.pageUp ? -page : 0;
  const delta = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : step;
  const scroll = key.home || input === 'g' ? 0 : key.end || input === 'G' ? max : from + delta;
  return Math.min(max, Math.max(0, scroll));
}

function inLists(state: UiState, input: string, key: Key, ctx: KeyContext): UiState {
  if (key.tab) return { ...state, focus: state.focus === 'destinations' ? 'findings' : 'destinations' };
  if (input === '/') return { ...state, editingFilter: true };
  if (input === 's') return { ...state, sort: nextSort(state.sort) };
  if (key.escape) return state.filter !== '' ? { ...state, filter: '' } : state;
  if (key.return || key.rightArrow) {
    const index = selectedIndex(state, ctx);
    const flow = ctx.flowOf(state.focus, index);
    if (flow) return { ...state, detail: flow, scroll: 0 };
    // A feed item always holds its flow; a destination's may not have been kept.
    const unkept = state.focus === 'destinations' ? ctx.destinations[index] : undefined;
    return unkept === undefined ? state : { ...state, unkept };
  }
  const page = Math.max(1, ctx.pageRows);
  const delta = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : key.pageDown ? page : key.pageUp ? -page : 0;
  if (delta !== 0) return select(state, ctx, selectedIndex(state, ctx) + delta);
  if (key.home || input === 'g') return select(state, ctx, 0);
  if (key.end || input === 'G') return select(state, ctx, Number.MAX_SAFE_INTEGER);
  return state;
}

/** The row index the selection points at in the focused panel (0 when it follows the top or vanished). */
export function selectedIndex(state: UiState, ctx: Pick<KeyContext, 'destinations' | 'findings'>, panel = state.focus): number {
  const index =
    panel === 'destinations'
      ? state.selectedDestination === null ? -1 : ctx.destinations.indexOf(state.selectedDestination)
      : state.selectedFinding === null ? -1 : ctx.findings.indexOf(state.selectedFinding);
  return Math.max(0, index);
}

function select(state: UiState, ctx: KeyContext, index: number): UiState {
  const list = state.focus === 'destinations' ? ctx.destinations : ctx.findings;
  if (list.length === 0) return state;
  const at = Math.min(list.length - 1, Math.max(0, index));
  // Home on the feed goes back to following the newest finding.
  if (state.focus === 'findings') return { ...state, selectedFinding: at === 0 ? null : (ctx.findings[at] ?? null) };
  return { ...state, selectedDestination: ctx.destinations[at] ?? null };
}
