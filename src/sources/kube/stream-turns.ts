/**
 * Whose chunk is worked next when more log arrives than this process can read. Each stream's socket gives at most
 * ~64 KiB per event-loop turn; with every ready stream worked in each turn, a busy turn grows long, and an egress
 * gateway (~7,700 lines/s, each a sidecar entry's partner) then logs more per turn than one read takes while a sidecar
 * (~120 lines/s) reads all it has: the gateways fall furthest behind, and every gateway-bound entry waits on them.
 * So chunks are worked in rounds of at most ROUND_BYTES: the gateways' first, the sidecars' (FIFO, so none waits
 * forever) always at least SIDECAR_SHARE of a round; a stream left waiting stops reading (its socket fills, the API
 * server holds the rest), which keeps rounds short enough for the gateways to keep up. Unloaded, every waiting chunk
 * fits in one round and nothing changes but a hop to the end of the event-loop turn.
 */

/**
 * The bytes one round works at most: at ~25 µs for a line of ~500 bytes, ~13 ms of work, less than the ~17 ms in which
 * a gateway at 7,700 lines/s fills one 64 KiB socket read.
 */
export const ROUND_BYTES = 256 * 1024;
/** The part of a round kept for sidecars while any waits, so gateways that log faster than this process reads never starve them. */
export const SIDECAR_SHARE = 0.25;

interface Waiter {
  bytes: number;
  go: () => void;
}

/** The turns of one live run's streams. */
export class StreamTurns {
  private readonly gateways: Waiter[] = [];
  private readonly others: Waiter[] = [];
  private scheduled = false;

  constructor(
    private readonly roundBytes = ROUND_BYTES,
    /** Runs a round once the current event-loop turn's reads are in (a test steps it by hand). */
    private readonly defer: (round: () => void) => void = setImmediate,
  ) {}

  /** Resolves when the stream (an egress gateway's or not) may work its next chunk of `bytes`. */
  turn(gateway: boolean, bytes: number): Promise<void> {
    return new Promise((go) => {
      (gateway ? this.gateways : this.others).push({ bytes, go });
      if (this.scheduled) return;
      this.scheduled = true;
      this.defer(() => this.round());
    });
  }

  /** Gateways first up to what the sidecars waiting keep; the sidecars' share; the gateways again if room is left. */
  private round(): void {
    this.scheduled = false;
    const reserve = this.others.length > 0 ? this.roundBytes * SIDECAR_SHARE : 0;
    const spent = grant(this.gateways, 0, this.roundBytes - reserve);
    grant(this.gateways, grant(this.others, Math.min(spent, this.roundBytes - reserve), this.roundBytes), this.roundBytes);
    if (this.gateways.length + this.others.length > 0 && !this.scheduled) {
      this.scheduled = true;
      this.defer(() => this.round());
    }
  }
}

/** Lets the queue's waiters go, oldest first, while less than `limit` bytes are spent; the bytes spent then. */
function grant(queue: Waiter[], spent: number, limit: number): number {
  while (queue.length > 0 && spent < limit) {
    const waiter = queue.shift() as Waiter;
    spent += waiter.bytes;
    waiter.go();
  }
  return spent;
}
