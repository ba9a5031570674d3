// `--duration` and `--since` at the far end of their range (fake API server): a duration longer than a
// 32-bit millisecond timer (~24.8 days) must not stop the run at once, and a --since reaching before 1970
// must still give the API server a valid start (sinceSeconds back to 1970, not before).
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import type { FakeApiServer, FakePod } from '../fake-apiserver/index.js';
import { clusterIt, internalLine, lineCounts, parseNdjson, startWatch } from './helpers.js';

function pod(api: FakeApiServer, namespace: string, ip: string): FakePod {
  return api.addPod({ namespace, name: 'cart-1', ip, containers: ['app', 'istio-proxy'] });
}

/** A follow of the namespace's pod was answered (with any status, so a refused one fails the test, not its timeout). */
const followed = (api: FakeApiServer, ns: string) => (): boolean =>
  api.requests.some((r) => r.subresource === 'log' && r.namespace === ns && r.query['follow'] === 'true' && r.status !== undefined);

describe.concurrent('watch: --duration and --since at the ends of their range (fake API server)', () => {
  clusterIt('keeps following with a --duration longer than 24.8 days', async ({ api, kubeconfig }) => {
    const p = pod(api, 'longrun', '10.108.7.1');
    const run = startWatch(['-n', 'longrun', '--gateway-namespace', 'longrun-gw', '-o', 'ndjson', '--fail-on', 'none', '--duration', '30d'], { KUBECONFIG: kubeconfig });
    await api.waitUntil(followed(api, 'longrun'));
    const state = await Promise.race([run.exited.then(() => 'exited'), delay(2000).then(() => 'running')]);
    expect(state).toBe('running');
    p.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    expect(stderr).not.toMatch(/TimeoutOverflowWarning/);
    expect(lineCounts(parseNdjson(stdout).report).records).toBe(1);
    expect(code).toBe(0);
  });

  clusterIt('reads from the oldest line with a --since reaching before 1970', async ({ api, kubeconfig }) => {
    const p = pod(api, 'farback', '10.108.7.2');
    p.appendLog('istio-proxy', [internalLine(new Date(Date.now() - 3_600_000), 1)], new Date(Date.now() - 3_600_000));
    const run = startWatch(['-n', 'farback', '--gateway-namespace', 'farback-gw', '-o', 'ndjson', '--fail-on', 'none', '--since', '99999999h'], { KUBECONFIG: kubeconfig });
    await api.waitUntil(followed(api, 'farback'));
    run.interrupt();
    const { code, stdout } = await run.exited;
    const since = Number(api.requests.find((r) => r.subresource === 'log' && r.namespace === 'farback')?.query['sinceSeconds']);
    expect(since * 1000).toBeGreaterThanOrEqual(Date.now() - 60_000);
    expect(since * 1000).toBeLessThanOrEqual(Date.now() + 2_000);
    expect(lineCounts(parseNdjson(stdout).report).records).toBe(1);
    expect(code).toBe(0);
  });
});
