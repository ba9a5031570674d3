/**
 * The offset between the hops' log times, measured from entries that found no partner: a sidecar entry and a gateway
 * entry released unjoined that share a request id (HTTP) or a socket and listener (TCP) are the two hops of one
 * connection whose start times were too far apart for the window. The median of their start-time differences says
 * whether the clocks (or the exports) differ, by how much and which way, so the unmatched-entries warning can name
 * the --window that would join them instead of guessing. Bounded: a sample of the keys (those whose hash falls under
 * a mask that narrows as the table fills, the same keys on both sides) and a ring of the latest differences.
 */
import { ownCopy } from '../text/own-copy.js';
import { MEMO_KEY_MAX } from './cache.js';
import { INNER, SIDECAR, type Held } from './held.js';

/**
 * Keys of unjoined entries remembered at most (each ~100 bytes: a request id is the client's to send, so one over
 * MEMO_KEY_MAX characters, never a real one, is not sampled, and the table holds at most 4 Mi characters).
 */
const MAX_KEYS = 4096;
/** Start-time differences kept (the latest). */
const MAX_SAMPLES = 1024;

/** Pairs fewer than this say nothing of the clocks (a port reused by chance can make one). */
const MIN_PAIRS = 3;

/** What the unjoined pairs say of the hops' clocks: the median of gateway start minus sidecar start, over `pairs`. */
export interface ClockOffset {
  medianMs: number;
  pairs: number;
}

interface Seen {
  side: number;
  startMs: number;
}

/** 32-bit FNV-1a: the sampling hash, the same for a key whichever hop logged it. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The key naming one connection at both hops, or null for an entry that none names surely (an HTTP entry without a request id shares its socket with the other requests on it). */
function keyOf(h: Held): string | null {
  if (h.shape === INNER) return null;
  // The trace nibble (15th character) of a UUID request id may differ between the hops (entry-keys.ts sameRequestId).
  if (h.rid !== null) return `r${h.rid.length === 36 ? h.rid.slice(0, 14) + h.rid.slice(15) : h.rid}`;
  if (h.http || h.conn === null || h.hop === null) return null;
  return `c${h.conn}>${h.hop}`;
}

/** The sampled measure of the offset between the hops' log times. */
export class ClockSkew {
  private readonly seen = new Map<string, Seen>();
  private mask = 0;
  private readonly samples = new Float64Array(MAX_SAMPLES);
  private count = 0;

  constructor(private readonly windowMs: number) {}

  /** Notes an entry released without a partner; one of the other hop under its key makes a pair. */
  unjoined(h: Held): void {
    const start = h.entry.startMs;
    if (!Number.isFinite(start)) return;
    const key = keyOf(h);
    if (key === null || key.length > MEMO_KEY_MAX) return;
    const hash = fnv(key);
    if ((hash & this.mask) !== 0) return;
    const other = this.seen.get(key);
    if (other !== undefined && other.side !== h.side) {
      this.seen.delete(key);
      const diff = h.side === SIDECAR ? other.startMs - start : start - other.startMs;
      this.samples[this.count % MAX_SAMPLES] = diff;
      this.count++;
      return;
    }
    this.seen.delete(key); // re-inserted last: the oldest keys are the first dropped
    this.seen.set(ownCopy(key), { side: h.side, startMs: start }); // a copy: the key is cut from the entry's line
    if (this.seen.size > MAX_KEYS) this.narrow();
  }

  /** Halves the sample of keys kept (and so the table), keeping the same half on both hops. */
  private narrow(): void {
    this.mask = this.mask * 2 + 1;
    for (const key of this.seen.keys()) if ((fnv(key) & this.mask) !== 0) this.seen.delete(key);
  }

  /**
   * The median offset of the pairs found (gateway minus sidecar start), or null when they are too few, or too scattered
   * to be one offset (under two thirds of them within the window of the median: sockets reused by chance, say).
   */
  offset(): ClockOffset | null {
    const n = Math.min(this.count, MAX_SAMPLES);
    if (n < MIN_PAIRS) return null;
    const sorted = this.samples.slice(0, n).sort();
    const medianMs = n % 2 === 1 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
    const near = sorted.filter((d) => Math.abs(d - medianMs) <= this.windowMs).length;
    return near * 3 >= n * 2 ? { medianMs, pairs: this.count } : null;
  }
}
