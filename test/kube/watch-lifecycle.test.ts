// `egress-audit watch` keeps following as the (fake) cluster changes: restarts, drops, deletions, new pods,
// 410 relists, native sidecars, late starters. Every check counts lines: each written line exactly once.
import { describe, expect, it } from 'vitest';
import type { FakePod, FakePodSpec, RecordedRequest } from '../fake-apiserver/index.js';
import { fakeClusterPerFile, internalLine, lineCounts, parseNdjson, startWatch, warnings, type WatchRun } from './helpers.js';

const fake = fakeClusterPerFile();
let ipSeq = 0;

function sidecarPod(namespace: string, name: string, over: Partial<FakePodSpec> = {}): FakePod {
  ipSeq++;
  return fake.api.addPod({ namespace, name, ip: `10.108.${1 + (ipSeq >> 8)}.${ipSeq & 255}`, containers: ['app', 'istio-proxy'], ...over });
}

/** `count` distinct in-mesh request lines numbered from `from`. */
function lines(from: number, count: number, at = new Date()): string[] {
  return Array.from({ length: count }, (_, i) => internalLine(at, from + i));
}

function watch(namespace: string): WatchRun {
  return startWatch(['-n', namespace, '--gateway-namespace', `${namespace}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
}

const isLog = (pod: FakePod) => (r: RecordedRequest): boolean => r.subresource === 'log' && r.namespace === pod.namespace && r.name === pod.name;
const follows = (pod: FakePod): RecordedRequest[] => fake.api.requests.filter((r) => isLog(pod)(r) && r.query['follow'] === 'true' && r.status === 200);

async function followedTimes(pod: FakePod, n: number): Promise<void> {
  await fake.api.waitUntil(() => follows(pod).length >= n);
}

/** Request ids of the sidecar entries in the flows: each written line must appear exactly once. */
function requestIds(stdout: string): string[] {
  return parseNdjson(stdout).flows.map((f) => (f['sidecar'] as { request_id: string }).request_id).sort();
}

const ids = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `req-${from + i}`).sort();
const flowCount = (text: string): number => text.split('"type":"flow"').length - 1;

describe('watch: following a changing cluster (fake API server)', () => {
  it('follows a restarted container again: lines before and after the restart each counted once', async () => {
    const pod = sidecarPod('restart', 'cart-1');
    const run = watch('restart');
    await followedTimes(pod, 1);
    pod.appendLog('istio-proxy', lines(0, 3));
    pod.restart('istio-proxy');
    await followedTimes(pod, 2);
    pod.appendLog('istio-proxy', lines(3, 2));
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 5));
    expect(lineCounts(parseNdjson(stdout).report)).toMatchObject({ lines: 5, records: 5 });
    expect(stderr).toMatch(/[1-9]\d* reconnect\(s\)/);
    expect(code).toBe(0);
  });

  it('reads the old instance’s tail with previous=true when the container restarted while the stream was down', async () => {
    const pod = sidecarPod('prevtail', 'cart-1');
    const run = watch('prevtail');
    await followedTimes(pod, 1);
    pod.appendLog('istio-proxy', lines(0, 2));
    await run.waitForStdout((t) => flowCount(t) >= 2);
    const before = fake.api.requests.length;
    const allow = fake.api.setForbidden({ resource: 'pods/log', namespace: 'prevtail', name: 'cart-1' });
    fake.api.dropConnections({ kind: 'log', namespace: 'prevtail', pod: 'cart-1' });
    pod.appendLog('istio-proxy', lines(2, 3)); // only the old instance holds these
    pod.restart('istio-proxy');
    pod.appendLog('istio-proxy', lines(5, 2));
    await fake.api.waitUntil(() => fake.api.requests.slice(before).some((r) => isLog(pod)(r) && r.status === 403));
    allow();
    await followedTimes(pod, 2);
    run.interrupt();
    const { code, stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 7));
    expect(fake.api.requests.some((r) => isLog(pod)(r) && r.query['previous'] === 'true' && r.status === 200)).toBe(true);
    expect(code).toBe(0);
  });

  it('resumes a dropped stream with no line lost and none twice, even when many lines share one timestamp', async () => {
    const pod = sidecarPod('drop', 'cart-1');
    const run = watch('drop');
    await followedTimes(pod, 1);
    const at = new Date();
    pod.appendLog('istio-proxy', lines(0, 5, at), at);
    await run.waitForStdout((t) => flowCount(t) >= 5);
    expect(fake.api.dropConnections({ kind: 'log', namespace: 'drop', pod: 'cart-1' })).toBe(1);
    pod.appendLog('istio-proxy', lines(5, 5, at), at); // the same instant: sinceTime sends all ten again
    await followedTimes(pod, 2);
    expect(follows(pod)[1]?.query['sinceTime']).toBe(`${at.toISOString().slice(0, 19)}Z`);
    run.interrupt();
    const { stdout, stderr } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 10));
    expect(lineCounts(parseNdjson(stdout).report).lines).toBe(10);
    expect(stderr).toMatch(/[1-9]\d* reconnect\(s\)/);
  });

  it('finishes a deleted pod’s stream after re-checking the pod, keeping its lines and reporting no error', async () => {
    const pod = sidecarPod('gone', 'cart-1');
    const run = watch('gone');
    await followedTimes(pod, 1);
    pod.appendLog('istio-proxy', lines(0, 3));
    await run.waitForStdout((t) => flowCount(t) >= 3);
    pod.delete();
    await fake.api.waitForRequest((r) => r.verb === 'get' && r.resource === 'pods' && r.subresource === undefined && r.name === 'cart-1' && r.namespace === 'gone' && r.status === 404);
    run.interrupt();
    const { code, stdout } = await run.exited;
    const { report } = parseNdjson(stdout);
    expect(requestIds(stdout)).toEqual(ids(0, 3));
    expect((report['coverage'] as { streams: { name: string; lines: number }[] }).streams).toEqual([expect.objectContaining({ name: 'pod/gone/cart-1/istio-proxy', lines: 3 })]);
    expect(warnings(report).map((w) => w.code)).not.toContain('stream-errors');
    expect(code).toBe(0);
  });

  it('picks up a pod created while watching', async () => {
    const first = sidecarPod('grow', 'cart-1');
    const run = watch('grow');
    await followedTimes(first, 1);
    const later = sidecarPod('grow', 'cart-2');
    await followedTimes(later, 1);
    later.appendLog('istio-proxy', lines(0, 2));
    run.interrupt();
    const { stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
  });

  it.each([
    ['an ERROR event with a 410 Status', 'event'],
    ['a plain HTTP 410', 'http'],
  ] as const)('relists after %s and still picks up new pods', async (_case, mode) => {
    const ns = `expire-${mode}`;
    const first = sidecarPod(ns, 'cart-1');
    const run = watch(ns);
    await followedTimes(first, 1);
    const before = fake.api.requests.length;
    fake.api.expireWatches({ mode, endActive: true });
    await fake.api.waitUntil(() => fake.api.requests.slice(before).some((r) => r.verb === 'list' && r.resource === 'pods' && r.namespace === ns && r.status === 200));
    const later = sidecarPod(ns, 'cart-2');
    await followedTimes(later, 1);
    later.appendLog('istio-proxy', lines(0, 2));
    run.interrupt();
    const { stdout, stderr } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
    expect(stderr).toMatch(/[1-9]\d* relist\(s\)/);
  });

  it('follows istio-proxy as a native sidecar (an init container with restartPolicy Always)', async () => {
    const pod = sidecarPod('native', 'cart-1', { containers: ['app', { name: 'istio-proxy', kind: 'native-sidecar' }] });
    const run = watch('native');
    await followedTimes(pod, 1);
    pod.appendLog('istio-proxy', lines(0, 2));
    run.interrupt();
    const { stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
    expect(follows(pod)[0]?.query['container']).toBe('istio-proxy');
  });

  it('waits for an istio-proxy that is not running yet, then follows it', async () => {
    const pod = sidecarPod('late', 'cart-1', { containers: ['app', { name: 'istio-proxy', state: 'waiting', reason: 'PodInitializing' }] });
    const run = watch('late');
    await fake.api.waitForRequest((r) => r.verb === 'list' && r.resource === 'pods' && r.namespace === 'late');
    fake.api.setContainerState('late', 'cart-1', 'istio-proxy', 'running');
    await followedTimes(pod, 1);
    pod.appendLog('istio-proxy', lines(0, 2));
    run.interrupt();
    const { stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
  });

  it('reads a finished Job pod once when its proxy ended inside the --since window, not in a run that starts later', async () => {
    const recent = sidecarPod('jobs', 'report-1', { containers: ['app', { name: 'istio-proxy', kind: 'native-sidecar' }] });
    const at = new Date(Date.now() - 60_000);
    recent.appendLog('istio-proxy', lines(0, 2, at), at);
    for (const c of ['app', 'istio-proxy']) fake.api.setContainerState('jobs', recent.name, c, 'terminated', { reason: 'Completed', exitCode: 0 });
    recent.modify({ phase: 'Succeeded' });
    const { code, stdout } = await startWatch(['-n', 'jobs', '--gateway-namespace', 'jobs-gw', '-o', 'ndjson', '--fail-on', 'none', '--since', '5m', '--duration', '2s'], { KUBECONFIG: fake.kubeconfig }).exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
    expect(fake.api.requests.filter(isLog(recent)).map((r) => r.query['follow'])).toEqual([undefined]);
    expect(code).toBe(0);
    const later = await startWatch(['-n', 'jobs', '--gateway-namespace', 'jobs-gw', '-o', 'ndjson', '--fail-on', 'none', '--duration', '1s'], { KUBECONFIG: fake.kubeconfig }).exited;
    expect(later.code).toBe(4);
    expect(fake.api.requests.filter(isLog(recent))).toHaveLength(1);
  });

  it('with --since reads the instance before a restart that happened before the run, each line once', async () => {
    const pod = sidecarPod('sincerestart', 'cart-1');
    const before = new Date(Date.now() - 120_000);
    const after = new Date(Date.now() - 60_000);
    pod.appendLog('istio-proxy', lines(0, 2, before), before);
    pod.restart('istio-proxy');
    pod.appendLog('istio-proxy', lines(2, 1, after), after);
    const { code, stdout } = await startWatch(['-n', 'sincerestart', '--gateway-namespace', 'sincerestart-gw', '-o', 'ndjson', '--fail-on', 'none', '--since', '5m', '--duration', '2s'], { KUBECONFIG: fake.kubeconfig }).exited;
    expect(requestIds(stdout)).toEqual(ids(0, 3));
    expect(code).toBe(0);
  });
});
