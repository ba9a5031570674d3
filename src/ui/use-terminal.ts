/**
 * Hooks that connect the Dashboard to its terminal and its store: size that follows resizes, and a
 * snapshot that updates on store notifications (and once a second for the clock) unless paused.
 */
import { useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DashboardSnapshot } from './snapshot.js';
import type { DashboardStore } from './store.js';

/** Terminal size in cells. */
export interface TerminalSize {
  columns: number;
  rows: number;
}

function sizeOf(stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

/** The terminal's size, re-read on every `resize` event of Ink's stdout. */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = (): void => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** The store's latest snapshot, frozen while `paused` (the store keeps counting); `refresh()` re-reads it at once. */
export function useSnapshot(store: DashboardStore, paused: boolean): [DashboardSnapshot, () => void] {
  const [snapshot, setSnapshot] = useState(() => store.snapshot());
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const lastRefresh = useRef(0);
  const refresh = useCallback(() => {
    lastRefresh.current = Date.now();
    setSnapshot(store.snapshot());
  }, [store]);
  useEffect(() => {
    const onChange = (): void => {
      if (!pausedRef.current) refresh();
    };
    const unsubscribe = store.subscribe(onChange);
    // The clock and the sparkline move even when no data arrives (and need no extra repaint when it does).
    const tick = setInterval(() => {
      if (Date.now() - lastRefresh.current >= 900) onChange();
    }, 1000);
    tick.unref?.();
    onChange();
    return () => {
      unsubscribe();
      clearInterval(tick);
    };
  }, [store, refresh]);
  return [snapshot, refresh];
}
