// `egress-audit watch` and a container whose last output has no final newline (fake API server): containerd
// writes such output as a partial record and the kubelet serves it without a newline, so the stream of
// that instance ends mid-line. Once the instance is over (pod deleted, container restarted, pod finished)
// that line is complete as it is: it must be read once, as `audit` reads the last line of a saved file,
// not dropped as a line cut by a dropped connection.
import { describe, expect } from 'vitest';
import type { FakeApiServer, FakePod, RecordedRequest } from '../fake-apiserver/index.js';
import { clusterIt, internalLine, lineCounts, parseNdjson, startWatch } from './helpers.js';

let seq = 0;

function pod(api: FakeApiServer, namespace: string): FakePod {
  seq++;
  return api.addPod({ namespace, name: 'cart-1', ip: `10.108.11.${seq}`, containers: ['app', { name: 'istio-proxy', kind: 'native-sidecar' }] });
}

const isLog = (p: FakePod, r: RecordedRequest): boolean => r.subresource === 'log' && r.namespace === p.namespace && r.name === p.name;
const isPodGet = (p: FakePod, r: RecordedRequest): boolean => r.verb === 'get' && r.resource === 'pods' && r.subresource === undefined && r.namespace === p.namespace && r.name === p.name;
const follows = (api: FakeApiServer, p: FakePod) => (): RecordedRequest[] => api.requests.filter((r) => isLog(p, r) && r.query['follow'] === 'true' && r.status === 200);

function requestIds(stdout: string): string[] {
  return parseNdjson(stdout).flows.map((f) => (f['sidecar'] as { request_id: string }).request_id).sort();
}

/** Two lines, the second without its newline: the container's last output. */
function writeEnding(p: FakePod): void {
  const at = new Date();
  p.appendLog('istio-proxy', [internalLine(at, 0), internalLine(at, 1)], { unterminated: true });
}

describe.concurrent('watch: a last line without a newline (fake API server)', () => {
  type End = (api: FakeApiServer, p: FakePod) => void;
  type After = (api: FakeApiServer, p: FakePod) => (r: RecordedRequest) => boolean;
  clusterIt.for<[string, End, After]>([
    ['the pod is deleted', (_api, p) => p.delete(), (_api, p) => (r) => isPodGet(p, r) && r.status === 404],
    ['the container restarts', (_api, p) => p.restart('istio-proxy'), (api, p) => (r) => isLog(p, r) && r.query['follow'] === 'true' && r !== follows(api, p)()[0]],
    ['the pod finishes', (api, p) => {
      for (const c of ['app', 'istio-proxy']) api.setContainerState(p.namespace, p.name, c, 'terminated', { reason: 'Completed', exitCode: 0 });
      p.modify({ phase: 'Succeeded' });
    }, (_api, p) => (r) => isLog(p, r) && r.query['follow'] === undefined && r.status === 200],
  ])('reads it once when %s', async ([, end, after], { api, kubeconfig }) => {
    const ns = `eof-${seq + 1}`;
    const p = pod(api, ns);
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitUntil(() => follows(api, p)().length >= 1);
    writeEnding(p);
    await run.waitForStdout((t) => t.includes('"req-0"'));
    end(api, p);
    await api.waitForRequest(after(api, p)); // the follower has seen the end and looked again
    run.interrupt();
    const { code, stdout } = await run.exited;
    expect(requestIds(stdout)).toEqual(['req-0', 'req-1']);
    expect(lineCounts(parseNdjson(stdout).report)).toMatchObject({ lines: 2, records: 2 });
    expect(code).toBe(0);
  });
});
