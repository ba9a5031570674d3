/**
 * `--max-streams`: at most N containers are followed at once (each is one long-lived request to the API
 * server). Gateways go first: without their logs no sidecar entry can be confirmed. A gateway that comes
 * when every slot is taken preempts a less important holder (the newest sidecar stream), which goes back
 * to waiting. When the cap binds the owner is told once, every preemption is told, and whoever is still
 * waiting at the end is reported as not audited. A stream that cannot be opened for want of descriptors
 * (`ulimit -n`) lowers the cap to the streams open then (exhausted): the rest wait, as under a lower cap.
 */

interface Waiter {
  priority: number;
  label: string;
  grant: (lease: SlotLease | null) => void;
}

/**
 * A slot held: `signal` aborts when a more important waiter takes it (the holder must stop reading, and
 * releasing it then gives nothing back).
 */
export interface SlotLease {
  readonly label: string;
  readonly priority: number;
  readonly signal: AbortSignal;
}

interface Held extends SlotLease {
  controller: AbortController;
}

/** A request for a slot: `lease` as `acquire` gives it; `mayPreempt()` lets a queued waiter preempt from now on. */
export interface SlotRequest {
  readonly lease: Promise<SlotLease | null>;
  mayPreempt(): void;
}

/** A stream that gave its slot to a more important one, and whether it got a slot again later. */
export interface Preemption {
  label: string;
  resumed: boolean;
}

/** A counting semaphore with priorities, preemption of lower priorities, and a record of who waits. */
export class StreamSlots {
  private readonly queue: Waiter[] = [];
  /** In the order granted (a Set keeps it): the last is the newest holder. */
  private readonly held = new Set<Held>();
  private told = false;
  private readonly everGranted = new Set<string>();
  private readonly everQueued = new Set<string>();
  private readonly preemptions = new Map<string, Preemption>();
  /** Streams read before that could not be opened again for want of descriptors (exhausted), and whether they got a slot again. */
  private readonly heldBacks = new Map<string, Preemption>();
  private cap: number;
  /** The cap the descriptors set, once a stream could not be opened for want of them; else null. */
  descriptorCap: number | null = null;

  constructor(
    capacity: number,
    private readonly onBind: (waiting: string[], capacity: number) => void,
    /** A holder (`taken`) lost its slot to `by`. */
    private readonly onPreempt: (taken: string, by: string, capacity: number) => void = () => undefined,
    /** Told once: a stream (`label`'s) could not be opened for want of descriptors (`capacity` then: read it again, as it drops while the streams opening with it fail too). */
    private readonly onExhausted: (capacity: number, label: string) => void = () => undefined,
  ) {
    this.cap = capacity;
  }

  /** How many streams may be held at once: the cap given, or fewer once the descriptors ran out. */
  get capacity(): number {
    return this.cap;
  }

  /** Containers being followed now. */
  get inUse(): number {
    return this.held.size;
  }

  /** Labels of the containers waiting for a slot, in the order they will get one. */
  waiting(): string[] {
    return this.queue.map((w) => w.label);
  }

  /** Labels that waited for a slot and never got one (not followed at all). */
  neverGranted(): string[] {
    return [...this.everQueued].filter((l) => !this.everGranted.has(l));
  }

  /** Holders that lost their slot to a more important waiter, in the order it happened. */
  preempted(): Preemption[] {
    return [...this.preemptions.values()];
  }

  /** Streams read before that lost their stream for want of descriptors, and whether they were followed again later. */
  heldBack(): Preemption[] {
    return [...this.heldBacks.values()];
  }

  /**
   * Opening the stream of `lease`'s holder failed for want of descriptors (EMFILE, ENFILE): its slot is given back, to
   * no one, and the cap lowered to the slots held now (at least 1), so no more streams are opened than the process can
   * hold and no stream is cut for it. Slots granted at once are held while their streams open: those that fail too
   * lower it in turn, to the streams that did open. `opened`: the holder had read its stream before (it is listed as held back until it
   * gets a slot again), else it counts as never followed until it gets one. The owner is told the first time.
   */
  exhausted(lease: SlotLease, opened: boolean): void {
    if (!this.held.delete(lease as Held)) return; // taken away already
    this.cap = Math.max(1, Math.min(this.cap, this.held.size));
    if (opened) this.heldBacks.set(lease.label, { label: lease.label, resumed: false });
    else {
      this.everGranted.delete(lease.label);
      this.everQueued.add(lease.label);
    }
    const first = this.descriptorCap === null;
    this.descriptorCap = this.cap;
    this.told = true; // the message below says the cap binds, and why
    if (first) this.onExhausted(this.cap, lease.label);
  }

