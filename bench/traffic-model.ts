/**
 * The world the generator simulates: client pods, two egress gateway pods, external hosts and
 * in-mesh services, with the addresses Istio would log for them.
 */

/** A pod that sends traffic (its sidecar logs it). */
export interface ClientPod {
  name: string;
  namespace: string;
  ip: string;
}

/** An external destination. */
export interface ExternalHost {
  host: string;
  ip: string;
  port: number;
}

/** Egress gateway pods (istio-system), their listener ports for HTTP and TLS. */
export const GATEWAYS = [
  { name: 'istio-egressgateway-7d4f8b9c6d-k2x9p', ip: '10.244.9.10' },
  { name: 'istio-egressgateway-7d4f8b9c6d-q8w4z', ip: '10.244.9.11' },
];
/** The gateway's Kubernetes service host, as sidecar cluster names show it. */
export const GATEWAY_SERVICE = 'istio-egressgateway.istio-system.svc.cluster.local';

/** External hosts routed through the gateway. */
export const VIA_GATEWAY_HOSTS: ExternalHost[] = [
  { host: 'api.github.com', ip: '140.82.112.6', port: 443 },
  { host: 'storage.googleapis.com', ip: '142.250.74.27', port: 443 },
  { host: 'api.stripe.com', ip: '54.187.174.169', port: 443 },
  { host: 'hooks.slack.com', ip: '34.226.36.50', port: 443 },
];

/** External hosts some workloads reach without the gateway. */
export const DIRECT_HOSTS: ExternalHost[] = [
  { host: 'pypi.org', ip: '151.101.0.223', port: 443 },
  { host: 'registry.npmjs.org', ip: '104.16.24.35', port: 443 },
  { host: 'telemetry.vendor.io', ip: '35.190.12.4', port: 443 },
];

/** Hosts a REGISTRY_ONLY mesh refuses. */
export const BLOCKED_HOSTS: ExternalHost[] = [
  { host: 'pastebin.com', ip: '104.22.68.199', port: 443 },
  { host: 'crypto-miner.example', ip: '45.9.148.3', port: 3333 },
];

/** In-mesh services. */
export const SERVICES = [
  { host: 'reviews.shop.svc.cluster.local', ip: '10.244.3.21', port: 9080 },
  { host: 'ratings.shop.svc.cluster.local', ip: '10.244.4.8', port: 9080 },
  { host: 'cart.shop.svc.cluster.local', ip: '10.244.5.33', port: 8080 },
];

const WORKLOADS: [string, string][] = [
  ['shop', 'frontend'],
  ['shop', 'checkout'],
  ['shop', 'catalog'],
  ['payments', 'billing'],
  ['payments', 'ledger'],
  ['data', 'etl-worker'],
  ['data', 'reporting'],
  ['ops', 'backup-agent'],
];

/** Kubernetes' name suffix alphabet (no vowels, no 0/1/3), as in `sleep-7c7db887d8-9dnd7`. */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function kubeChars(random: () => number, n: number): string {
  return Array.from({ length: n }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
}

/** `count` client pods spread over the workloads above, with stable names and IPs. */
export function clientPods(count: number, random: () => number): ClientPod[] {
  return Array.from({ length: count }, (_, i) => {
    const [namespace, workload] = WORKLOADS[i % WORKLOADS.length] as [string, string];
    const hash = kubeChars(random, 10);
    const suffix = kubeChars(random, 5);
    return { name: `${workload}-${hash}-${suffix}`, namespace, ip: `10.244.${1 + (i >> 8)}.${(i & 255) + 1}` };
  });
}
