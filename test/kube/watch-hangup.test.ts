// A hang-up (an ssh session that drops, a CI runner that hangs up) ends a watch as Ctrl-C does: it used to kill the
// run with half a JSON document on stdout and no --report file. Real binary against the fake API server.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { clusterIt, parseNdjson, passthroughLine, startWatch, tempDir } from './helpers.js';

describe('watch stopped by SIGHUP (fake API server)', () => {
  clusterIt('writes every report, as at Ctrl-C, and exits 1 for the direct flow it read', async ({ api, kubeconfig }) => {
    const dir = tempDir('ea-watch-hangup-');
    const sarif = join(dir, 'egress.sarif');
    const cart = api.addPod({ namespace: 'hup', name: 'cart-1', containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'hup', '--gateway-namespace', 'hup-gw', '-o', 'ndjson', '--report', `sarif=${sarif}`], { KUBECONFIG: kubeconfig });
    await api.waitUntil(() => api.requests.some((r) => r.subresource === 'log' && r.name === 'cart-1' && r.status === 200));
    cart.appendLog('istio-proxy', [passthroughLine(new Date())]);
    await run.waitForStdout((t) => t.includes('"verdict":"direct"'));
    run.interrupt('SIGHUP');
    const { code, stdout } = await run.exited;
    expect(parseNdjson(stdout).flows.map((f) => f['verdict'])).toEqual(['direct']);
    expect(existsSync(sarif)).toBe(true);
    expect((JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: unknown[] }[] }).runs[0]?.results).toHaveLength(1);
    expect(code).toBe(1);
  });
});
