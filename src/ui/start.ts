/**
 * Starts the Ink dashboard on a terminal: coalesced repaints (the store notifies at most every
 * 100 ms, Ink's maxFps caps the rest), our own Ctrl-C handling so `q` and Ctrl-C end the same way.
 */
import { render } from 'ink';
import { createElement } from 'react';
import { Dashboard, type DashboardProps } from './Dashboard.js';
import type { DashboardStore } from './store.js';
import { colorAllowed } from '../text/color.js';

/** Options of {@link startDashboard}. */
export interface StartDashboardOptions {
  /** False for `--no-color`; NO_COLOR in the environment also turns colour off. */
  color: boolean;
  /** @default process.stdin */
  stdin?: NodeJS.ReadStream;
  /** @default process.stdout */
  stdout?: NodeJS.WriteStream;
  /** Route console.* output above the dashboard instead of through it (off in tests whose console is replaced). @default true */
  patchConsole?: boolean;
}

/** A running dashboard. */
export interface DashboardHandle {
  /** Resolves when the user quits (`q`, Ctrl-C) or `unmount()` is called; the caller then writes reports, and the dashboard is still drawn meanwhile. */
  waitUntilQuit(): Promise<void>;
  /**
   * Quits as `q` does, for a signal (SIGINT once keys are off after `q`, SIGTERM): the frames say stopped and
   * waitUntilQuit resolves, but the terminal is kept until `unmount()`, so the last frame can show the run's end.
   */
  stop(): void;
  /** Draws a last frame of the store as it is now (saying failed when `failed`), stops rendering and releases the terminal (idempotent). */
  unmount(end?: { failed?: boolean }): void;
}

/**
 * Ink's own repaint cap, a backstop for key presses and resizes: data repaints are already held to
 * 10 a second by the store. Not exactly 10: Ink's 100 ms throttle beats against the store's 100 ms
 * cadence and drops every other data repaint (measured: 5 a second instead of 9).
 */
export const MAX_FPS = 12;

/** Renders the dashboard for `store` until the user quits. */
export function startDashboard(store: DashboardStore, options: StartDashboardOptions): DashboardHandle {
  const color = options.color && colorAllowed(process.env);
  let quit = (): void => undefined;
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  const onQuit = (): void => quit();
  let props: DashboardProps = { store, color, onQuit };
  const instance = render(createElement(Dashboard, props), {
    stdout: options.stdout ?? process.stdout,
    stdin: options.stdin ?? process.stdin,
    maxFps: MAX_FPS,
    exitOnCtrlC: false,
    patchConsole: options.patchConsole ?? true,
  });
  let unmounted = false;
  let exited = false;
  const exiting = instance.waitUntilExit().finally(() => (exited = true));
  exiting.catch(() => undefined); // the caller's waitUntilQuit sees a failure
  return {
    waitUntilQuit: async () => {
      await Promise.race([quitting, exiting]);
    },
    stop: () => {
      if (!unmounted && !exited && props.stopRequested !== true) instance.rerender(createElement(Dashboard, (props = { ...props, stopRequested: true })));
      quit();
    },
    unmount: (end = {}) => {
      if (unmounted) return;
      unmounted = true;
      // What the run added since the last repaint (its last flows, final counts and warnings) is drawn now: Ink
      // renders a rerender at once (its legacy root), where a store notification is rendered later, and writes it as the last frame.
      if (!exited) instance.rerender(createElement(Dashboard, { ...props, final: true, failed: end.failed === true }));
      instance.unmount();
      quit();
    },
  };
}
