// `egress-audit watch` and a container whose last output has no final newline (fake API server): containerd
// writes such output as a partial record and the kubelet serves it without a newline, so the stream of
// that instance ends mid-line. Once the instance is over (pod deleted, container restarted, pod finished)
// that line is complete as it is: it must be read once, as `audit` reads the last line of a saved file,
// not dropped as a line cut by a dropped connection.
import { describe, expect, it } from 'vitest';
import type { FakePod, RecordedRequest } from '../fake-apiserver/index.js';
import { fakeClusterPerFile, internalLine, lineCounts, parseNdjson, startWatch } from './helpers.js';

const fake = fakeClusterPerFile();
let seq = 0;

function pod(namespace: string): FakePod {
  seq++;
  return fake.api.addPod({ namespace, name: 'cart-1', ip: `10.108.11.${seq}`, containers: ['app', { name: 'istio-proxy', kind: 'native-sidecar' }] });
}

const isLog = (p: FakePod, r: RecordedRequest): boolean => r.subresource === 'log' && r.namespace === p.namespace && r.name === p.name;
const isPodGet = (p: FakePod, r: RecordedRequest): boolean => r.verb === 'get' && r.resource === 'pods' && r.subresource === undefined && r.namespace === p.namespace && r.name === p.name;
const follows = (p: FakePod) => (): RecordedRequest[] => fake.api.requests.filter((r) => isLog(p, r) && r.query['follow'] === 'true' && r.status === 200);

function requestIds(stdout: string): string[] {
  return parseNdjson(stdout).flows.map((f) => (f['sidecar'] as { request_id: string }).request_id).sort();
}

/** Two lines, the second without its newline: the container's last output. */
function writeEnding(p: FakePod): void {
  const at = new Date();
  p.appendLog('istio-proxy', [internalLine(at, 0), internalLine(at, 1)], { unterminated: true });
}

describe('watch: a last line without a newline (fake API server)', () => {
  it.each([
    ['the pod is deleted', (p: FakePod) => p.delete(), (p: FakePod) => (r: RecordedRequest) => isPodGet(p, r) && r.status === 404],
    ['the container restarts', (p: FakePod) => p.restart('istio-proxy'), (p: FakePod) => (r: RecordedRequest) => isLog(p, r) && r.query['follow'] === 'true' && r !== follows(p)()[0]],
    ['the pod finishes', (p: FakePod) => {
      for (const c of ['app', 'istio-proxy']) fake.api.setContainerState(p.namespace, p.name, c, 'terminated', { reason: 'Completed', exitCode: 0 });
      p.modify({ phase: 'Succeeded' });
    }, (p: FakePod) => (r: RecordedRequest) => isLog(p, r) && r.query['follow'] === undefined && r.status === 200],
  ] as const)('reads it once when %s', async (_case, end, after) => {
    const ns = `eof-${seq + 1}`;
    const p = pod(ns);
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: fake.kubeconfig });
    await fake.api.waitUntil(() => follows(p)().length >= 1);
    writeEnding(p);
    await run.waitForStdout((t) => t.includes('"req-0"'));
    end(p);
    await fake.api.waitForRequest(after(p)); // the follower has seen the end and looked again
    run.interrupt();
    const { code, stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(['req-0', 'req-1']);
    expect(lineCounts(parseNdjson(stdout).report)).toMatchObject({ lines: 2, records: 2 });
    expect(code).toBe(0);
  });
});
