// Pod facts, the pod-IP map with its expiry after deletion, the live EngineContext and the follower's
// re-check decision, all without I/O (a hand-set clock instead of timers).
import { describe, expect, it } from 'vitest';
import { offlineContext } from '../../src/engine/index.js';
import { nextStep } from '../../src/sources/kube/follow-step.js';
import { podFacts, workloadOf, type KubePod } from '../../src/sources/kube/pod-facts.js';
import { liveContext, meshPrefix, PodIpIndex } from '../../src/sources/kube/pod-index.js';
import { ServiceEntryIndex } from '../../src/sources/kube/service-entry-index.js';
import { ServiceIndex } from '../../src/sources/kube/service-index.js';
import { selectorClusterIps } from '../helpers/cluster-ips.js';
import type { AuditSettings } from '../../src/types.js';

function pod(over: { name?: string; ip?: string; uid?: string; native?: boolean; state?: 'running' | 'waiting' | 'terminated'; phase?: string; owner?: { kind: string; name: string }; labels?: Record<string, string>; containerId?: string; deleting?: boolean; nodeName?: string | null; noProxy?: boolean } = {}): KubePod {
  const status = { name: 'istio-proxy', containerID: over.containerId ?? 'containerd://a', restartCount: 0, state: { [over.state ?? 'running']: over.state === 'waiting' ? { reason: 'CrashLoopBackOff' } : {} } };
  return {
    metadata: {
      name: over.name ?? 'cart-7d4f8b9c6d-k2x9p', namespace: 'shop', uid: over.uid ?? 'u1', labels: over.labels ?? { app: 'cart', 'pod-template-hash': '7d4f8b9c6d' },
      ownerReferences: over.owner ? [{ ...over.owner, controller: true }] : [{ kind: 'ReplicaSet', name: 'cart-7d4f8b9c6d', controller: true }],
      ...(over.deleting ? { deletionTimestamp: '2025-03-01T10:00:00Z' } : {}),
    },
    spec: {
      ...(over.nodeName === null ? {} : { nodeName: over.nodeName ?? 'node-1' }),
      containers: [{ name: 'app' }, ...(over.native || over.noProxy ? [] : [{ name: 'istio-proxy' }])],
      initContainers: over.native ? [{ name: 'istio-init' }, { name: 'istio-proxy', restartPolicy: 'Always' }] : [],
    },
    status: {
      phase: over.phase ?? 'Running', podIP: over.ip ?? '10.244.1.7', podIPs: [{ ip: over.ip ?? '10.244.1.7' }],
      containerStatuses: over.native ? [] : [status], initContainerStatuses: over.native ? [status] : [],
    },
  };
}

const facts = (p: KubePod) => podFacts(p) as NonNullable<ReturnType<typeof podFacts>>;
const settings: AuditSettings = { meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: ['*egressgateway*'], gatewayNamespaces: [], windowMs: 5000, maxPending: 1000 };

