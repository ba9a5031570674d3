/**
 * The held entries' intrusive lists share three slots (held.ts Slot): each index must add and remove
 * only the entries it threaded, or removing one entry unlinks another index's list.
 */
import { describe, expect, it } from 'vitest';
import { engineWith, entry, flowOf } from './helpers.js';
import { at, ms, sniTriple } from './pairs.js';

describe('the indexes of held SNI lines', () => {
  it('keeps finding an inner line by its bytes after a newer inner line with the same bytes left', () => {
    // Inner lines A and B carry the same bytes; B, held after A, leaves first with its short
    // connection. A later connection (long connections are logged when they end) must still find A,
    // the nearest inner line with its sidecar's bytes, not D, held since, with those bytes but farther.
    const short = sniTriple({ t: 95, port: 55200, host: 'b.example.org', rx: 813, tx: 111152 });
    const long = sniTriple({ t: 495, port: 55102, host: 'en.wikipedia.org', rx: 813, tx: 111152 });
    const gw = { role: 'egress-gateway' as const, file: 'egress-gateway.log' };
    const b = entry({ ...short.inner.record, duration: 10 }, gw);
    const a = entry({ ...long.inner.record, start_time: at(0), duration: 60_000 }, gw);
    const d = entry({ ...long.inner.record, start_time: at(1400), duration: 60_000, requested_server_name: 'd.example.org' }, gw);
    const { flows, engine } = engineWith();
    engine.add(entry({ ...short.s.record, duration: 10 }));
    engine.add(entry({ ...short.outer.record, duration: 10 }, gw));
    engine.add(a);
    engine.add(b);
    engine.advance(ms(6000));
    expect(flows.map((f) => f.related)).toEqual([[b]]);
    const s = entry({ ...long.s.record, duration: 60_010 });
    for (const e of [d, s, entry({ ...long.outer.record, duration: 60_000 }, gw)]) engine.add(e);
    engine.finish();
    expect(flowOf(flows, s)).toMatchObject({ verdict: 'via-gateway', related: [a] });
    expect(flowOf(flows, d)?.verdict).toBe('gateway-only');
  });
});
