/**
 * Log generators: a container that writes N lines/s from a callback, driven by one shared ticker for all
 * generators, so a benchmark with hundreds of containers costs one timer and one append per container per tick.
 */

/** Options for `generateLogs`. */
export interface LogGeneratorOptions {
  linesPerSecond: number;
  /** Builds line number `seq` (0-based, per generator). */
  line: (seq: number) => string;
  /** Stop after this many lines. Default: until stopped. */
  maxLines?: number;
}

/** A running generator. */
export interface LogGenerator {
  /** Lines written so far. */
  readonly written: number;
  /** Resolves when the generator stops (maxLines reached, stop(), pod deleted or server closed). */
  readonly done: Promise<void>;
  stop(): void;
}

/** Writes a batch; returns false when the target is gone for good, null when it is not running right now. */
export type BatchWriter = (lines: string[]) => boolean | null;

interface Gen {
  opts: LogGeneratorOptions;
  write: BatchWriter;
  written: number;
  carry: number;
  last: number;
  resolve: () => void;
}

const TICK_MS = 10;

/** Owns every generator of a server and the shared ticker. */
export class GeneratorPool {
  private readonly gens = new Set<Gen>();
  private timer: NodeJS.Timeout | undefined;

  /** Starts a generator writing through `write`. */
  start(opts: LogGeneratorOptions, write: BatchWriter): LogGenerator {
    if (!(opts.linesPerSecond > 0)) throw new Error('linesPerSecond must be > 0');
    let resolve!: () => void;
    const done = new Promise<void>((r) => { resolve = r; });
    const gen: Gen = { opts, write, written: 0, carry: 0, last: performance.now(), resolve };
    this.gens.add(gen);
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    return {
      get written() { return gen.written; },
      done,
      stop: () => this.finish(gen),
    };
  }

  /** Stops every generator. */
  stopAll(): void {
    for (const g of [...this.gens]) this.finish(g);
  }

  private tick(): void {
    const now = performance.now();
    for (const g of [...this.gens]) this.step(g, now);
  }

  private step(g: Gen, now: number): void {
    const exact = (g.opts.linesPerSecond * (now - g.last)) / 1000 + g.carry;
    g.last = now;
    let n = Math.floor(exact);
    g.carry = exact - n;
    if (g.opts.maxLines !== undefined) n = Math.min(n, g.opts.maxLines - g.written);
    if (n > 0) {
      const lines = new Array<string>(n);
      for (let i = 0; i < n; i++) lines[i] = g.opts.line(g.written + i);
      const ok = g.write(lines);
      if (ok === false) return this.finish(g);
      if (ok === true) g.written += n;
    }
    if (g.opts.maxLines !== undefined && g.written >= g.opts.maxLines) this.finish(g);
  }

  private finish(g: Gen): void {
    if (!this.gens.delete(g)) return;
    g.resolve();
    if (this.gens.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
