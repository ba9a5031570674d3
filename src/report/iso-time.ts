/**
 * ISO-8601 times written as JSON strings without a Date per flow: flows come roughly in log-time
 * order, so the `"YYYY-MM-DDThh:mm:ss.` part is encoded once per second and only the milliseconds
 * are written each time. The text is exactly `JSON.stringify(new Date(ms).toISOString())`.
 */
import { putBytes, putStringOrNull } from './json-bytes.js';

/** Seconds remembered (direct-mapped by second): enough for streams that are a few seconds apart. */
const SLOTS = 64;
/** Years 1970..9999: the range where toISOString has the plain `YYYY-...` shape the cache assumes. */
const MAX_MS = 253_402_300_799_999;

/** Most bytes `IsoTimeWriter.put` writes. */
export const ISO_BOUND = 40;

/** Writes `"…Z"` for an epoch-ms time, or `null` when it is not finite. */
export class IsoTimeWriter {
  private readonly seconds = new Float64Array(SLOTS).fill(Number.NaN);
  private readonly prefixes: Uint8Array[] = new Array<Uint8Array>(SLOTS);

  /** Writes the time as a JSON string (or `null`) at `p` (room: ISO_BOUND); returns the new position. */
  put(buf: Buffer, p: number, ms: number): number {
    if (!Number.isFinite(ms)) return putStringOrNull(buf, p, null);
    if (!(ms >= 0 && ms <= MAX_MS) || Math.floor(ms) !== ms) {
      // Rare shapes: exactly what the Date prints (and throws, for times no Date can hold).
      return p + buf.write(JSON.stringify(new Date(ms).toISOString()), p, 'latin1');
    }
    const second = Math.floor(ms / 1000);
    const slot = second % SLOTS;
    let prefix = this.prefixes[slot] as Uint8Array;
    if (this.seconds[slot] !== second) {
      // `"2026-11-02T09:00:00.` : the ISO text of the whole second without its `000Z`.
      prefix = Uint8Array.from(Buffer.from(`"${new Date(second * 1000).toISOString().slice(0, -4)}`, 'latin1'));
      this.prefixes[slot] = prefix;
      this.seconds[slot] = second;
    }
    let q = putBytes(buf, p, prefix);
    const milli = ms - second * 1000;
    buf[q++] = 48 + Math.floor(milli / 100);
    buf[q++] = 48 + (Math.floor(milli / 10) % 10);
    buf[q++] = 48 + (milli % 10);
    buf[q++] = 90; // Z
    buf[q++] = 34;
    return q;
  }
}
