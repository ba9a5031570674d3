// `egress-audit watch` and a log follow whose far end died without a FIN or RST (fake API server): the
// node or the path behind the API server is gone, so the stream stays open and silent forever, even after
// the container it followed has stopped. Silence alone is no sign (a pod may log nothing for hours); a
// follow still open DEAD_FOLLOW_MS after the API says its instance is over is taken as dead, and the log
// is read again (the old instance's tail with previous=true, then the new instance), each line once.
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import type { FakeApiServer } from '../fake-apiserver/index.js';
import { KEEPALIVE_IDLE_MS } from '../../src/sources/kube/kube-http.js';
import { clusterIt, internalLine, lineCounts, parseNdjson, startWatch } from './helpers.js';

/** The dead-follow delay of these runs (EGRESS_AUDIT_TEST_DEAD_FOLLOW_MS, read by connectCluster); log-reader-dead-follow.test.ts checks the 10 s default. */
const DEAD_FOLLOW_MS = 2000;

const logRequests = (api: FakeApiServer, name: string): Record<string, string>[] =>
  api.requests.filter((r) => r.subresource === 'log' && r.namespace === 'dead' && r.name === name && r.status === 200).map((r) => r.query);

describe.concurrent('watch: a log follow that died silently (fake API server)', () => {
  clusterIt('ends a follow still silent DEAD_FOLLOW_MS after its container restarted, reads the old tail and follows the new instance', async ({ api, kubeconfig }) => {
    const pod = api.addPod({ namespace: 'dead', name: 'cart-1', ip: '10.108.13.1', containers: ['app', 'istio-proxy'] });
    api.addPod({ namespace: 'dead', name: 'cart-2', ip: '10.108.13.2', containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'dead', '--gateway-namespace', 'dead-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig, EGRESS_AUDIT_TEST_DEAD_FOLLOW_MS: String(DEAD_FOLLOW_MS) });
    await api.waitForStreams({ kind: 'log', namespace: 'dead', pod: 'cart-1' });
    await api.waitForStreams({ kind: 'log', namespace: 'dead', pod: 'cart-2' });
    expect(api.freezeStreams({ namespace: 'dead', pod: 'cart-1' })).toBe(1);
    const at = new Date();
    pod.appendLog('istio-proxy', [internalLine(at, 1)]); // logged, never sent on the dead stream
    pod.restart('istio-proxy');
    pod.appendLog('istio-proxy', [internalLine(at, 2)]);
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after 25 s; stderr:\n${run.stderr()}`)), 25_000));
    await Promise.race([run.waitForStdout((t) => t.includes('"req-1"') && t.includes('"req-2"')), deadline]);
    run.interrupt();
    const { stdout, stderr } = await run.exited;
    expect(lineCounts(parseNdjson(stdout).report)).toMatchObject({ lines: 2, records: 2 });
    expect(stderr).toContain(`the log stream of dead/cart-1 stayed open and silent ${DEAD_FOLLOW_MS / 1000}s after the API said that istio-proxy instance was over`);
    expect(logRequests(api, 'cart-1').filter((q) => q['previous'] === 'true')).toHaveLength(1);
    // The pod that logged nothing (but is still running) kept its one follow.
    expect(logRequests(api, 'cart-2').filter((q) => q['follow'] === 'true')).toHaveLength(1);
  }, 40_000);
});

/** The kernel's timer on a loopback TCP socket (Linux /proc/net/tcp): `tr` 2 is the keepalive timer, `when` in 1/100 s. */
function tcpTimer(localPort: number, remotePort: number): { tr: number; whenS: number } | null {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(`:${hex(localPort)}`) !== true || f[2]?.endsWith(`:${hex(remotePort)}`) !== true) continue;
    const [tr, when] = (f[5] as string).split(':');
    return { tr: parseInt(tr as string, 16), whenS: parseInt(when as string, 16) / 100 };
  }
  return null;
}

describe.concurrent('watch: TCP keepalive on the log sockets (fake API server, Linux /proc)', () => {
  clusterIt.runIf(process.platform === 'linux')('arms the keepalive timer of an idle log follow with a delay of at most 30 s', async ({ api, kubeconfig }) => {
    api.addPod({ namespace: 'ka', name: 'cart-1', ip: '10.108.13.9', containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'ka', '--gateway-namespace', 'ka-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'ka', pod: 'cart-1' });
    const [port] = api.clientPorts({ kind: 'log', namespace: 'ka', pod: 'cart-1' });
    const timer = tcpTimer(port as number, api.port);
    run.interrupt();
    await run.exited;
    expect(timer?.tr).toBe(2);
    expect(timer?.whenS).toBeGreaterThan(0);
    expect(timer?.whenS).toBeLessThanOrEqual(KEEPALIVE_IDLE_MS / 1000);
  });
});
