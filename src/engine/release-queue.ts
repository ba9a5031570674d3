/**
 * Held entries in arrival order. Release walks from the head while the head is ripe: O(1) amortised,
 * no sorting. Entries arrive roughly in log-time order, so a late-ripening head only delays others.
 */
import type { Held } from './held.js';

/** A FIFO of held entries with lazy removal (released entries are skipped when they reach the head). */
export class ReleaseQueue {
  private items: Held[] = [];
  private head = 0;

  /** Appends a newly held entry. */
  push(h: Held): void {
    h.queued = true;
    this.items.push(h);
  }

  /** Puts back an entry that was popped while its group was not ripe, when it becomes free again. */
  requeue(h: Held): void {
    if (!h.queued && !h.done) this.push(h);
  }

  /** The head entry if it is released already or ripe by `watermarkMs`, else null. */
  popRipe(watermarkMs: number): Held | null {
    const h = this.items[this.head];
    if (h === undefined || (!h.done && h.ripeAt > watermarkMs)) return null;
    return this.take(h);
  }

  /** The head entry whatever its time (eviction, end of input), or null when empty. */
  popAny(): Held | null {
    const h = this.items[this.head];
    if (h === undefined) {
      this.items = [];
      this.head = 0;
      return null;
    }
    return this.take(h);
  }

  /** How many entries (live or released) the queue still holds, for tests of boundedness. */
  get length(): number {
    return this.items.length - this.head;
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
