// `watch --gateway-selector "$UNSET"` (fake API server): an empty label selector selects every pod, so every pod
// followed was an egress gateway and a sidecar's direct call came out gateway-only. An empty or blank selector, -l's
// too, an empty pod query and an empty --context are usage errors naming what was given, before any request, as `-n ''` is.
import { describe, expect } from 'vitest';
import { clusterIt, startWatch } from './helpers.js';

describe.concurrent('watch: an empty selector, pod query or context is a usage error (fake API server)', () => {
  clusterIt.for<[string, string[], RegExp]>([
    ['an empty --gateway-selector', ['--gateway-selector', ''], /^egress-audit: --gateway-selector: "" is empty, which would select every pod \(an unset variable\?\); give the egress gateway pods' labels \(the default is istio=egressgateway\)\n$/],
    ['a blank --gateway-selector', ['--gateway-selector', '  '], /^egress-audit: --gateway-selector: " {2}" is empty, /],
    ['an empty -l', ['-l', ''], /^egress-audit: -l\/--selector: "" is empty, which would select every pod \(an unset variable\?\); leave -l out to follow every pod of the watched namespaces\n$/],
    ['a blank --selector', ['--selector= '], /^egress-audit: -l\/--selector: " " is empty, /],
    ['an empty pod query', [''], /^egress-audit: the pod query is "", which would match every pod \(an unset variable\?\); leave it out to follow every pod of the watched namespaces\n$/],
    ['an empty --context (it said the kubeconfig set no current context, exit 3)', ['--context', ''], /^egress-audit: --context: "" names no context \(an unset variable\?\)\n$/],
  ])('refuses %s with exit 2 before any request', async ([, args, message], { api, kubeconfig }) => {
    api.addPod({ namespace: 'shop', name: 'cart-1', ip: '10.108.0.56', containers: ['app', 'istio-proxy'] });
    api.addPod({ namespace: 'istio-system', name: 'egw-1', labels: { istio: 'egressgateway' }, ip: '10.108.0.55', containers: ['istio-proxy'] });
    const { code, stdout, stderr } = await startWatch(['-A', ...args, '-o', 'json', '--duration', '1s'], { KUBECONFIG: kubeconfig }).exited;
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(api.requests).toHaveLength(0);
  });
});