  /**
   * Takes a slot (lower `priority` first); resolves null when `signal` aborts first. With `preempt`, a
   * waiter that finds every slot held takes the slot of the newest holder of the least important priority
   * below its own, if any.
   */
  acquire(priority: number, label: string, signal: AbortSignal, preempt = true): Promise<SlotLease | null> {
    return this.request(priority, label, signal, preempt).lease;
  }

  /**
   * As `acquire`, with a handle on the request while it waits: a waiter queued without leave to preempt
   * (a gateway that cannot run yet) is given it in place when it can run, keeping its place in the queue.
   */
  request(priority: number, label: string, signal: AbortSignal, preempt: boolean): SlotRequest {
    const now = (lease: SlotLease | null): SlotRequest => ({ lease: Promise.resolve(lease), mayPreempt: () => undefined });
    if (signal.aborted) return now(null);
    if (this.held.size < this.capacity && this.queue.length === 0) return now(this.hold(priority, label));
    const victim = preempt ? this.victimFor(priority) : null;
    if (victim !== null) return now(this.takeFrom(victim, priority, label));
    this.everQueued.add(label);
    let waiter!: Waiter;
    const lease = new Promise<SlotLease | null>((resolve) => {
      const onAbort = (): void => {
        this.unqueue(waiter);
        waiter.grant(null);
      };
      waiter = {
        priority,
        label,
        grant: (lease) => {
          signal.removeEventListener('abort', onAbort);
          resolve(lease);
        },
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
    return { lease, mayPreempt: () => this.raise(waiter) };
  }

  /** Gives a slot back (nothing when it was taken away); the first waiter gets it. */
  release(lease: SlotLease): void {
    if (!this.held.delete(lease as Held)) return; // taken away already
    if (this.held.size >= this.cap) return; // the cap was lowered (exhausted)
    const next = this.queue.shift();
    if (next !== undefined) next.grant(this.hold(next.priority, next.label));
  }

  private hold(priority: number, label: string): Held {
    const controller = new AbortController();
    const lease: Held = { label, priority, signal: controller.signal, controller };
    this.held.add(lease);
    this.everGranted.add(label);
    const p = this.preemptions.get(label);
    if (p !== undefined) p.resumed = true;
    const h = this.heldBacks.get(label);
    if (h !== undefined) h.resumed = true;
    return lease;
  }

  /** A queued waiter may preempt from now on: it takes a less important holder's slot if there is one (else it keeps its place). */
  private raise(waiter: Waiter): void {
    if (!this.queue.includes(waiter)) return; // granted, or gave up
    const victim = this.victimFor(waiter.priority);
    if (victim === null) return;
    this.unqueue(waiter);
    waiter.grant(this.takeFrom(victim, waiter.priority, waiter.label));
  }

  private unqueue(waiter: Waiter): void {
    const i = this.queue.indexOf(waiter);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** The newest holder of the least important priority that is less important than `priority`, or null. */
  private victimFor(priority: number): Held | null {
    let victim: Held | null = null;
    for (const h of this.held) {
      if (h.priority <= priority) continue;
      if (victim === null || h.priority >= victim.priority) victim = h; // on a tie, the later (newer) one
    }
    return victim;
  }

  private takeFrom(victim: Held, priority: number, label: string): Held {
    this.held.delete(victim);
    const earlier = this.preemptions.get(victim.label);
    if (earlier === undefined) this.preemptions.set(victim.label, { label: victim.label, resumed: false });
    else earlier.resumed = false;
    const lease = this.hold(priority, label);
    this.onPreempt(victim.label, label, this.capacity);
    victim.controller.abort();
    return lease;
  }
}
