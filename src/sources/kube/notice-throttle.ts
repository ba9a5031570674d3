/**
 * Hundreds of streams fail together when the API server restarts; the person should read a few of
 * their messages and a count, not hundreds of lines.
 */
import { plural } from '../../text/plural.js';

/** Passes the first `burst` messages of each `windowMs`, then counts the rest and says how many it held back. */
export function throttleNotices(say: (message: string) => void, burst = 5, windowMs = 10_000, now: () => number = Date.now): (message: string) => void {
  let windowStart = Number.NEGATIVE_INFINITY;
  let shown = 0;
  let held = 0;
  return (message) => {
    const t = now();
    if (t - windowStart >= windowMs) {
      if (held > 0) say(`(${plural(held, 'more message')} like the above in ${windowMs / 1000}s ${held === 1 ? 'was' : 'were'} not shown)`);
      windowStart = t;
      shown = 0;
      held = 0;
    }
    if (shown < burst) {
      shown++;
      say(message);
    } else {
      held++;
    }
  };
}
