// The offset between the hops' log times, measured from entries released unjoined that share a key, in bounded memory.
import { describe, expect, it } from 'vitest';
import { ClockSkew } from '../../src/engine/clock-skew.js';
import { GATEWAY, Held, PLAIN, SIDECAR, type Side } from '../../src/engine/held.js';
import type { ClusterInfo } from '../../src/engine/cluster.js';
import type { Entry } from '../../src/types.js';
import { MEMO_KEY_MAX } from '../../src/engine/cache.js';

/** A TCP entry of `side` on socket 10.0.{n}:port to the gateway's listener, started at `startMs`. */
function tcp(side: Side, n: number, startMs: number): Held {
  const conn = `10.0.${n >> 16}.${(n >> 8) & 255}:${1024 + (n & 255)}`;
  return new Held({ startMs } as Entry, {} as ClusterInfo, side, PLAIN, false, null, 0, conn, '10.0.9.5:2234', startMs + 5000, null);
}

/** An HTTP entry of `side` with request id `rid`, started at `startMs`. */
function http(side: Side, rid: string, startMs: number): Held {
  return new Held({ startMs } as Entry, {} as ClusterInfo, side, PLAIN, true, rid, 0, '10.0.0.1:4000', '10.0.9.5:2234', startMs + 5000, null);
}

describe('ClockSkew', () => {
  // A request id is the client's to send (x-request-id): a few hundred of 20,000 characters each would otherwise be
  // kept whole, up to 4,096 of them (a 60 KiB one each: 240 MB).
  it('samples no request id longer than MEMO_KEY_MAX, and still pairs ordinary ones', () => {
    const skew = new ClockSkew(5000);
    for (let i = 0; i < 300; i++) skew.unjoined(http(SIDECAR, `${i}-${'r'.repeat(20_000)}`, i));
    for (let i = 0; i < 5; i++) {
      skew.unjoined(http(SIDECAR, `0000000${i}-9ed5-4b61-8bdd-43e22662702a`, i * 10));
      skew.unjoined(http(GATEWAY, `0000000${i}-9ed5-4b61-8bdd-43e22662702a`, i * 10 + 60_000));
    }
    const keys = [...(skew as unknown as { seen: Map<string, unknown> }).seen.keys()];
    expect(keys.every((k) => k.length <= MEMO_KEY_MAX)).toBe(true);
    expect(skew.offset()).toEqual({ medianMs: 60_000, pairs: 5 });
  });

  it('finds the offset of pairs far apart in log time, keeping a bounded sample of the keys', () => {
    const skew = new ClockSkew(5000);
    // 100,000 sidecar entries released before the first of their gateway entries, 5 minutes later: far more than the
    // table holds, so only the sampled keys make pairs, the same keys on both sides.
    for (let i = 0; i < 100_000; i++) skew.unjoined(tcp(SIDECAR, i, i * 10));
    for (let i = 0; i < 100_000; i++) skew.unjoined(tcp(GATEWAY, i, i * 10 + 300_000));
    const offset = skew.offset();
    expect(offset?.medianMs).toBe(300_000);
    expect(offset?.pairs).toBeGreaterThan(1000);
    expect(offset?.pairs).toBeLessThan(8192);
  });

  it('says nothing of pairs too few, or too scattered to be one offset (ports reused by chance)', () => {
    const few = new ClockSkew(5000);
    for (let i = 0; i < 2; i++) {
      few.unjoined(tcp(SIDECAR, i, 0));
      few.unjoined(tcp(GATEWAY, i, 30_000));
    }
    expect(few.offset()).toBeNull();
    const scattered = new ClockSkew(5000);
    for (let i = 0; i < 9; i++) {
      scattered.unjoined(tcp(SIDECAR, i, 0));
      scattered.unjoined(tcp(GATEWAY, i, (i - 4) * 60_000));
    }
    expect(scattered.offset()).toBeNull();
  });

  it('a gateway behind the sidecars is a negative offset, whichever hop was released first', () => {
    const skew = new ClockSkew(5000);
    for (let i = 0; i < 5; i++) {
      skew.unjoined(tcp(GATEWAY, i, 1000));
      skew.unjoined(tcp(SIDECAR, i, 31_000));
    }
    expect(skew.offset()).toEqual({ medianMs: -30_000, pairs: 5 });
  });
});
