/**
 * Hundreds of streams fail together when the API server restarts; the person should read a few of
 * their messages and a count, not hundreds of lines.
 */
import { plural } from '../../text/plural.js';

/** A throttled notice, and the end of its run: messages it held back in its last window are counted then, not lost. */
export interface ThrottledNotices {
  (message: string): void;
  /** Says how many messages the last window held back, if any (the run is over: no later message will say it). */
  end(): void;
}

/** Passes the first `burst` messages of each `windowMs`, then counts the rest and says how many it held back. */
export function throttleNotices(say: (message: string) => void, burst = 5, windowMs = 10_000, now: () => number = Date.now): ThrottledNotices {
  let windowStart = Number.NEGATIVE_INFINITY;
  let shown = 0;
  let held = 0;
  const sayHeld = (): void => {
    if (held > 0) say(`(${plural(held, 'more message')} like the above in ${windowMs / 1000}s ${held === 1 ? 'was' : 'were'} not shown)`);
    held = 0;
  };
  const notice = (message: string): void => {
    const t = now();
    if (t - windowStart >= windowMs) {
      sayHeld();
      windowStart = t;
      shown = 0;
    }
    if (shown < burst) {
      shown++;
      say(message);
    } else {
      held++;
    }
  };
  return Object.assign(notice, { end: sayHeld });
}
