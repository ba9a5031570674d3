/**
 * `--max-streams`: at most N containers are followed at once (each is one long-lived request to the API
 * server). Gateways go first: without their logs no sidecar entry can be confirmed. When the cap binds
 * the owner is told once, and whoever is still waiting at the end is reported as not audited.
 */

interface Waiter {
  priority: number;
  seq: number;
  label: string;
  grant: (ok: boolean) => void;
}

/** A counting semaphore with priorities and a record of who waits. */
export class StreamSlots {
  private used = 0;
  private seq = 0;
  private readonly queue: Waiter[] = [];
  private told = false;
  private readonly everGranted = new Set<string>();
  private readonly everQueued = new Set<string>();

  constructor(
    readonly capacity: number,
    private readonly onBind: (waiting: string[], capacity: number) => void,
  ) {}

  /** Containers being followed now. */
  get inUse(): number {
    return this.used;
  }

  /** Labels of the containers waiting for a slot, in the order they will get one. */
  waiting(): string[] {
    return this.queue.map((w) => w.label);
  }

  /** Labels that waited for a slot and never got one (not followed at all). */
  neverGranted(): string[] {
    return [...this.everQueued].filter((l) => !this.everGranted.has(l));
  }

  /** Takes a slot (lower `priority` first); resolves false when `signal` aborts first. */
  acquire(priority: number, label: string, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.used < this.capacity && this.queue.length === 0) {
      this.used++;
      this.everGranted.add(label);
      return Promise.resolve(true);
    }
    this.everQueued.add(label);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        priority,
        seq: this.seq++,
        label,
        grant: (ok) => {
          signal.removeEventListener('abort', onAbort);
          if (ok) this.everGranted.add(label);
          resolve(ok);
        },
      };
      const onAbort = (): void => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        waiter.grant(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let at = this.queue.findIndex((w) => w.priority > priority);
      if (at < 0) at = this.queue.length;
      this.queue.splice(at, 0, waiter);
      if (!this.told) {
        this.told = true;
        this.onBind(this.waiting(), this.capacity);
      }
    });
  }

  /** Gives a slot back; the first waiter gets it. */
  release(): void {
    const next = this.queue.shift();
    if (next !== undefined) next.grant(true);
    else this.used = Math.max(0, this.used - 1);
  }
}
