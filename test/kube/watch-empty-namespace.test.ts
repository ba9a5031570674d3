// `egress-audit watch -n` naming a namespace with no pod (fake API server): the API lists a misspelt namespace as
// empty, never as missing, so the run says so at the start rather than showing nothing until its end.
import { describe, expect } from 'vitest';
import { clusterIt, startWatch } from './helpers.js';

describe('watch: a namespace with no pods at the start (fake API server)', () => {
  clusterIt('says which -n namespaces held no pod at the first list (a typo showed an empty dashboard and only ended in no-sidecar-logs)', async ({ api, kubeconfig }) => {
    api.addPod({ namespace: 'shop', name: 'cart-1', ip: '10.108.0.56', containers: ['app', 'istio-proxy'] });
    const { code, stderr } = await startWatch(['-n', 'shop', '-n', 'shpo', '--gateway-namespace', 'shop-gw', '-o', 'ndjson', '--duration', '1s', '--fail-on', 'none'], { KUBECONFIG: kubeconfig }).exited;
    expect(stderr.split('namespace shpo has no pods').length - 1).toBe(1);
    expect(stderr).toContain('egress-audit: namespace shpo has no pods: nothing is followed there until one is created (is the name right? kubectl get namespaces lists them)\n');
    expect(stderr).not.toMatch(/namespaces? shop\b[^-]*no pods/);
    expect(code).toBe(4); // nothing was logged
  });
});
