// Contract tests of the fake kube-apiserver's pods/log endpoint (notes §3 "Pod log"): options, timestamps,
// follow semantics (clean end on restart/delete, non-clean on drop), error Status bodies, native sidecars,
// partial records, rotation and the generator mode. Raw HTTPS, because the product streams logs itself (§4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { get, stream, type CallTarget } from '../fake-apiserver/http-client.js';

let api: FakeApiServer;
const as = (server = api): CallTarget => ({ url: server.url, caPem: server.caPem, token: server.token });
const logPath = (ns: string, pod: string, query: string): string => `/api/v1/namespaces/${ns}/pods/${pod}/log?${query}`;
const at = (iso: string): Date => new Date(iso);

beforeAll(async () => {
  api = await startFakeApiServer();
  const gw = api.addPod({ namespace: 'istio-system', name: 'gw-1', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
  gw.appendLog('istio-proxy', ['first line'], at('2025-03-01T10:00:04.900Z'));
  gw.appendLog('istio-proxy', ['second line'], at('2025-03-01T10:00:05.200Z'));
  gw.appendLog('istio-proxy', ['third line'], at('2025-03-01T10:00:05.800Z'));
  gw.appendLog('istio-proxy', ['fourth line'], at('2025-03-01T10:00:06.100Z'));
  api.addPod({ namespace: 'shop', name: 'cart-1', containers: ['app', { name: 'istio-proxy', kind: 'native-sidecar' }] });
  api.appendLog('shop', 'cart-1', 'app', ['app says hi']);
  api.appendLog('shop', 'cart-1', 'istio-proxy', ['sidecar says hi']);
});

afterAll(async () => {
  await api.close();
});

describe('fake apiserver: pod log reads', () => {
  it('serves text/plain chunked bodies with the lines as written', async () => {
    const res = await get(as(), logPath('istio-system', 'gw-1', 'container=istio-proxy'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body).toBe('first line\nsecond line\nthird line\nfourth line\n');
  });

  it('prefixes RFC3339Nano timestamps with nine fractional digits and one space', async () => {
    const res = await get(as(), logPath('istio-system', 'gw-1', 'container=istio-proxy&timestamps=true&tailLines=2'));
    expect(res.body).toBe('2025-03-01T10:00:05.800000000Z third line\n2025-03-01T10:00:06.100000000Z fourth line\n');
  });

  it('serves output left without a newline as a last partial record: no newline at the end of the body', async () => {
    api.addPod({ namespace: 'eof', name: 'p', containers: ['istio-proxy'] });
    api.appendLog('eof', 'p', 'istio-proxy', ['whole', 'cut off'], { at: at('2025-03-01T10:00:05.000Z'), unterminated: true });
    const res = await get(as(), logPath('eof', 'p', 'container=istio-proxy&timestamps=true'));
    expect(res.body).toBe('2025-03-01T10:00:05.000000000Z whole\n2025-03-01T10:00:05.000000000Z cut off');
  });

  it('keeps the offset the runtime recorded (±hh:mm)', async () => {
    api.addPod({ namespace: 'tz', name: 'p', containers: ['istio-proxy'] });
    api.appendLog('tz', 'p', 'istio-proxy', ['local'], { at: at('2025-03-01T10:00:05.250Z'), utcOffset: '+02:00' });
    const res = await get(as(), logPath('tz', 'p', 'timestamps=true'));
    expect(res.body).toBe('2025-03-01T12:00:05.250000000+02:00 local\n');
  });

  it('stamps lines written in the same millisecond with strictly increasing nanoseconds', async () => {
    api.addPod({ namespace: 'tz', name: 'burst', containers: ['istio-proxy'] });
    api.appendLog('tz', 'burst', 'istio-proxy', Array.from({ length: 50 }, (_, i) => `l${i}`));
    const stamps = (await get(as(), logPath('tz', 'burst', 'timestamps=true'))).body.trim().split('\n').map((l) => l.split(' ')[0] as string);
    expect(stamps.every((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(s))).toBe(true);
    expect(new Set(stamps).size).toBe(50);
    expect([...stamps].sort()).toEqual(stamps);
  });

  it.each([
    ['a mid-second sinceTime is truncated to the whole second', '2025-03-01T10:00:05.500Z', ['second line', 'third line', 'fourth line']],
    ['a whole-second sinceTime', '2025-03-01T10:00:06Z', ['fourth line']],
    ['a sinceTime with an offset', '2025-03-01T12:00:05.999+02:00', ['second line', 'third line', 'fourth line']],
    ['a sinceTime before every line', '2025-03-01T09:00:00Z', ['first line', 'second line', 'third line', 'fourth line']],
  ])('honours sinceTime: %s', async (_case, since, lines) => {
    const res = await get(as(), logPath('istio-system', 'gw-1', `sinceTime=${encodeURIComponent(since)}`));
    expect(res.body.split('\n').slice(0, -1)).toEqual(lines);
  });

  it('honours sinceSeconds relative to now', async () => {
    api.addPod({ namespace: 'tz', name: 'since', containers: ['istio-proxy'] });
    api.appendLog('tz', 'since', 'istio-proxy', ['an hour ago'], new Date(Date.now() - 3_600_000));
    api.appendLog('tz', 'since', 'istio-proxy', ['just now']);
    expect((await get(as(), logPath('tz', 'since', 'sinceSeconds=600'))).body).toBe('just now\n');
  });

  it('reads sinceSeconds on the node’s clock, which also stamps its lines, and sinceTime as an absolute instant (node 20 s behind)', async () => {
    api.setNodeClock('slow-node', -20_000);
    api.addPod({ namespace: 'tz', name: 'slow', nodeName: 'slow-node', containers: ['istio-proxy'] });
    api.appendLog('tz', 'slow', 'istio-proxy', ['logged now']);
    const stamp = Date.parse((await get(as(), logPath('tz', 'slow', 'timestamps=true'))).body.split(' ')[0] as string);
    expect(Date.now() - stamp).toBeGreaterThanOrEqual(20_000);
    expect(Date.now() - stamp).toBeLessThan(25_000);
    expect((await get(as(), logPath('tz', 'slow', 'sinceSeconds=5'))).body).toBe('logged now\n');
    const ourFiveSecondsAgo = new Date(Date.now() - 5_000).toISOString();
    expect((await get(as(), logPath('tz', 'slow', `sinceTime=${encodeURIComponent(ourFiveSecondsAgo)}`))).body).toBe('');
  });

  it.each([
    ['0 (honoured, not dropped as falsy)', 0, ''],
    ['2', 2, 'third line\nfourth line\n'],
    ['more than there are', 10, 'first line\nsecond line\nthird line\nfourth line\n'],
  ])('honours tailLines=%s', async (_case, n, body) => {
    expect((await get(as(), logPath('istio-system', 'gw-1', `tailLines=${n}`))).body).toBe(body);
  });

  it('cuts the body at limitBytes, even mid-line', async () => {
    expect((await get(as(), logPath('istio-system', 'gw-1', 'limitBytes=15'))).body).toBe('first line\nseco');
  });

  it('picks the only regular container by default, ignoring the native sidecar', async () => {
    expect((await get(as(), logPath('shop', 'cart-1', ''))).body).toBe('app says hi\n');
  });

  it('serves a native sidecar (init container with restartPolicy Always) by name', async () => {
    expect((await get(as(), logPath('shop', 'cart-1', 'container=istio-proxy'))).body).toBe('sidecar says hi\n');
  });

  it('splits lines over 16 KiB into partial records, each with its own timestamp and no newline until the last', async () => {
    api.addPod({ namespace: 'tz', name: 'long', containers: ['istio-proxy'] });
    const long = 'x'.repeat(40_000);
    api.appendLog('tz', 'long', 'istio-proxy', [long, 'short'], at('2025-03-01T10:00:00Z'));
    const plain = (await get(as(), logPath('tz', 'long', ''))).body;
    expect(plain).toBe(`${long}\nshort\n`);
    const stamped = (await get(as(), logPath('tz', 'long', 'timestamps=true'))).body;
    const ts = '2025-03-01T10:00:00.000000000Z ';
    expect(stamped).toBe(`${ts}${'x'.repeat(16_384)}${ts}${'x'.repeat(16_384)}${ts}${'x'.repeat(40_000 - 32_768)}\n${ts}short\n`);
    expect((await get(as(), logPath('tz', 'long', 'tailLines=2'))).body).toBe(`${'x'.repeat(40_000 - 32_768)}\nshort\n`);
  });
});

describe('fake apiserver: pod log errors', () => {
  it.each([
    ['a missing pod', logPath('shop', 'nope', 'container=istio-proxy'), 404,
      { reason: 'NotFound', message: 'pods "nope" not found', details: { name: 'nope', kind: 'pods' } }],
    ['an unknown container', logPath('shop', 'cart-1', 'container=nope'), 400,
      { reason: 'BadRequest', message: 'container nope is not valid for pod cart-1' }],
    ['tailLines < 0', logPath('shop', 'cart-1', 'tailLines=-1'), 422,
      { reason: 'Invalid', message: 'PodLogOptions "cart-1" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0' }],
    ['both sinceTime and sinceSeconds', logPath('shop', 'cart-1', 'sinceSeconds=5&sinceTime=2025-01-01T00:00:00Z'), 422,
      { reason: 'Invalid', message: 'PodLogOptions "cart-1" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' }],
    ['previous with no terminated instance', logPath('shop', 'cart-1', 'container=istio-proxy&previous=true'), 400,
      { reason: 'BadRequest', message: 'previous terminated container "istio-proxy" in pod "cart-1" not found' }],
  ])('answers %s with the apiserver Status body', async (_case, path, code, body) => {
    const res = await get(as(), path);
    expect(res.status).toBe(code);
    expect(res.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, ...body });
  });

  it('asks for a container name on a multi-container pod, listing init containers too', async () => {
    api.addPod({ namespace: 'err', name: 'multi', containers: ['a', 'b', { name: 'istio-proxy', kind: 'native-sidecar' }] });
    const res = await get(as(), logPath('err', 'multi', ''));
    expect(res.json).toMatchObject({ code: 400, reason: 'BadRequest',
      message: 'a container name must be specified for pod multi, choose one of: [a b] or one of the init containers: [istio-proxy]' });
  });

  it.each([
    ['ContainerCreating', 'container "istio-proxy" in pod "wait-containercreating" is waiting to start: ContainerCreating'],
    ['ImagePullBackOff', 'container "istio-proxy" in pod "wait-imagepullbackoff" is waiting to start: trying and failing to pull image'],
    ['ErrImagePull', `container "istio-proxy" in pod "wait-errimagepull" is waiting to start: image can't be pulled`],
  ])('answers 400 for a container waiting with %s, in kubelet wording', async (reason, message) => {
    const name = `wait-${reason.toLowerCase()}`;
    api.addPod({ namespace: 'err', name, containers: [{ name: 'istio-proxy', state: 'waiting', reason }] });
    const res = await get(as(), logPath('err', name, 'container=istio-proxy&follow=true'));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 });
  });

  it('answers 200 with an empty body for an unscheduled pod, even when following', async () => {
    api.addPod({ namespace: 'err', name: 'pending', nodeName: null, containers: ['istio-proxy'] });
    const res = await get(as(), logPath('err', 'pending', 'container=istio-proxy&follow=true'));
    expect([res.status, res.body]).toEqual([200, '']);
    const pod = (await get(as(), '/api/v1/namespaces/err/pods/pending')).json as { spec: Record<string, unknown>; status: Record<string, unknown> };
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.status).toMatchObject({ phase: 'Pending' });
    expect(pod.status.containerStatuses).toBeUndefined();
  });

  it('answers 403 for pods/log worded with the pod name and subresource', async () => {
    const remove = api.setForbidden({ resource: 'pods/log', namespace: 'shop' });
    const res = await get(as(), logPath('shop', 'cart-1', 'container=istio-proxy'));
    remove();
    expect(res.json).toMatchObject({ code: 403, reason: 'Forbidden', details: { name: 'cart-1', kind: 'pods' },
      message: 'pods "cart-1" is forbidden: User "fake-user" cannot get resource "pods/log" in API group "" in the namespace "shop"' });
  });
});

