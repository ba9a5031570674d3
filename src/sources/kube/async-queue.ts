/** Hands items from callbacks (a watch event found a new pod) to an async consumer (the driver's loop over streams). */

/** An unbounded FIFO with an awaitable `next`. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T | undefined) => void) | null = null;

  /** Adds an item, waking the consumer. */
  push(item: T): void {
    if (this.waiter !== null) {
      const wake = this.waiter;
      this.waiter = null;
      wake(item);
    } else {
      this.items.push(item);
    }
  }

  /** The next item, or undefined once `signal` aborts. One consumer at a time. */
  next(signal: AbortSignal): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiter = null;
        resolve(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = (item) => {
        signal.removeEventListener('abort', onAbort);
        resolve(item);
      };
    });
  }
}
