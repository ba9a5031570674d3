/**
 * A layout without %UPSTREAM_CLUSTER% (Envoy's default format, Istio 1.0.0-1.0.2, or a custom format
 * that leaves it out) gives the upstream address as the only evidence of where a sidecar entry went.
 * When that address is a known egress gateway pod, the entry went to the gateway, exactly as it does
 * with a cluster whose name does not say so (rules.test.ts: "gateway by learned gateway pod IP").
 */
import { describe, expect, it } from 'vitest';
import { entry, http, run, settings } from './helpers.js';

const T0 = '2024-05-01T12:00:00.000Z';
const T1 = '2024-05-01T12:00:00.001Z';
const RID = '56140728-4722-472f-afaa-299e00837e1a';

/** The sidecar's entry of a request to the gateway pod 10.1.0.55:8080, with no cluster field. */
const sidecar = () => entry(http({
  start_time: T0, duration: 20, bytes_sent: 44, request_id: RID, authority: 'api.example.com',
  upstream_host: '10.1.0.55:8080', upstream_local_address: '10.1.0.56:50174',
  downstream_local_address: '240.240.0.2:80', downstream_remote_address: '10.1.0.56:50000',
}));

/** The gateway's entry of that request, also with no cluster field. */
const gateway = () => entry(http({
  start_time: T1, protocol: 'HTTP/2', duration: 15, bytes_sent: 44, request_id: RID, authority: 'api.example.com',
  upstream_host: '178.170.196.65:443', upstream_local_address: '10.1.0.55:49182',
  downstream_local_address: '10.1.0.55:8080', downstream_remote_address: '10.1.0.56:50174',
}), { role: 'egress-gateway' });

describe('a sidecar entry without a cluster field whose upstream is a known gateway pod', () => {
  it('joins the gateway entry: via-gateway, not internal plus gateway-only', () => {
    const s = sidecar();
    const g = gateway();
    const flows = run([s, g], settings(), ['10.1.0.55']);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ verdict: 'via-gateway', rule: 'via-gateway/joined', sidecar: s, gateway: g });
  });

  it('is unconfirmed when the gateway entry is missing', () => {
    const [f] = run([sidecar()], settings(), ['10.1.0.55']);
    expect(f).toMatchObject({ verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-gateway-entry' });
  });

  it('is still judged by its upstream address when that is no gateway (a pod: internal)', () => {
    const [f] = run([sidecar()], settings(), []);
    expect(f).toMatchObject({ verdict: 'internal', rule: 'internal/mesh-service' });
  });
});
