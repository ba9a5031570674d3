/**
 * Held entries in arrival order. Release walks from the head while the head is ripe: O(1) amortised,
 * no sorting. Entries arrive roughly in log-time order, so a late-ripening head only delays others; one
 * that ripens far later than the log time (a line far ahead of its stream) is set aside by its time instead.
 */
import type { Held } from './held.js';
import { MinHeap } from '../min-heap.js';

/**
 * How far past the log time an entry at the head must ripen to be set aside rather than hold up the entries behind it:
 * one line a day ahead (a node's clock that jumped, a DURATION written wrong) held every later entry until it ripened,
 * so they piled up to --max-pending and were evicted unjoined (via-gateway-unconfirmed, gateway-only).
 */
export const SET_ASIDE_MS = 60_000;

/** A FIFO of held entries with lazy removal (released entries are skipped when they reach the head). */
export class ReleaseQueue {
  private items: Held[] = [];
  private head = 0;
  /** The entries set aside, by the time they ripen (the few far ahead of the log time). */
  private readonly aside = new MinHeap<Held>((h) => h.ripeAt);

  /** Appends a newly held entry. */
  push(h: Held): void {
    h.queued = true;
    this.items.push(h);
  }

  /** Puts back an entry that was popped while its group was not ripe, when it becomes free again. */
  requeue(h: Held): void {
    if (!h.queued && !h.done) this.push(h);
  }

  /** The head entry (or one set aside) if it is released already or ripe by `watermarkMs`, else null. */
  popRipe(watermarkMs: number): Held | null {
    for (;;) {
      const h = this.items[this.head];
      if (h !== undefined && !h.done && h.ripeAt > watermarkMs + SET_ASIDE_MS) {
        this.take(h);
        h.queued = true; // still waiting, aside
        this.aside.push(h);
        continue;
      }
      if (h !== undefined && (h.done || h.ripeAt <= watermarkMs)) return this.take(h);
      const early = this.aside.peek();
      return early !== undefined && (early.done || early.ripeAt <= watermarkMs) ? this.takeAside() : null;
    }
  }

  /** The head entry whatever its time (eviction, end of input), then those set aside, or null when empty. */
  popAny(): Held | null {
    const h = this.items[this.head];
    if (h !== undefined) return this.take(h);
    this.items = [];
    this.head = 0;
    return this.aside.size > 0 ? this.takeAside() : null;
  }

  /** How many entries (live or released) the queue still holds, for tests of boundedness. */
  get length(): number {
    return this.items.length - this.head + this.aside.size;
  }

  private takeAside(): Held {
    const h = this.aside.pop() as Held;
    h.queued = false;
    return h;
  }

  private take(h: Held): Held {
    this.head++;
    h.queued = false;
    // Drop the consumed prefix once it is most of the array: amortised O(1) per entry.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return h;
  }
}
