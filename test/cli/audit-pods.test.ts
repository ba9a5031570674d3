// `audit --pods`: a saved `kubectl get pods -A -o json|yaml` names callers and the mesh's ranges, as watch's API server does.
import { closeSync, ftruncateSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

let dir = '';
const SLEEP_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'sleep-7c7db887d8-9dnd7',
    namespace: 'shop',
    uid: '0a122598-f40d-1198-397e-a9f4c207b970',
    labels: { app: 'sleep', 'pod-template-hash': '7c7db887d8' },
    ownerReferences: [{ kind: 'ReplicaSet', name: 'sleep-7c7db887d8', controller: true }],
  },
  spec: { nodeName: 'node-1', containers: [{ name: 'sleep' }, { name: 'istio-proxy' }] },
  status: { phase: 'Running', podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }] },
};
const GATEWAY_POD = {
  kind: 'Pod',
  metadata: { name: 'istio-egressgateway-6d8f9c7b5-abcde', namespace: 'istio-system', labels: { istio: 'egressgateway' } },
  spec: { nodeName: 'node-2', containers: [{ name: 'istio-proxy' }] },
  status: { phase: 'Running', podIP: '10.244.2.10' },
};
/** A pod of a mesh namespace without a sidecar, one that keeps a range from its sidecar, and kube-system (not the mesh). */
const HOLES = [
  { kind: 'Pod', metadata: { name: 'legacy-batch-x7k2p', namespace: 'shop' }, spec: { containers: [{ name: 'batch' }] }, status: { podIP: '10.244.1.30' } },
  {
    kind: 'Pod',
    metadata: { name: 'payments-0', namespace: 'shop', annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.0.0.0/8' } },
    spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
    status: { podIP: '10.244.1.31' },
  },
  { kind: 'Pod', metadata: { name: 'coredns-5d78c9869d-abcde', namespace: 'kube-system' }, spec: { containers: [{ name: 'coredns' }] }, status: { podIP: '10.244.0.2' } },
];
const LIST = { apiVersion: 'v1', kind: 'List', items: [SLEEP_POD, GATEWAY_POD, ...HOLES, { kind: 'ConfigMap', metadata: { name: 'sleep', namespace: 'shop' } }] };
/** `kubectl get pods,services -A -o json` (no EndpointSlices: the selector decides): an egress gateway's Service not named like one (its selector picks the gateway pod), and another Service. */
const EGRESS_SERVICE = { kind: 'Service', metadata: { name: 'egress', namespace: 'istio-system' }, spec: { clusterIP: '10.96.7.7', clusterIPs: ['10.96.7.7'], selector: { istio: 'egressgateway' } } };
const HIDDEN_SERVICE = { kind: 'Service', metadata: { name: 'ledger', namespace: 'bank' }, spec: { clusterIP: '10.96.141.30', selector: { app: 'ledger' } } };
const WITH_SERVICES = { apiVersion: 'v1', kind: 'List', items: [SLEEP_POD, GATEWAY_POD, EGRESS_SERVICE, HIDDEN_SERVICE] };
/** A Service without a selector whose Endpoints, set by hand, are an outside database's (DOMAIN.md's external-db, with a ClusterIP). */
const MANUAL_SERVICE = { kind: 'Service', metadata: { name: 'external-db', namespace: 'data' }, spec: { clusterIP: '10.96.33.6', clusterIPs: ['10.96.33.6'] } };

// The gateway carried a connection from 10.244.1.7, whose sidecar log is not among the files.
const GATEWAY_LINE = '[2026-11-02T09:00:01.147Z] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.244.2.10:49356 10.244.2.10:2234 10.244.1.7:33706 - -\n';
// A sidecar (no pod named) sent PassthroughCluster traffic to 10.244.3.9, inside the pods' range.
const PASSTHROUGH_LINE = '[2026-11-02T09:00:02.009Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "10.244.3.9:8080" PassthroughCluster 10.244.1.18:40494 10.244.3.9:8080 10.244.1.18:48604 - -\n';

type Flow = { verdict: string; rule: string; source: { workload: string; pod: string | null; namespace: string | null } };

function flows(stdout: string): Flow[] {
  return (JSON.parse(stdout) as { flows: Flow[] }).flows;
}

beforeAll(() => {
  dir = tempDir('ea-pods-');
  writeFileSync(join(dir, 'istio-egressgateway.log'), GATEWAY_LINE);
  writeFileSync(join(dir, 'sidecar.log'), PASSTHROUGH_LINE);
  writeFileSync(join(dir, 'pods.json'), JSON.stringify(LIST, null, 2));
  writeFileSync(join(dir, 'pods-services.json'), JSON.stringify(WITH_SERVICES));
  writeFileSync(join(dir, 'pods-manual-service.json'), JSON.stringify({ ...WITH_SERVICES, items: [...WITH_SERVICES.items, MANUAL_SERVICE] }));
  writeFileSync(join(dir, 'pods.yaml'), stringify({ apiVersion: 'v1', kind: 'List', items: [SLEEP_POD, GATEWAY_POD] }));
  const appLabelled = { ...GATEWAY_POD, metadata: { ...GATEWAY_POD.metadata, labels: { app: 'payments-egressgateway' } } };
  writeFileSync(join(dir, 'pods-app-label.json'), JSON.stringify({ kind: 'List', items: [SLEEP_POD, appLabelled] }));
  writeFileSync(join(dir, 'broken.json'), '{\n  "items": [\n    {"kind": "Pod",,}\n  ]\n}\n');
  writeFileSync(join(dir, 'services.json'), JSON.stringify({ kind: 'List', items: [{ kind: 'Service', metadata: { name: 'x', namespace: 'y' } }] }));
});

describe('egress-audit audit --pods', () => {
  it('knows a gateway pod by the same labels as the file roles do (an app label named like an egress gateway)', async () => {
    const logs = [join(dir, 'istio-egressgateway.log'), join(dir, 'sidecar.log')];
    const res = await runCli(['audit', ...logs, '--pods', join(dir, 'pods-app-label.json'), '-o', 'json', '--fail-on', 'none', '--explain']);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('pods from --pods: 2 pods with 2 IPs (1 egress gateway pod)');
  });

  it('names the calling workload from the snapshot and takes the mesh ranges from its pod IPs', async () => {
    const logs = [join(dir, 'istio-egressgateway.log'), join(dir, 'sidecar.log')];
    const without = await runCli(['audit', ...logs, '-o', 'json', '--fail-on', 'none']);
    const withPods = await runCli(['audit', ...logs, '--pods', join(dir, 'pods.json'), '-o', 'json', '--fail-on', 'none', '--explain']);
    expect(without.code).toBe(0);
    expect(withPods.code).toBe(0);
    const before = flows(without.stdout);
    const after = flows(withPods.stdout);
    expect(before.find((f) => f.verdict === 'gateway-only')?.source.workload).toBe('10.244.1.7');
    expect(after.find((f) => f.verdict === 'gateway-only')?.source).toMatchObject({ workload: 'sleep', pod: 'sleep-7c7db887d8-9dnd7', namespace: 'shop' });
    // Without ranges Passthrough is always direct; the snapshot says 10.244.3.9 is inside the mesh.
    expect(before.find((f) => f.source.workload === '10.244.1.18')?.verdict).toBe('direct');
    expect(after.find((f) => f.source.workload === '10.244.1.18')).toMatchObject({ verdict: 'internal', rule: 'internal/passthrough-to-mesh' });
    expect(withPods.stderr).toContain('1 item that is neither a pod, a Service, an EndpointSlice nor a ServiceEntry left out');
    expect(withPods.stderr).toContain('pods from --pods: 5 pods with 5 IPs (1 egress gateway pod)');
  });

  it("takes a UH entry's dialled ClusterIP for the mesh's, not an endpoint outside the pods' ranges; a --mesh-cidr without the Service CIDR does not", async () => {
    // A 503 UH (the Service has no ready endpoint): no endpoint logged, the app dialled the ClusterIP 10.96.141.30, outside 10.244.0.0/16.
    const uh = '[2026-11-02T09:00:03.582Z] "GET / HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 0 - "-" "curl/7.64.0" "7f1c8b0e-3d2a-9b4c-8e6f-0a1b2c3d4e5f" "foo.bar.svc.cluster.local" "-" outbound|80||foo.bar.svc.cluster.local - 10.96.141.30:80 10.244.1.7:55730 - default\n';
    writeFileSync(join(dir, 'uh.log'), uh);
    const args = ['audit', '--sidecar', join(dir, 'uh.log'), '--pods', join(dir, 'pods.json'), '-o', 'json'];
    const learned = await runCli(args);
    expect(learned.code).toBe(0);
    expect(flows(learned.stdout)).toEqual([expect.objectContaining({ verdict: 'internal', rule: 'internal/mesh-service', source: expect.objectContaining({ workload: 'sleep' }) })]);
    const given = await runCli([...args, '--mesh-cidr', '10.244.0.0/16']);
    expect(given.code).toBe(1);
    expect(flows(given.stdout)).toEqual([expect.objectContaining({ verdict: 'direct', rule: 'direct/endpoint-outside-mesh' })]);
  });

  it("reads the Services listed beside the pods, as watch reads them: a ClusterIP is inside the cluster, and a Service whose selector picks a gateway pod is that gateway's", async () => {
    // A Sidecar resource hides bank/ledger, so the call leaves through PassthroughCluster to its ClusterIP, outside the pods' /16.
    const hidden = '[2026-11-02T09:00:04.100Z] "- - -" 0 - - - "-" 120 900 4 - "-" "-" "-" "-" "10.96.141.30:8080" PassthroughCluster 10.244.1.7:40500 10.96.141.30:8080 10.244.1.7:48700 - -\n';
    // A 503 UH to the gateway's own Service, which is not named like one: gateway-bound by its name, no endpoint logged.
    const toGateway = '[2026-11-02T09:00:04.200Z] "GET / HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 0 - "-" "curl/8.5.0" "1f1c8b0e-3d2a-9b4c-8e6f-0a1b2c3d4e5f" "api.example.com" "-" outbound|80||egress.istio-system.svc.cluster.local - 10.96.7.7:80 10.244.1.7:55800 - -\n';
    writeFileSync(join(dir, 'hidden.log'), hidden + toGateway);
    const args = ['audit', '--sidecar', join(dir, 'hidden.log'), '-o', 'json', '--fail-on', 'none', '--explain', '--pods'];
    const podsOnly = await runCli([...args, join(dir, 'pods.yaml')]);
    expect(flows(podsOnly.stdout).map((f) => f.rule)).toEqual(['direct/passthrough-cluster', 'internal/mesh-service']);
    expect(podsOnly.stderr).toContain('(no Services listed: kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json adds their ClusterIPs)');
    const withServices = await runCli([...args, join(dir, 'pods-services.json')]);
    expect(withServices.code).toBe(0);
    expect(flows(withServices.stdout).map((f) => f.rule)).toEqual(['internal/passthrough-to-mesh', 'via-gateway-unconfirmed/no-connection']);
    expect(withServices.stderr).toContain('plus the ClusterIPs of 2 Services with a selector; egress gateway Services by their selector: egress.istio-system.svc.cluster.local');
    expect(withServices.stderr).not.toContain('left out');
  });

  it("keeps a call through PassthroughCluster to the ClusterIP of a Service without a selector direct: kube-proxy sends it to the endpoints set by hand, an outside database's here", async () => {
    const toDb = '[2026-11-02T09:00:04.300Z] "- - -" 0 - - - "-" 120 900 4 - "-" "-" "-" "-" "10.96.33.6:5432" PassthroughCluster 10.244.1.7:40600 10.96.33.6:5432 10.244.1.7:48800 - -\n';
    writeFileSync(join(dir, 'to-db.log'), toDb);
    const run = await runCli(['audit', '--sidecar', join(dir, 'to-db.log'), '-o', 'json', '--explain', '--pods', join(dir, 'pods-manual-service.json')]);
    expect(flows(run.stdout).map((f) => f.rule)).toEqual(['direct/passthrough-cluster']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('plus the ClusterIPs of 2 Services with a selector (1 without one left out: its endpoints are set by hand)');
  });

  it('reads a snapshot saved by Windows PowerShell 5.1 (UTF-16LE) or with UTF-8\'s byte-order mark, as the plain one', async () => {
    const text = JSON.stringify(LIST, null, 2).replaceAll('\n', '\r\n');
    writeFileSync(join(dir, 'pods-utf16.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    writeFileSync(join(dir, 'pods-bom.json'), `\ufeff${text}`);
    const args = ['audit', join(dir, 'istio-egressgateway.log'), '-o', 'json', '--fail-on', 'none', '--pods'];
    for (const file of ['pods-utf16.json', 'pods-bom.json']) {
      const res = await runCli([...args, join(dir, file)]);
      expect(res.stderr).not.toContain('not valid JSON');
      expect(res.code).toBe(0);
      expect(flows(res.stdout).find((f) => f.verdict === 'gateway-only')?.source).toMatchObject({ workload: 'sleep', namespace: 'shop' });
    }
  });

  it('reports the coverage holes the pod specs show, and --fail-on can fail on them', async () => {
    const args = ['audit', join(dir, 'istio-egressgateway.log'), '--pods', join(dir, 'pods.json'), '-o', 'json'];
    const res = await runCli([...args, '--fail-on', 'none']);
    const warnings = (JSON.parse(res.stdout) as { coverage: { warnings: { code: string; message: string }[] } }).coverage.warnings;
    const noSidecar = warnings.find((w) => w.code === 'pods-without-sidecar');
    expect(noSidecar?.message).toContain('1 pod in the mesh namespaces of --pods has no istio-proxy sidecar: its egress never passes');
    expect(noSidecar?.message).toContain('shop/legacy-batch-x7k2p');
    expect(noSidecar?.message).not.toContain('coredns'); // kube-system has no sidecar pod: not the mesh
    expect(warnings.find((w) => w.code === 'traffic-excluded-from-sidecar')?.message).toContain('shop/payments-0 (excludeOutboundIPRanges 10.0.0.0/8)');
    expect(res.code).toBe(0);
    expect((await runCli([...args, '--fail-on', 'pods-without-sidecar'])).code).toBe(1);
  });

  it('names the running pod when a finished one still shows the same IP', async () => {
    const done = { kind: 'Pod', metadata: { name: 'migrate-x7k2p', namespace: 'shop' }, spec: { containers: [{ name: 'job' }] }, status: { phase: 'Succeeded', podIP: '10.244.1.7' } };
    writeFileSync(join(dir, 'reused.json'), JSON.stringify({ kind: 'List', items: [SLEEP_POD, done] }));
    const res = await runCli(['audit', join(dir, 'istio-egressgateway.log'), '--pods', join(dir, 'reused.json'), '-o', 'json', '--fail-on', 'none']);
    expect(flows(res.stdout)[0]?.source.pod).toBe('sleep-7c7db887d8-9dnd7');
  });

  it.each([
    ['two finished pods and no running one', 'Succeeded', 'Failed'],
    ['two running pods (a snapshot pieced together from two clusters or times)', 'Running', 'Running'],
  ])('names no pod for an IP that %s claim, rather than the one listed last', async (_name, first, second) => {
    const a = { kind: 'Pod', metadata: { name: 'migrate-x7k2p', namespace: 'shop', uid: 'a' }, spec: { containers: [{ name: 'job' }] }, status: { phase: first, podIP: '10.244.1.7' } };
    const b = { kind: 'Pod', metadata: { name: 'report-q9z2w', namespace: 'batch', uid: 'b' }, spec: { containers: [{ name: 'job' }] }, status: { phase: second, podIP: '10.244.1.7' } };
    const file = join(dir, `ambiguous-${first}-${second}.json`);
    writeFileSync(file, JSON.stringify({ kind: 'List', items: [GATEWAY_POD, a, b] }));
    const res = await runCli(['audit', join(dir, 'istio-egressgateway.log'), '--pods', file, '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(flows(res.stdout)[0]?.source).toMatchObject({ workload: '10.244.1.7', pod: null, namespace: null });
    // The same pod listed twice is one claim, and still named.
    writeFileSync(file, JSON.stringify({ kind: 'List', items: [GATEWAY_POD, SLEEP_POD, SLEEP_POD] }));
    const again = await runCli(['audit', join(dir, 'istio-egressgateway.log'), '--pods', file, '-o', 'json', '--fail-on', 'none']);
    expect(flows(again.stdout)[0]?.source.pod).toBe('sleep-7c7db887d8-9dnd7');
  });

  it('gives one answer for an IP the gateway pod and another running pod claim, whichever is listed last', async () => {
    // The client sent PassthroughCluster traffic to 10.244.2.10. The index used to take the pod listed last
    // for "is it a gateway IP" while the pod lookup named neither: gateway-bound in one order, not in the other.
    const other = { kind: 'Pod', metadata: { name: 'web-0', namespace: 'shop', uid: 'w' }, spec: { containers: [{ name: 'web' }, { name: 'istio-proxy' }] }, status: { phase: 'Running', podIP: '10.244.2.10' } };
    writeFileSync(join(dir, 'client.log'), '[2026-11-02T09:00:03.000Z] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "10.244.2.10:2234" PassthroughCluster 10.244.1.7:40000 10.244.2.10:2234 10.244.1.7:39998 - -\n');
    const answers: string[] = [];
    for (const items of [[GATEWAY_POD, other], [other, GATEWAY_POD]]) {
      const file = join(dir, `shared-gateway-ip-${answers.length}.json`);
      writeFileSync(file, JSON.stringify({ kind: 'List', items: [SLEEP_POD, ...items] }));
      const res = await runCli(['audit', join(dir, 'client.log'), '--pods', file, '-o', 'json', '--fail-on', 'none', '--explain']);
      expect(res.code).toBe(0);
      expect(res.stderr).toContain('1 IP claimed by two pods naming neither');
      const [flow] = flows(res.stdout);
      answers.push(`${flow?.verdict} ${flow?.rule}`);
      // With the gateway's own log, the address it received on says it is the gateway's, in either order.
      const withGateway = await runCli(['audit', join(dir, 'client.log'), join(dir, 'istio-egressgateway.log'), '--pods', file, '-o', 'json', '--fail-on', 'none']);
      const client = flows(withGateway.stdout).find((f) => f.verdict !== 'gateway-only');
      expect(client).toMatchObject({ verdict: 'via-gateway-unconfirmed', rule: 'via-gateway-unconfirmed/no-gateway-entry', source: { pod: 'sleep-7c7db887d8-9dnd7' } });
    }
    expect(answers[0]).toBe(answers[1]);
    expect(answers[0]).toBe('internal internal/passthrough-to-mesh');
  });

  it('exits 3 naming the file and its size when it is too large to read as one text (not "Invalid string length")', async () => {
    const file = join(dir, 'huge.json');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 600 * 2 ** 20); // sparse: no disk used, and never read
    closeSync(fd);
    const res = await runCli(['audit', join(dir, 'istio-egressgateway.log'), '--pods', file]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`--pods ${file}: 600 MiB, more than the 512 MiB a pod list can be read as`);
    expect(res.stderr).not.toContain('Invalid string length');
  });

  it('reads a bare array of pods (kubectl get pods -A -o json | jq .items)', async () => {
    writeFileSync(join(dir, 'items.json'), JSON.stringify([SLEEP_POD, GATEWAY_POD]));
    const res = await runCli(['audit', join(dir, 'istio-egressgateway.log'), '--pods', join(dir, 'items.json'), '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(flows(res.stdout)[0]?.source).toMatchObject({ workload: 'sleep', pod: 'sleep-7c7db887d8-9dnd7', namespace: 'shop' });
  });

  it('reads kubectl -o yaml too', async () => {
    const res = await runCli(['audit', join(dir, 'istio-egressgateway.log'), '--pods', join(dir, 'pods.yaml'), '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(flows(res.stdout)[0]?.source.workload).toBe('sleep');
  });

  it.each([
    ['a missing file', 'missing.json', /--pods .*missing\.json: no such file/],
    ['invalid JSON, naming the line', 'broken.json', /--pods .*broken\.json:3: not valid JSON/],
    ['a list without pods', 'services.json', /--pods .*services\.json: no pod in it \(give the output of kubectl get pods,services,endpointslices,serviceentries/],
  ])('exits 3 on %s', async (_name, file, message) => {
    const res = await runCli(['audit', join(dir, 'istio-egressgateway.log'), '--pods', join(dir, file)]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
