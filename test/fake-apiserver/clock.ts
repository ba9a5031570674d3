/**
 * Log timestamps in kubelet's `RFC3339NanoFixed` layout (`2006-01-02T15:04:05.000000000Z07:00`): always nine
 * fractional digits, then the offset (`Z` or `±hh:mm`). Source: kubelet `pkg/kubelet/kuberuntime/logs/logs.go`
 * (`logWriter.write`, `timeFormatOut = RFC3339NanoFixed`); notes §3 "Timestamp prefix".
 */

/** A stamped instant: the text the stream prints and its epoch milliseconds for since-filters. */
export interface Stamp {
  text: string;
  ms: number;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Formats epoch ms plus sub-millisecond nanoseconds (0..999999) at a UTC offset in minutes. */
export function formatRfc3339NanoFixed(ms: number, subMsNanos = 0, offsetMinutes = 0): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = `${local.slice(20, 23)}${pad(subMsNanos, 6)}`;
  if (offsetMinutes === 0) return `${local.slice(0, 19)}.${frac}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local.slice(0, 19)}.${frac}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/** Parses `±hh:mm` or `Z` to minutes east of UTC. */
export function parseUtcOffset(offset: string): number {
  if (offset === 'Z') return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) throw new Error(`bad UTC offset ${JSON.stringify(offset)}; want Z or ±hh:mm`);
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/**
 * Wall clock that never repeats or goes backwards: lines stamped in the same millisecond get increasing
 * sub-millisecond nanoseconds, like a real runtime's nanosecond clock. `skewMs`: how far this node's clock is
 * ahead of the test machine's (negative: behind), as a node whose time is off stamps its containers' lines.
 */
export class MonotonicLogClock {
  private lastMs = 0;
  private sub = 0;

  constructor(private readonly skewMs = 0) {}

  /** This node's wall clock (epoch ms). */
  now(): number {
    return Date.now() + this.skewMs;
  }

  /** The next stamp at the given UTC offset. */
  next(offsetMinutes = 0): Stamp {
    const now = this.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.sub = 0;
    } else if (++this.sub > 999_999) {
      this.lastMs += 1;
      this.sub = 0;
    }
    return { text: formatRfc3339NanoFixed(this.lastMs, this.sub, offsetMinutes), ms: this.lastMs };
  }
}