describe('pod facts', () => {
  it.each([
    ['a Deployment pod (ReplicaSet owner minus its pod-template-hash)', pod(), 'cart'],
    ['a StatefulSet pod', pod({ name: 'db-0', owner: { kind: 'StatefulSet', name: 'db' } }), 'db'],
    ['a CronJob pod', pod({ name: 'backup-28911-x2b4q', owner: { kind: 'Job', name: 'backup-28911' }, labels: { 'batch.kubernetes.io/cronjob-name': 'backup' } }), 'backup'],
  ])('names the workload of %s', (_case, p, want) => {
    expect(workloadOf(p)).toBe(want);
  });

  it('falls back to the app label, then to the name without hashes', () => {
    expect(workloadOf({ metadata: { name: 'x-1', labels: { app: 'billing' } } })).toBe('billing');
    expect(workloadOf({ metadata: { name: 'sleep-7c7db887d8-9dnd7' } })).toBe('sleep');
  });

  it.each([
    ['a regular istio-proxy container', pod(), 'regular'],
    ['a native sidecar (init container with restartPolicy Always)', pod({ native: true }), 'native-sidecar'],
  ])('finds %s and its state', (_case, p, kind) => {
    expect(facts(p).proxy).toEqual({ kind, state: 'running', containerId: 'containerd://a', restartCount: 0, reason: null, finishedAt: null, previousFinishedAt: null });
  });

  it('reports no proxy for a pod without a sidecar, and reads the exclusion annotations', () => {
    expect(facts(pod({ noProxy: true })).proxy).toBeNull();
    const p = pod();
    (p.metadata as Record<string, unknown>)['annotations'] = { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.0.0.0/8' };
    expect(facts(p).excludedOutbound).toEqual({ ipRanges: '10.0.0.0/8', ports: null });
  });
});

describe('pod-IP map', () => {
  it('keeps a deleted pod for the retention time, then forgets it', () => {
    let now = 1_000_000;
    const index = new PodIpIndex(60_000, () => now);
    const f = facts(pod());
    index.upsert(f, false);
    index.remove(f);
    now += 59_999;
    expect(index.podByIp('10.244.1.7')?.workload).toBe('cart');
    now += 1;
    expect(index.podByIp('10.244.1.7')).toBeUndefined();
    index.sweep();
    expect(index.size).toBe(0);
  });

  it.each([
    ['the running pod first', false],
    ['the finished pod first', true],
  ])('keeps naming the running pod when a finished one still shows its IP (%s)', (_name, finishedFirst) => {
    const index = new PodIpIndex();
    const running = facts(pod({ name: 'web-0', uid: 'u2', owner: { kind: 'StatefulSet', name: 'web' } }));
    const finished = facts(pod({ name: 'migrate-x7k2p', uid: 'u3', phase: 'Succeeded', owner: { kind: 'Job', name: 'migrate' } }));
    for (const f of finishedFirst ? [finished, running] : [running, finished]) index.upsert(f, false);
    expect(index.podByIp('10.244.1.7')?.name).toBe('web-0');
  });

  it('lets a new pod take over a deleted pod’s IP at once', () => {
    let now = 0;
    const index = new PodIpIndex(60_000, () => now);
    const old = facts(pod());
    index.upsert(old, false);
    index.remove(old);
    index.upsert(facts(pod({ name: 'web-0', uid: 'u2', owner: { kind: 'StatefulSet', name: 'web' } })), true);
    now += 1;
    expect(index.podByIp('10.244.1.7')?.name).toBe('web-0');
    expect(index.isGatewayIp('10.244.1.7')).toBe(true);
    index.remove(old); // a late DELETED for the old pod must not expire the new one
    now += 120_000;
    expect(index.podByIp('10.244.1.7')?.name).toBe('web-0');
  });

  it.each([
    ['10.244.1.7', '10.244'],
    ['fd00:10:244:1::7', 'fd00:10:244:1'],
    ['::ffff:10.244.9.9', '10.244'],
    ['not-an-ip', null],
  ])('takes the range of %s', (ip, want) => {
    expect(meshPrefix(ip)).toBe(want);
  });

  it('answers the engine: pods, gateways, mesh ranges from pod IPs and flags, minus MESH_EXTERNAL addresses', () => {
    const index = new PodIpIndex();
    const serviceEntries = new ServiceEntryIndex();
    const flags = offlineContext({ ...settings, meshCidrs: ['172.20.0.0/16'] }, []);
    const ctx = liveContext(index, flags, serviceEntries, selectorClusterIps(new ServiceIndex()));
    expect(ctx.isMeshIp('10.244.200.1')).toBe(false); // the flag range is known, pods are not yet
    index.upsert(facts(pod()), false);
    serviceEntries.replace('*', [{ metadata: { namespace: 'shop', name: 'db' }, spec: { hosts: ['db.example.com'], endpoints: [{ address: '10.244.99.5' }], location: 'MESH_EXTERNAL' } }]);
    expect(ctx.podByIp('10.244.1.7')?.name).toBe('cart-7d4f8b9c6d-k2x9p');
    expect(ctx.isMeshIp('10.244.200.1')).toBe(true);
    expect(ctx.isMeshIp('172.20.5.5')).toBe(true);
    expect(ctx.isMeshIp('10.244.99.5')).toBe(false);
    expect(ctx.isMeshIp('192.168.0.78')).toBe(false);
    expect(serviceEntries.hostForIp('10.244.99.5')).toBe('db.example.com');
  });

  it('counts the ClusterIPs of every Service with a selector (both families) as in the mesh, whatever the ranges, unless a MESH_EXTERNAL entry names it; headless and ExternalName add none', () => {
    const index = new PodIpIndex();
    const serviceEntries = new ServiceEntryIndex();
    const services = new ServiceIndex();
    const ctx = liveContext(index, offlineContext({ ...settings, meshCidrs: ['10.244.0.0/16'] }, []), serviceEntries, selectorClusterIps(services));
    index.upsert(facts(pod()), false);
    expect(ctx.isMeshIp('10.96.141.30')).toBe(false);
    services.replace('*', [
      { metadata: { namespace: 'pay', name: 'api' }, spec: { clusterIP: '10.96.141.30', clusterIPs: ['10.96.141.30', 'fd00:10:96::1e'], selector: { app: 'api' } } },
      { metadata: { namespace: 'pay', name: 'old' }, spec: { clusterIP: '10.96.7.7', selector: { app: 'old' } } },
      { metadata: { namespace: 'pay', name: 'db' }, spec: { clusterIP: 'None', clusterIPs: ['None'] } },
      { metadata: { namespace: 'pay', name: 'ext' }, spec: {} },
      { metadata: { namespace: 'pay', name: 'manual' }, spec: { clusterIP: '10.96.0.99', selector: { app: 'manual' } } },
    ]);
    serviceEntries.replace('*', [{ metadata: { namespace: 'pay', name: 'legacy' }, spec: { hosts: ['legacy.example.com'], addresses: ['10.96.0.99'], location: 'MESH_EXTERNAL' } }]);
    expect(['10.96.141.30', 'fd00:10:96:0:0:0:0:1e', '10.96.7.7', '10.96.0.99', 'None'].map((ip) => ctx.isMeshIp(ip))).toEqual([true, true, true, false, undefined]);
    services.event('*', 'DELETED', { metadata: { namespace: 'pay', name: 'api' } });
    expect(ctx.isMeshIp('10.96.141.30')).toBe(false);
    expect(services.size).toBe(4);
  });

  it("leaves out the ClusterIP of a Service without a selector: its endpoints are set by hand, and may be outside the cluster (an outside database's), which a call through PassthroughCluster reaches by kube-proxy, past the sidecar's log", () => {
    const index = new PodIpIndex();
    const services = new ServiceIndex();
    const ctx = liveContext(index, offlineContext(settings, []), new ServiceEntryIndex(), selectorClusterIps(services));
    index.upsert(facts(pod()), false);
    services.replace('*', [
      { metadata: { namespace: 'data', name: 'external-db' }, spec: { clusterIP: '10.96.30.30' } },
      { metadata: { namespace: 'data', name: 'empty' }, spec: { clusterIP: '10.96.30.31', selector: {} } },
      { metadata: { namespace: 'data', name: 'cache' }, spec: { clusterIP: '10.96.30.32', selector: { app: 'cache' } } },
    ]);
    expect(['10.96.30.30', '10.96.30.31', '10.96.30.32'].map((ip) => ctx.isMeshIp(ip))).toEqual([false, false, true]);
  });

  it('knows nothing about the mesh before any pod or flag', () => {
    expect(liveContext(new PodIpIndex(), offlineContext(settings, []), new ServiceEntryIndex(), selectorClusterIps(new ServiceIndex())).isMeshIp('10.0.0.1')).toBeUndefined();
  });
});

describe('re-check after a stream ends', () => {
  it.each([
    ['the pod is gone', null, 'stop'],
    ['the pod was recreated under the same name', facts(pod({ uid: 'other' })), 'stop'],
    ['istio-proxy runs (again, maybe restarted)', facts(pod({ containerId: 'containerd://b' })), 'follow'],
    ['istio-proxy waits in CrashLoopBackOff', facts(pod({ state: 'waiting' })), 'wait'],
    ['istio-proxy terminated and will restart', facts(pod({ state: 'terminated' })), 'wait'],
    ['istio-proxy terminated in a finished pod', facts(pod({ state: 'terminated', phase: 'Succeeded' })), 'last-read'],
    ['istio-proxy terminated in a deleting pod', facts(pod({ state: 'terminated', deleting: true })), 'last-read'],
    ['the pod is not scheduled yet', facts(pod({ nodeName: null, state: 'waiting' })), 'wait'],
  ])('decides when %s', (_case, f, kind) => {
    expect(nextStep(f, 'u1').kind).toBe(kind);
  });
});
