/**
 * Fixed-capacity containers for the hot path: memory stays bounded however long the dashboard runs.
 */

/** Keeps the newest `capacity` items; push is O(1) and never allocates after the buffer is full. */
export class Ring<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be >= 1, got ${capacity}`);
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Adds an item, dropping the oldest when full. */
  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size += 1;
  }

  /** How many items are held. */
  get size(): number {
    return this.#size;
  }

  /** A copy, newest first. */
  newestFirst(): T[] {
    const out: T[] = [];
    for (let i = 1; i <= this.#size; i += 1) {
      const item = this.#items[(this.#next - i + this.capacity) % this.capacity];
      if (item !== undefined) out.push(item);
    }
    return out;
  }
}

/** Counts events per time bucket over a sliding window of `size` buckets (a sparkline's data). */
export class RateSeries {
  readonly #counts: Float64Array;
  #last = Number.NEGATIVE_INFINITY;

  constructor(
    readonly size: number,
    readonly bucketMs = 1000,
  ) {
    this.#counts = new Float64Array(size);
  }

  /** Counts `n` events at time `now` (epoch ms). */
  add(now: number, n = 1): void {
    this.#advance(now);
    const bucket = Math.floor(now / this.bucketMs);
    this.#counts[this.#index(bucket)]! += n;
  }

  /** Events per bucket for the complete buckets before `now`, oldest first (`size - 1` values). */
  series(now: number): number[] {
    this.#advance(now);
    const current = Math.floor(now / this.bucketMs);
    const out: number[] = [];
    for (let b = current - this.size + 1; b < current; b += 1) out.push(this.#counts[this.#index(b)]!);
    return out;
  }

  #index(bucket: number): number {
    return ((bucket % this.size) + this.size) % this.size;
  }

  #advance(now: number): void {
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket <= this.#last) return;
    if (bucket - this.#last >= this.size) this.#counts.fill(0);
    else for (let b = this.#last + 1; b <= bucket; b += 1) this.#counts[this.#index(b)] = 0;
    this.#last = bucket;
  }
}

/** Lines per second over the last few seconds, from cumulative counts sampled at most once a second. */
export class LineRate {
  readonly #marks: { t: number; lines: number }[] = [];

  constructor(readonly windowSeconds = 5) {}

  /** Records the cumulative line count at time `now`. */
  sample(now: number, lines: number): void {
    const last = this.#marks[this.#marks.length - 1];
    if (last !== undefined && lines < last.lines) this.#marks.length = 0;
    if (last === undefined || now - last.t >= 1000 || lines < last.lines) this.#marks.push({ t: now, lines });
    if (this.#marks.length > this.windowSeconds + 1) this.#marks.shift();
  }

  /** Lines per second between the oldest kept sample and (`now`, `lines`); 0 until half a second has passed. */
  rate(now: number, lines: number): number {
    const first = this.#marks[0];
    if (first === undefined || now - first.t < 500) return 0;
    return ((lines - first.lines) * 1000) / (now - first.t);
  }
}
