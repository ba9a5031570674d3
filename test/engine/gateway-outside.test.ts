// The gateway-endpoint-outside-mesh figures: sidecar entries sent to an egress gateway Service that reached an address
// outside the mesh, also to a Service the engine learns as a gateway's only after them (watch learns as its lines come).
import { describe, expect, it } from 'vitest';
import { createEngine, offlineContext } from '../../src/engine/index.js';
import type { EngineCounters } from '../../src/engine/index.js';
import type { Entry } from '../../src/types.js';
import { entry, record, settings } from './helpers.js';

const GATEWAY_IP = '10.108.0.55';
const CUSTOM = 'egress.istio-system.svc.cluster.local';

/** A sidecar's TCP entry to `host` at `upstream` (an address:port). */
function to(host: string, upstream: string, port: number, role: Entry['role'] = 'sidecar'): Entry {
  return entry(
    record({ upstream_cluster: `outbound|2234||${host}`, upstream_host: upstream, upstream_local_address: `10.108.0.56:${port}`, downstream_local_address: '192.168.0.78:1234', downstream_remote_address: '10.108.0.56:50898', bytes_sent: 844 }),
    { role },
  );
}

/** The figures after `entries`, with the gateway pod IP known (as watch knows it from the API) and the mesh range given. */
function outside(entries: Entry[]): EngineCounters['gatewayOutside'] {
  const conf = settings({ meshCidrs: ['10.108.0.0/16'] });
  const engine = createEngine(conf, offlineContext(conf, [GATEWAY_IP]), () => undefined);
  for (const e of entries) engine.add(e);
  engine.finish();
  return engine.counters().gatewayOutside;
}

describe('sidecar entries to a gateway Service that reached an address outside the mesh', () => {
  it('count for a Service learned as a gateway\'s after them, whichever comes first (was: only a name the settings match)', () => {
    const expected = { entries: 2, host: CUSTOM, address: '34.120.0.9', meshRangesKnown: true };
    const away = [to(CUSTOM, '34.120.0.9:2234', 33700), to(CUSTOM, '34.120.0.10:2234', 33701)];
    const via = to(CUSTOM, `${GATEWAY_IP}:2234`, 33706);
    expect(outside([...away, via])).toEqual(expected);
    expect(outside([via, ...away])).toEqual(expected);
    // One with no endpoint logged (UH) is not: audit, which knows the Service at once, holds it as gateway-bound.
    const failed = entry(record({ upstream_cluster: `outbound|2234||${CUSTOM}`, response_flags: 'UH', downstream_local_address: '34.120.0.12:2234', downstream_remote_address: '10.108.0.56:50899' }));
    expect(outside([failed, ...away, via])).toEqual(expected);
    // Not for a Service nothing shows is a gateway's, nor one only an ingress gateway's entry reaches a gateway pod by.
    expect(outside(away)).toBeNull();
    expect(outside([...away, to(CUSTOM, `${GATEWAY_IP}:2234`, 33707, 'ingress-gateway')])).toBeNull();
    expect(outside([to('api.shop.svc.cluster.local', '34.120.0.9:2234', 33703), via])).toBeNull();
  });

  it('name the earliest counted entry, by the settings or learned, and count both', () => {
    const known = to('istio-egressgateway.istio-system.svc.cluster.local', '34.120.0.11:2234', 33702);
    const learned = to(CUSTOM, '34.120.0.9:2234', 33700);
    const via = to(CUSTOM, `${GATEWAY_IP}:2234`, 33706);
    expect(outside([learned, known, via])).toEqual({ entries: 2, host: CUSTOM, address: '34.120.0.9', meshRangesKnown: true });
    expect(outside([known, learned, via])).toMatchObject({ entries: 2, host: 'istio-egressgateway.istio-system.svc.cluster.local', address: '34.120.0.11' });
  });

  it('count the entries tallied before a Service became known as a gateway\'s by its selector (watch), not only those after', () => {
    const conf = settings({ meshCidrs: ['10.108.0.0/16'] });
    const selected = new Set<string>();
    const hosts = { version: 0, has: (host: string) => selected.has(host) };
    const engine = createEngine(conf, { ...offlineContext(conf, [GATEWAY_IP]), gatewayHosts: hosts }, () => undefined);
    engine.add(to(CUSTOM, '34.120.0.9:2234', 33700));
    engine.add(to(CUSTOM, '34.120.0.10:2234', 33701));
    expect(engine.counters().gatewayOutside).toBeNull();
    // Its Service is read, selecting a gateway pod: the two entries before count, as audit (knowing it at once) counts them.
    selected.add(CUSTOM);
    hosts.version++;
    expect(engine.counters().gatewayOutside).toEqual({ entries: 2, host: CUSTOM, address: '34.120.0.9', meshRangesKnown: true });
    engine.add(to(CUSTOM, '34.120.0.11:2234', 33702));
    engine.finish();
    expect(engine.counters().gatewayOutside).toEqual({ entries: 3, host: CUSTOM, address: '34.120.0.9', meshRangesKnown: true });
  });
});
