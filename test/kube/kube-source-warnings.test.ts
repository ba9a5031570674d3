// The live source's coverage warnings at the end of a watch (no I/O: pods handed to the registry as a pod view would).
// The pods the egress gateway namespaces refused are worked out once, in KubeSource.warnings(): no-egress-gateway-pod
// counts them and gateway-pods-refused lists them, from the same list.
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../src/run/setup.js';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { KubeSource } from '../../src/sources/kube/kube-source.js';
import { holdLimits } from '../../src/sources/kube/live-driver.js';
import { logTimeFromMs } from '../../src/sources/kube/log-time.js';
import type { KubePod } from '../../src/sources/kube/pod-facts.js';
import { planWatch, watchFilters } from '../../src/sources/kube/plan.js';
import { Redactor } from '../../src/sources/kube/redact.js';

/** A running pod with an istio-proxy sidecar. */
function pod(namespace: string, name: string, ip: string, labels: Record<string, string>): KubePod {
  return {
    metadata: { namespace, name, uid: `uid-${name}`, labels },
    spec: { nodeName: 'node-1', containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
    status: { phase: 'Running', podIP: ip, containerStatuses: [{ name: 'istio-proxy', restartCount: 0, state: { running: { startedAt: '2026-11-24T00:00:00Z' } } }] },
  };
}

/** `watch -A` with mesh.gatewayNamespaces [istio-system]; nothing is requested, as the source is never started. */
function source(api: Partial<KubeHttp> = {}): KubeSource {
  const filters = watchFilters({ namespace: [], allNamespaces: true, selector: null, podQuery: null, gatewayNamespace: 'istio-system', gatewayNamespaceGiven: false, gatewaySelector: 'istio=egressgateway' });
  const stop = new AbortController();
  return new KubeSource({
    api: { refusal: null, scrub: (text: string) => text, ...api } as unknown as KubeHttp,
    plan: planWatch(filters, null),
    context: 'test',
    settings: { ...defaultSettings(5000, 1000), gatewayNamespaces: ['istio-system'] },
    start: { at: logTimeFromMs(Date.now()), isLogTime: false },
    maxLineLength: 65536,
    maxStreams: 10,
    deadFollowMs: 10_000,
    holds: holdLimits(1000),
    serviceEntryWaitMs: 0,
    hardStop: stop.signal,
    notice: () => undefined,
  });
}

describe('KubeSource.warnings: pods named egress gateways outside mesh.gatewayNamespaces', () => {
  it('says gateway-pods-refused itself, listing the pods no-egress-gateway-pod counts', () => {
    const s = source();
    const tenant = pod('tenant', 'my-egressgateway-5c6d', '10.108.9.80', { istio: 'egressgateway' });
    s.registry.replace('sidecar:*', [tenant, pod('shop', 'cart-1', '10.108.0.56', { app: 'cart' })]);
    s.registry.replace('gateway:*', [tenant]);
    const byCode = new Map(s.warnings().map((w) => [w.code, w.message]));
    // Before: the source left gateway-pods-refused to watch.ts, which worked the refused pods out a second time.
    expect(byCode.get('gateway-pods-refused')).toBe(
      "1 pod named, labelled or acting like an egress gateway is outside the egress gateway namespaces istio-system (mesh.gatewayNamespaces, or --gateway-namespace), so it was read as a sidecar, its own egress judged as a sidecar's and traffic sent to it as in-mesh traffic: tenant/my-egressgateway-5c6d (flag:--gateway-selector).",
    );
    expect(byCode.get('no-egress-gateway-pod')).toContain('1 pod named an egress gateway (by --gateway-selector istio=egressgateway in any namespace, or by the role rules) is outside the egress gateway namespaces istio-system');
    expect(s.roles.get('pod/tenant/my-egressgateway-5c6d/istio-proxy')).toMatchObject({ role: 'sidecar', rule: 'gateway-namespace' });
  });

  it('says neither when no pod was refused, and an accepted gateway silences no-egress-gateway-pod', () => {
    const s = source();
    const gw = pod('istio-system', 'istio-egressgateway-1', '10.108.0.55', { istio: 'egressgateway' });
    s.registry.replace('sidecar:*', [gw]);
    s.registry.replace('gateway:*', [gw]);
    const codes = s.warnings().map((w) => w.code);
    expect(codes).not.toContain('gateway-pods-refused');
    expect(codes).not.toContain('no-egress-gateway-pod');
    expect(s.roles.get('pod/istio-system/istio-egressgateway-1/istio-proxy')).toMatchObject({ role: 'egress-gateway' });
  });
});

describe('KubeSource.warnings: credentials', () => {
  it('are scrubbed from what the report says, as from stderr (was the refusal quoted raw, a token a plugin or server echoed in it)', () => {
    const redactor = new Redactor();
    redactor.add('plugin-issued-token-0123456789');
    const refusal = 'the API server rejected the credentials (401 Unauthorized) and they cannot be renewed: the plugin sent Authorization: Bearer abcdefghijklmnop0123 and said plugin-issued-token-0123456789 expired';
    const s = source({ refusal, scrub: (text: string) => redactor.scrub(text) } as Partial<KubeHttp>);
    const said = s.warnings().filter((w) => w.code === 'stream-errors').map((w) => w.message);
    expect(said).toEqual(['The run stopped early, so nothing logged after that was read: the API server rejected the credentials (401 Unauthorized) and they cannot be renewed: the plugin sent Authorization: Bearer [redacted] and said [redacted] expired.']);
  });
});
