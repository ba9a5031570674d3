// `egress-audit watch` keeps following as the (fake) cluster changes: restarts, drops, deletions, new pods,
// 410 relists, native sidecars, late starters. Every check counts lines: each written line exactly once.
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import type { FakeApiServer, FakePod, FakePodSpec, RecordedRequest } from '../fake-apiserver/index.js';
import { errorText, reportValidator } from '../report/validate.js';
import { clusterIt, internalLine, lineCounts, parseNdjson, startWatch, tempDir, warnings, type WatchRun } from './helpers.js';

let ipSeq = 0;

function sidecarPod(api: FakeApiServer, namespace: string, name: string, over: Partial<FakePodSpec> = {}): FakePod {
  ipSeq++;
  return api.addPod({ namespace, name, ip: `10.108.${1 + (ipSeq >> 8)}.${ipSeq & 255}`, containers: ['app', 'istio-proxy'], ...over });
}

/** `count` distinct in-mesh request lines numbered from `from`. */
function lines(from: number, count: number, at = new Date()): string[] {
  return Array.from({ length: count }, (_, i) => internalLine(at, from + i));
}

function watch(kubeconfig: string, namespace: string): WatchRun {
  return startWatch(['-n', namespace, '--gateway-namespace', `${namespace}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
}

const isLog = (pod: FakePod) => (r: RecordedRequest): boolean => r.subresource === 'log' && r.namespace === pod.namespace && r.name === pod.name;
const follows = (api: FakeApiServer, pod: FakePod): RecordedRequest[] => api.requests.filter((r) => isLog(pod)(r) && r.query['follow'] === 'true' && r.status === 200);

async function followedTimes(api: FakeApiServer, pod: FakePod, n: number): Promise<void> {
  await api.waitUntil(() => follows(api, pod).length >= n);
}

/** A pod followed by a new watch, that logs `before` lines, restarts its istio-proxy, and logs `after` more once followed again. */
async function restartedWhileFollowed(api: FakeApiServer, kubeconfig: string, namespace: string, name: string, before: number, after: number): Promise<{ pod: FakePod; run: WatchRun }> {
  const pod = sidecarPod(api, namespace, name);
  const run = watch(kubeconfig, namespace);
  await followedTimes(api, pod, 1);
  pod.appendLog('istio-proxy', lines(0, before));
  pod.restart('istio-proxy');
  await followedTimes(api, pod, 2);
  pod.appendLog('istio-proxy', lines(before, after));
  return { pod, run };
}

/** Resolves once the follower of a deleted pod has fetched it again and found it gone. */
function foundGone(api: FakeApiServer, pod: FakePod): Promise<unknown> {
  return api.waitForRequest((r) => r.verb === 'get' && r.resource === 'pods' && r.subresource === undefined && r.name === pod.name && r.namespace === pod.namespace && r.status === 404);
}

/** Request ids of the sidecar entries in the flows: each written line must appear exactly once. */
function requestIds(stdout: string): string[] {
  return parseNdjson(stdout).flows.map((f) => (f['sidecar'] as { request_id: string }).request_id).sort();
}

/** Takes `pod`'s log stream down (dropped, its requests refused), does `meanwhile`, and lets it be read again once one was refused. */
async function whileStreamDown(api: FakeApiServer, pod: FakePod, meanwhile: () => void): Promise<void> {
  const before = api.requests.length;
  const allow = api.setForbidden({ resource: 'pods/log', namespace: pod.namespace, name: pod.name });
  api.dropConnections({ kind: 'log', namespace: pod.namespace, pod: pod.name });
  meanwhile();
  await api.waitUntil(() => api.requests.slice(before).some((r) => isLog(pod)(r) && r.status === 403));
  allow();
}

/**
 * A pod whose istio-proxy restarted `restarts` times before a `--since 5m` run of 2 s (failing on instances-unread):
 * lines 0-1 two minutes back in its first instance, line 2 a minute back in its second.
 */
function restartedBeforeRun(api: FakeApiServer, kubeconfig: string, namespace: string, restarts: number): Promise<{ code: number | null; stdout: string }> {
  const pod = sidecarPod(api, namespace, 'cart-1');
  const before = new Date(Date.now() - 120_000);
  const after = new Date(Date.now() - 60_000);
  pod.appendLog('istio-proxy', lines(0, 2, before), before);
  pod.restart('istio-proxy');
  pod.appendLog('istio-proxy', lines(2, 1, after), after);
  for (let i = 1; i < restarts; i++) pod.restart('istio-proxy');
  return startWatch(['-n', namespace, '--gateway-namespace', `${namespace}-gw`, '-o', 'ndjson', '--fail-on', 'instances-unread', '--since', '5m', '--duration', '2s'], { KUBECONFIG: kubeconfig }).exited;
}

const ids = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `req-${from + i}`).sort();
const flowCount = (text: string): number => text.split('"type":"flow"').length - 1;

describe.concurrent('watch: following a changing cluster (fake API server)', () => {
  clusterIt('follows a restarted container again: lines before and after the restart each counted once', async ({ api, kubeconfig }) => {
    const { run } = await restartedWhileFollowed(api, kubeconfig, 'restart', 'cart-1', 3, 2);
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 5));
    expect(lineCounts(parseNdjson(stdout).report)).toMatchObject({ lines: 5, records: 5 });
    expect(stderr).toMatch(/(?:1 reconnect|[2-9]\d* reconnects|1\d+ reconnects),/);
    expect(code).toBe(0);
  });

  clusterIt('reads the old instance’s tail with previous=true when the container restarted while the stream was down', async ({ api, kubeconfig }) => {
    const pod = sidecarPod(api, 'prevtail', 'cart-1');
    const run = watch(kubeconfig, 'prevtail');
    await followedTimes(api, pod, 1);
    pod.appendLog('istio-proxy', lines(0, 2));
    await run.waitForStdout((t) => flowCount(t) >= 2);
    await whileStreamDown(api, pod, () => {
      pod.appendLog('istio-proxy', lines(2, 3)); // only the old instance holds these
      pod.restart('istio-proxy');
      pod.appendLog('istio-proxy', lines(5, 2));
    });
    await followedTimes(api, pod, 2);
    run.interrupt();
    const { code, stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 7));
    expect(api.requests.some((r) => isLog(pod)(r) && r.query['previous'] === 'true' && r.status === 200)).toBe(true);
    expect(code).toBe(0);
  });

  clusterIt('reports the instance lost when the container restarted twice while the stream was down (instances-unread, in every report; was silent)', async ({ api, kubeconfig }) => {
    const pod = sidecarPod(api, 'twice', 'cart-1');
    const dir = tempDir();
    const run = startWatch(['-n', 'twice', '--gateway-namespace', 'twice-gw', '-o', 'ndjson', '--fail-on', 'instances-unread', '--report', `sarif=${dir}/r.sarif`, '--report', `junit=${dir}/r.xml`], { KUBECONFIG: kubeconfig });
    await followedTimes(api, pod, 1);
    pod.appendLog('istio-proxy', lines(0, 2));
    await run.waitForStdout((t) => flowCount(t) >= 2);
    await whileStreamDown(api, pod, () => {
      pod.appendLog('istio-proxy', lines(2, 3)); // the rest of instance 0: nothing serves it once two restarts are past
      pod.restart('istio-proxy');
      pod.appendLog('istio-proxy', lines(5, 2)); // instance 1: the previous instance, read with previous=true
      pod.restart('istio-proxy');
      pod.appendLog('istio-proxy', lines(7, 2)); // instance 2: the current one
    });
    await followedTimes(api, pod, 2);
    await run.waitForStdout((t) => flowCount(t) >= 6);
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    expect(requestIds(stdout)).toEqual([...ids(0, 2), ...ids(5, 4)].sort());
    const message = 'The logs of 1 container instance could not be read, in whole or in part: the container restarted more than once while its log stream was down, and the API serves only the current and the previous instance, so what that instance logged meanwhile was not audited: twice/cart-1 istio-proxy (1 instance).';
    expect(warnings(parseNdjson(stdout).report)).toContainEqual({ code: 'instances-unread', message });
    expect(stderr).toContain('the istio-proxy container of twice/cart-1 restarted 2 times while its log stream was down');
    expect(code).toBe(1); // --fail-on instances-unread
    const sarif = JSON.parse(readFileSync(`${dir}/r.sarif`, 'utf8')) as { runs: { invocations: { toolExecutionNotifications: { descriptor: { id: string }; message: { text: string }; level: string }[] }[] }[] };
    expect(sarif.runs[0]?.invocations[0]?.toolExecutionNotifications).toContainEqual({ descriptor: { id: 'instances-unread' }, message: { text: message }, level: 'error' });
    expect(readFileSync(`${dir}/r.xml`, 'utf8')).toMatch(/<testcase name="instances-unread"[^>]*>\s*<failure/);
  });

  clusterIt('reports no instance lost for one restart while the stream was down, nor for two once the instance was read to its end', async ({ api, kubeconfig }) => {
    const once = sidecarPod(api, 'nolost', 'cart-1');
    const drained = sidecarPod(api, 'nolost', 'cart-2');
    const run = watch(kubeconfig, 'nolost');
    await followedTimes(api, once, 1);
    await followedTimes(api, drained, 1);
    // One restart while cart-1's stream is down: previous=true serves the rest of the instance it was on.
    await whileStreamDown(api, once, () => {
      once.appendLog('istio-proxy', lines(0, 2));
      once.restart('istio-proxy');
      once.appendLog('istio-proxy', lines(2, 2));
    });
    // cart-2's instance stops and is read to its end; then two restarts before the follower looks again: previous=true serves the one between.
    drained.appendLog('istio-proxy', lines(10, 2));
    const stopped = api.requests.length;
    api.setContainerState('nolost', 'cart-2', 'istio-proxy', 'terminated', { reason: 'Error', exitCode: 1 });
    await api.waitUntil(() => api.requests.slice(stopped).some((r) => r.verb === 'get' && r.subresource === undefined && r.name === 'cart-2' && r.status === 200));
    drained.restart('istio-proxy');
    drained.appendLog('istio-proxy', lines(12, 2));
    drained.restart('istio-proxy');
    drained.appendLog('istio-proxy', lines(14, 2));
    await followedTimes(api, once, 2);
    await followedTimes(api, drained, 2);
    await run.waitForStdout((t) => flowCount(t) >= 10);
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    expect(requestIds(stdout)).toEqual([...ids(0, 4), ...ids(10, 6)].sort());
    expect(warnings(parseNdjson(stdout).report).map((w) => w.code)).not.toContain('instances-unread');
    expect(stderr).not.toContain('while its log stream was down');
    expect(code).toBe(0);
  });

  clusterIt('a dropped pod watch that is watching again is no stream error: the run ends clean (was exit 3, "cannot watch pods ... (aborted)")', async ({ api, kubeconfig }) => {
    const pod = sidecarPod(api, 'rewatch', 'cart-1');
    const run = watch(kubeconfig, 'rewatch');
    await followedTimes(api, pod, 1);
    const watches = { kind: 'watch' as const, resource: 'pods', namespace: 'rewatch' };
    await api.waitForStreams(watches);
    const before = api.requests.length;
    expect(api.dropConnections(watches)).toBe(1);
    await api.waitUntil(() => api.requests.slice(before).some((r) => r.verb === 'watch' && r.namespace === 'rewatch' && r.status === 200));
    await api.waitForStreams(watches);
    pod.appendLog('istio-proxy', lines(0, 2));
    await run.waitForStdout((t) => flowCount(t) >= 2);
    run.interrupt();
    const { code, stdout } = await run.exited;
    expect(warnings(parseNdjson(stdout).report).map((w) => w.code)).not.toContain('stream-errors');
    expect(code).toBe(0);
  });

  clusterIt('resumes a dropped stream with no line lost and none twice, even when many lines share one timestamp', async ({ api, kubeconfig }) => {
    const pod = sidecarPod(api, 'drop', 'cart-1');
    const run = watch(kubeconfig, 'drop');
    await followedTimes(api, pod, 1);
    const at = new Date();
    pod.appendLog('istio-proxy', lines(0, 5, at), at);
    await run.waitForStdout((t) => flowCount(t) >= 5);
    expect(api.dropConnections({ kind: 'log', namespace: 'drop', pod: 'cart-1' })).toBe(1);
    pod.appendLog('istio-proxy', lines(5, 5, at), at); // the same instant: sinceTime sends all ten again
    await followedTimes(api, pod, 2);
    expect(follows(api, pod)[1]?.query['sinceTime']).toBe(`${at.toISOString().slice(0, 19)}Z`);
    run.interrupt();
    const { stdout, stderr } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 10));
    expect(lineCounts(parseNdjson(stdout).report).lines).toBe(10);
    expect(stderr).toMatch(/(?:1 reconnect|[2-9]\d* reconnects|1\d+ reconnects),/);
  });

  clusterIt('finishes a deleted pod’s stream after re-checking the pod, keeping its lines and reporting no error', async ({ api, kubeconfig }) => {
    const pod = sidecarPod(api, 'gone', 'cart-1');
    const run = watch(kubeconfig, 'gone');
    await followedTimes(api, pod, 1);
    pod.appendLog('istio-proxy', lines(0, 3));
    await run.waitForStdout((t) => flowCount(t) >= 3);
    pod.delete();
    await foundGone(api, pod);
    run.interrupt();
    const { code, stdout } = await run.exited;
    const { report } = parseNdjson(stdout);
    expect(requestIds(stdout)).toEqual(ids(0, 3));
    expect((report['coverage'] as { streams: { name: string; lines: number }[] }).streams).toEqual([expect.objectContaining({ name: 'pod/gone/cart-1/istio-proxy', lines: 3 })]);
    expect(warnings(report).map((w) => w.code)).not.toContain('stream-errors');
    expect(warnings(report).map((w) => w.code)).not.toContain('instances-unread'); // read to its end: nothing lost
    expect(code).toBe(0);
  });

  clusterIt('reports the lines lost when a pod is deleted while its log stream is down (instances-unread; was a silent loss)', async ({ api, kubeconfig }) => {
    const pod = sidecarPod(api, 'gonedown', 'cart-1');
    const run = watch(kubeconfig, 'gonedown');
    await followedTimes(api, pod, 1);
    pod.appendLog('istio-proxy', lines(0, 2));
    await run.waitForStdout((t) => flowCount(t) >= 2);
    // The connection drops; before the follower is back the pod logs one more line and is deleted, its log with it.
    api.dropConnections({ kind: 'log', namespace: pod.namespace, pod: pod.name });
    pod.appendLog('istio-proxy', lines(2, 1));
    pod.delete();
    await foundGone(api, pod);
    run.interrupt();
    const { stdout, stderr } = await run.exited;
    const { report } = parseNdjson(stdout);
    expect(requestIds(stdout)).toEqual(ids(0, 2));
    expect(warnings(report)).toContainEqual({
      code: 'instances-unread',
      message: '1 pod was deleted while its log stream was down, and the API serves no log of a deleted pod, so anything its istio-proxy logged after the last line read (if any) was not audited: gonedown/cart-1.',
    });
    expect(stderr).toContain('the pod gonedown/cart-1 was deleted while its log stream was down');
  });

  clusterIt('lists a pod deleted and recreated under its name as one coverage row, pods: 2, its figures summed; a restart is no new pod (was two rows of one name)', async ({ api, kubeconfig }) => {
    const { pod: first, run } = await restartedWhileFollowed(api, kubeconfig, 'again', 'web-0', 2, 1);
    await run.waitForStdout((t) => flowCount(t) >= 3);
    first.delete();
    await foundGone(api, first);
    const second = sidecarPod(api, 'again', 'web-0'); // a StatefulSet's pod: the same name, a new UID and IP
    await followedTimes(api, second, 3);
    second.appendLog('istio-proxy', lines(3, 2));
    await run.waitForStdout((t) => flowCount(t) >= 5);
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    const reportLine = JSON.parse(stdout.trimEnd().split('\n').at(-1) as string) as Record<string, unknown>;
    const valid = reportValidator('ndjsonLine');
    expect(valid(reportLine), errorText(valid)).toBe(true);
    expect(requestIds(stdout)).toEqual(ids(0, 5));
    expect((reportLine['coverage'] as { streams: unknown[] }).streams).toEqual([expect.objectContaining({ name: 'pod/again/web-0/istio-proxy', lines: 5, records: 5, pods: 2 })]);
    // The summary line counts containers as coverage lists them (was `watched 2 containers`, one row in coverage).
    expect(stderr).toMatch(/watched 1 container \(2 pods: 1 recreated under its name\) for \d+s /);
    expect(code).toBe(0);
  });

  clusterIt('picks up a pod created while watching', async ({ api, kubeconfig }) => {
    const first = sidecarPod(api, 'grow', 'cart-1');
    const run = watch(kubeconfig, 'grow');
    await followedTimes(api, first, 1);
    const later = sidecarPod(api, 'grow', 'cart-2');
    await followedTimes(api, later, 1);
    later.appendLog('istio-proxy', lines(0, 2));
    run.interrupt();
    const { stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
  });

  clusterIt.for([
    ['an ERROR event with a 410 Status', 'event'],
    ['a plain HTTP 410', 'http'],
  ] as const)('relists after %s and still picks up new pods', async ([, mode], { api, kubeconfig }) => {
    const ns = `expire-${mode}`;
    const first = sidecarPod(api, ns, 'cart-1');
    const run = watch(kubeconfig, ns);
    await followedTimes(api, first, 1);
    const before = api.requests.length;
    api.expireWatches({ mode, endActive: true });
    await api.waitUntil(() => api.requests.slice(before).some((r) => r.verb === 'list' && r.resource === 'pods' && r.namespace === ns && r.status === 200));
    const later = sidecarPod(api, ns, 'cart-2');
    await followedTimes(api, later, 1);
    later.appendLog('istio-proxy', lines(0, 2));
    run.interrupt();
    const { stdout, stderr } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
    expect(stderr).toMatch(/(?:1 relist|[2-9]\d* relists|1\d+ relists)\n/);
  });

  clusterIt('follows istio-proxy as a native sidecar (an init container with restartPolicy Always)', async ({ api, kubeconfig }) => {
    const pod = sidecarPod(api, 'native', 'cart-1', { containers: ['app', { name: 'istio-proxy', kind: 'native-sidecar' }] });
    const run = watch(kubeconfig, 'native');
    await followedTimes(api, pod, 1);
    pod.appendLog('istio-proxy', lines(0, 2));
    run.interrupt();
    const { stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
    expect(follows(api, pod)[0]?.query['container']).toBe('istio-proxy');
  });

  clusterIt('waits for an istio-proxy that is not running yet, then follows it', async ({ api, kubeconfig }) => {
    const pod = sidecarPod(api, 'late', 'cart-1', { containers: ['app', { name: 'istio-proxy', state: 'waiting', reason: 'PodInitializing' }] });
    const run = watch(kubeconfig, 'late');
    await api.waitForRequest((r) => r.verb === 'list' && r.resource === 'pods' && r.namespace === 'late');
    api.setContainerState('late', 'cart-1', 'istio-proxy', 'running');
    await followedTimes(api, pod, 1);
    pod.appendLog('istio-proxy', lines(0, 2));
    run.interrupt();
    const { stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
  });

  clusterIt('reads a finished Job pod once when its proxy ended inside the --since window, not in a run that starts later', async ({ api, kubeconfig }) => {
    const recent = sidecarPod(api, 'jobs', 'report-1', { containers: ['app', { name: 'istio-proxy', kind: 'native-sidecar' }] });
    const at = new Date(Date.now() - 60_000);
    recent.appendLog('istio-proxy', lines(0, 2, at), at);
    for (const c of ['app', 'istio-proxy']) api.setContainerState('jobs', recent.name, c, 'terminated', { reason: 'Completed', exitCode: 0 });
    recent.modify({ phase: 'Succeeded' });
    const { code, stdout } = await startWatch(['-n', 'jobs', '--gateway-namespace', 'jobs-gw', '-o', 'ndjson', '--fail-on', 'none', '--since', '5m', '--duration', '2s'], { KUBECONFIG: kubeconfig }).exited;
    expect(requestIds(stdout)).toEqual(ids(0, 2));
    expect(api.requests.filter(isLog(recent)).map((r) => r.query['follow'])).toEqual([undefined]);
    expect(code).toBe(0);
    const later = await startWatch(['-n', 'jobs', '--gateway-namespace', 'jobs-gw', '-o', 'ndjson', '--fail-on', 'none', '--duration', '1s'], { KUBECONFIG: kubeconfig }).exited;
    expect(later.code).toBe(4);
    expect(api.requests.filter(isLog(recent))).toHaveLength(1);
  });

  clusterIt('with --since reads the instance before a restart that happened before the run, each line once', async ({ api, kubeconfig }) => {
    const { code, stdout } = await restartedBeforeRun(api, kubeconfig, 'sincerestart', 1);
    expect(requestIds(stdout)).toEqual(ids(0, 3));
    expect(code).toBe(0);
  });

  clusterIt('does not count restarts before the run as instances lost (two before it, --since reads the previous one)', async ({ api, kubeconfig }) => {
    const { code, stdout } = await restartedBeforeRun(api, kubeconfig, 'sincetwice', 2);
    expect(requestIds(stdout)).toEqual(ids(2, 1));
    expect(warnings(parseNdjson(stdout).report).map((w) => w.code)).not.toContain('instances-unread');
    expect(code).toBe(0);
  });
});