describe('fake apiserver: following logs', () => {
  it('delivers lines appended while streaming, ends cleanly on restart, and keeps the old run as previous', async () => {
    const pod = api.addPod({ namespace: 'follow', name: 'restart', containers: ['istio-proxy'] });
    pod.appendLog('istio-proxy', ['run1 a']);
    const s = await stream(as(), logPath('follow', 'restart', 'container=istio-proxy&follow=true'));
    await s.waitFor((t) => t === 'run1 a\n');
    pod.appendLog('istio-proxy', ['run1 b']);
    await s.waitFor((t) => t.endsWith('run1 b\n'));
    pod.restart('istio-proxy', { exitCode: 1, reason: 'Error' });
    expect(await s.ended).toBe('clean');
    pod.appendLog('istio-proxy', ['run2 a']);
    expect(s.text()).toBe('run1 a\nrun1 b\n');
    expect((await get(as(), logPath('follow', 'restart', 'previous=true'))).body).toBe('run1 a\nrun1 b\n');
    expect((await get(as(), logPath('follow', 'restart', ''))).body).toBe('run2 a\n');
    const status = (pod.json().status as { containerStatuses: Array<Record<string, unknown>> }).containerStatuses[0];
    expect(status).toMatchObject({ restartCount: 1, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
  });

  it('with tailLines=0 and follow sends only lines written after the request', async () => {
    const pod = api.addPod({ namespace: 'follow', name: 'tail0', containers: ['istio-proxy'] });
    pod.appendLog('istio-proxy', ['old']);
    const s = await stream(as(), logPath('follow', 'tail0', 'follow=true&tailLines=0'));
    pod.appendLog('istio-proxy', ['new']);
    await s.waitFor((t) => t.includes('new'));
    s.abort();
    expect(s.text()).toBe('new\n');
  });

  it('ends a follow cleanly when the pod is deleted', async () => {
    const pod = api.addPod({ namespace: 'follow', name: 'deleted', containers: ['istio-proxy'] });
    const s = await stream(as(), logPath('follow', 'deleted', 'follow=true'));
    pod.appendLog('istio-proxy', ['bye']);
    await s.waitFor((t) => t === 'bye\n');
    pod.delete({ graceful: true });
    expect(await s.ended).toBe('clean');
    expect((await get(as(), logPath('follow', 'deleted', ''))).status).toBe(404);
  });

  it('drops a follow as a non-clean end (socket destroyed mid-stream)', async () => {
    const pod = api.addPod({ namespace: 'follow', name: 'dropped', containers: ['istio-proxy'] });
    const s = await stream(as(), logPath('follow', 'dropped', 'follow=true'));
    pod.appendLog('istio-proxy', ['before drop']);
    await s.waitFor((t) => t === 'before drop\n');
    expect(api.dropConnections({ kind: 'log', pod: 'dropped' })).toBe(1);
    expect(await s.ended).toBe('dropped');
  });

  it('serves the last run of a CrashLoopBackOff container without previous=true (kubelet case order)', async () => {
    const pod = api.addPod({ namespace: 'follow', name: 'crashloop', containers: ['istio-proxy'] });
    pod.appendLog('istio-proxy', ['crashed']);
    pod.restart('istio-proxy', { exitCode: 2, next: 'waiting' });
    expect((await get(as(), logPath('follow', 'crashloop', ''))).body).toBe('crashed\n');
    api.setContainerState('follow', 'crashloop', 'istio-proxy', 'running');
    expect((await get(as(), logPath('follow', 'crashloop', ''))).body).toBe('');
  });

  it('survives a client that disconnects mid-follow and detaches its reader', async () => {
    const pod = api.addPod({ namespace: 'follow', name: 'gone', containers: ['istio-proxy'] });
    const s = await stream(as(), logPath('follow', 'gone', 'follow=true'));
    pod.appendLog('istio-proxy', ['one']);
    await s.waitFor((t) => t === 'one\n');
    s.abort();
    await api.waitUntil(() => api.activeStreams({ pod: 'gone' }) === 0);
    pod.appendLog('istio-proxy', ['two']);
    expect((await get(as(), logPath('follow', 'gone', ''))).body).toBe('one\ntwo\n');
  });

  it('delivers every one of 20,000 single-line appends to a follower, in order', async () => {
    const pod = api.addPod({ namespace: 'follow', name: 'many', containers: ['istio-proxy'] });
    const s = await stream(as(), logPath('follow', 'many', 'follow=true'));
    for (let i = 0; i < 20_000; i++) pod.appendLog('istio-proxy', [`line ${i}`]);
    await s.waitFor((t) => t.endsWith('line 19999\n'));
    s.abort();
    expect(s.lines()).toEqual(Array.from({ length: 20_000 }, (_, i) => `line ${i}`));
  });

  it('generates N lines/s from a callback until maxLines', async () => {
    api.addPod({ namespace: 'follow', name: 'gen', containers: ['istio-proxy'] });
    const s = await stream(as(), logPath('follow', 'gen', 'follow=true'));
    const gen = api.generateLogs('follow', 'gen', 'istio-proxy', { linesPerSecond: 20_000, maxLines: 3000, line: (i) => `gen ${i}` });
    await gen.done;
    expect(gen.written).toBe(3000);
    await s.waitFor((t) => t.endsWith('gen 2999\n'));
    s.abort();
    expect(s.lines()).toEqual(Array.from({ length: 3000 }, (_, i) => `gen ${i}`));
  });

  it('keeps generating into the new instance after a restart, losing and repeating nothing', async () => {
    const pod = api.addPod({ namespace: 'follow', name: 'gen-restart', containers: ['istio-proxy'] });
    const first = await stream(as(), logPath('follow', 'gen-restart', 'follow=true'));
    const gen = api.generateLogs('follow', 'gen-restart', 'istio-proxy', { linesPerSecond: 10_000, line: (i) => `g${i}` });
    await first.waitFor((t) => t.includes('g100\n'));
    pod.restart('istio-proxy');
    expect(await first.ended).toBe('clean');
    const second = await stream(as(), logPath('follow', 'gen-restart', 'follow=true'));
    await second.waitFor((t) => t.split('\n').length > 100);
    gen.stop();
    await gen.done;
    second.abort();
    const previous = (await get(as(), logPath('follow', 'gen-restart', 'previous=true'))).body;
    const current = (await get(as(), logPath('follow', 'gen-restart', ''))).body;
    expect(previous).toBe(first.text());
    expect(`${previous}${current}`.split('\n').slice(0, -1)).toEqual(Array.from({ length: gen.written }, (_, i) => `g${i}`));
  });
});

describe('fake apiserver: log rotation and shutdown', () => {
  it('reads only the current file after rotation while a follower keeps every line', async () => {
    const small = await startFakeApiServer({ logRotateBytes: 500 });
    try {
      const pod = small.addPod({ namespace: 'r', name: 'p', containers: ['istio-proxy'] });
      const s = await stream(as(small), logPath('r', 'p', 'follow=true'));
      for (let i = 0; i < 20; i++) pod.appendLog('istio-proxy', [`rotating line ${String(i).padStart(2, '0')}`]);
      await s.waitFor((t) => t.endsWith('rotating line 19\n'));
      s.abort();
      expect(s.lines()).toHaveLength(20);
      const all = (await get(as(small), logPath('r', 'p', ''))).body.split('\n').slice(0, -1);
      expect(all.length).toBeLessThan(20);
      expect(all.at(-1)).toBe('rotating line 19');
    } finally {
      await small.close();
    }
  });

  it('close() drops open follows and resolves', async () => {
    const other = await startFakeApiServer();
    other.addPod({ namespace: 'c', name: 'p', containers: ['istio-proxy'] });
    const s = await stream(as(other), logPath('c', 'p', 'follow=true'));
    await other.close();
    expect(await s.ended).toBe('dropped');
  });
});
