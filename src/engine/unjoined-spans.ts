/**
 * The log time of the entries released unjoined, each widened by the join window: an entry read later (from an input
 * whose log time went back) could have joined one of them only inside it. Kept as merged spans in a bounded array,
 * so a day of dense logs is a few spans; past MAX_SPANS neighbours merge, which only widens what counts as near.
 */

/** Spans kept at most (two numbers each, 16 KiB in all); past it, neighbouring spans merge pairwise. */
const MAX_SPANS = 1024;

/** Merged spans of log time (ms) within the join window of an entry released unjoined. */
export class UnjoinedSpans {
  /** Start and end of each span, sorted, disjoint: [from0, to0, from1, to1, ...]. */
  private spans: number[] = [];

  constructor(private readonly windowMs: number) {}

  /** Notes an entry released unjoined that covered `startMs` to `endMs` (releases come roughly in log-time order: appending is the common case). */
  add(startMs: number, endMs: number): void {
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) return;
    const from = startMs - this.windowMs;
    const to = endMs + this.windowMs;
    const s = this.spans;
    // The first span that ends at or after `from`: every span before it lies wholly before the new one.
    let i = this.firstEndingFrom(from) * 2;
    let j = i;
    let lo = from;
    let hi = to;
    while (j < s.length && (s[j] as number) <= hi) {
      lo = Math.min(lo, s[j] as number);
      hi = Math.max(hi, s[j + 1] as number);
      j += 2;
    }
    s.splice(i, j - i, lo, hi);
    if (s.length > MAX_SPANS * 2) this.halve();
  }

  /** True when an entry covering `startMs` to `endMs` lies within the join window of an entry released unjoined. */
  near(startMs: number, endMs: number): boolean {
    const k = this.firstEndingFrom(startMs);
    return k < this.spans.length / 2 && (this.spans[k * 2] as number) <= endMs;
  }

  /** The index of the first span that ends at or after `ms` (the number of spans when none does). */
  private firstEndingFrom(ms: number): number {
    const s = this.spans;
    let lo = 0;
    let hi = s.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((s[mid * 2 + 1] as number) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Merges neighbouring spans pairwise: the array stays bounded, and a span only grows. */
  private halve(): void {
    const s = this.spans;
    const merged: number[] = [];
    for (let k = 0; k < s.length; k += 4) merged.push(s[k] as number, (k + 3 < s.length ? s[k + 3] : s[k + 1]) as number);
    this.spans = merged;
  }
}
