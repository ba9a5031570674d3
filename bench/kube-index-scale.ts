/**
 * Scale bench of watch's cluster indexes (not a test), two figures:
 * - `services`: the gateway Service hosts (gateway-services.ts) under churn: N Services added one event at a time, then
 *   N updates, each followed by the question the engine asks per sidecar entry (`has`), as a rolling deploy or a busy
 *   cluster brings them. Reported: milliseconds for each phase.
 * - `journal`: the heap an EndpointSliceIndex's event journal (scoped-objects.ts) retains: N slices of E endpoints
 *   listed, then J updates of random slices, each a fresh object as the watch decodes it, with a reader of the index
 *   (endpointsOf) every R events; the heap is measured after a full GC before and after the updates (the current
 *   objects are the same N in both, so the difference is what the journal keeps).
 *
 * Run: tsc -p tsconfig.json && node --expose-gc dist/bench/kube-index-scale.js [--services N] [--slices N] [--endpoints E] [--updates J]
 */
import { EndpointSliceIndex, type KubeEndpointSlice } from '../src/sources/kube/endpoint-slice-index.js';
import { GatewayServiceHosts } from '../src/sources/kube/gateway-services.js';
import type { KubePod } from '../src/sources/kube/pod-facts.js';
import { PodIpIndex } from '../src/sources/kube/pod-index.js';
import { PodRegistry } from '../src/sources/kube/pod-registry.js';
import { ServiceIndex, type KubeService } from '../src/sources/kube/service-index.js';
import { seeded } from './random.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name}: a positive integer, not ${process.argv[at + 1]}`);
  return value;
}

function gatewayPod(namespace: string): KubePod {
  return {
    metadata: { name: 'egw-1', namespace, uid: `g-${namespace}`, labels: { istio: 'egressgateway', app: 'egw' } },
    spec: { containers: [{ name: 'istio-proxy' }] },
    status: { phase: 'Running', podIP: '10.108.0.55', podIPs: [{ ip: '10.108.0.55' }], containerStatuses: [{ name: 'istio-proxy', containerID: 'containerd://a', restartCount: 0, state: { running: {} } }] },
  } as KubePod;
}

/** Service `i`, version `v`: one in ten selects the gateway pods of its namespace. */
function service(i: number, v: number): KubeService {
  const namespace = i % 10 === 0 ? 'istio-system' : `ns-${i % 50}`;
  const selector: Record<string, string> = i % 10 === 0 ? { istio: 'egressgateway' } : { app: `app-${i}`, version: `v${v % 3}` };
  return { metadata: { namespace, name: `svc-${i}`, resourceVersion: String(v) }, spec: { clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}`, selector } };
}

function services(n: number): void {
  const index = new ServiceIndex();
  const registry = new PodRegistry(new PodIpIndex(), { changed: () => undefined, gone: () => undefined });
  const hosts = new GatewayServiceHosts(index, registry, 'cluster.local');
  registry.replace('gateway:istio-system', [gatewayPod('istio-system')]);
  index.replace('*', []);
  let found = 0;
  let t = performance.now();
  for (let i = 0; i < n; i++) {
    index.event('*', 'ADDED', service(i, 0));
    if (hosts.has(`svc-${i}.istio-system.svc.cluster.local`)) found++;
  }
  const added = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < n; i++) {
    index.event('*', 'MODIFIED', service(i, 1));
    if (hosts.has(`svc-${i}.istio-system.svc.cluster.local`)) found++;
  }
  const updated = performance.now() - t;
  console.log(`services: ${n} added one by one ${added.toFixed(0)} ms, ${n} updates ${updated.toFixed(0)} ms (${found} gateway hosts seen, ${hosts.list().length} at the end)`);
}

function slice(i: number, version: number, endpoints: number): KubeEndpointSlice {
  const list = [];
  for (let e = 0; e < endpoints; e++) list.push({ addresses: [`10.${(i >> 8) & 255}.${i & 255}.${(e + version) & 255}`] });
  return { metadata: { namespace: `ns-${i % 50}`, name: `svc-${i}-abcde`, resourceVersion: String(version), labels: { 'kubernetes.io/service-name': `svc-${i}` } }, addressType: 'IPv4', endpoints: list };
}

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function journal(slices: number, endpoints: number, updates: number): void {
  const index = new EndpointSliceIndex();
  const list: KubeEndpointSlice[] = [];
  for (let i = 0; i < slices; i++) list.push(slice(i, 0, endpoints));
  index.replace('*', list);
  list.length = 0;
  const before = heap();
  const random = seeded(1);
  for (let j = 1; j <= updates; j++) {
    const i = Math.floor(random() * slices);
    // As the watch decodes it: a fresh object, strings and all.
    index.event('*', 'MODIFIED', JSON.parse(JSON.stringify(slice(i, j, endpoints))) as KubeEndpointSlice);
    if (j % 100 === 0) index.endpointsOf(`ns-${i % 50}/svc-${i}`);
  }
  const after = heap();
  const mb = (after - before) / 1048576;
  console.log(`journal: ${slices} slices of ${endpoints} endpoints, ${updates} updates: heap +${mb.toFixed(1)} MB (${((after - before) / updates).toFixed(0)} bytes per update)`);
}

const n = flag('services', 5000);
services(n);
journal(flag('slices', 5000), flag('endpoints', 100), flag('updates', 4096));
