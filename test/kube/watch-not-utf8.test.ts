// A pod that logs in Latin-1 (a legacy application's user agent) has its bytes read as U+FFFD under `watch` as under
// `audit`: both must say so alike, with the same coverage.lines.notUtf8 and the same not-utf8 warning naming the stream,
// and watch's closing summary line counts them. Real binary against the fake API server, which serves the bytes as written.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { clusterIt, parseNdjson, seed000Pair, SEED000, startWatch, tempDir, warnings } from './helpers.js';

/** Seed 000's sidecar line with a user agent written in Latin-1 where the entry has `"-"`: the one byte 0xE9 for `é`. */
function withUserAgent(line: string): string {
  return line.replace('"-" "-" "-" "-"', '"-" "caf\u00e9-agent/1.0" "-" "-"');
}

describe('watch: bytes of a pod log that are not UTF-8 are counted and said, as audit says them (fake API server)', () => {
  clusterIt('gives the same notUtf8 count and not-utf8 warning as audit of the same bytes, and says it on stderr', async ({ api, kubeconfig }) => {
    const client = api.addPod({ namespace: 'latin', name: 'sleep-1', ip: SEED000.clientIp, containers: ['app', 'istio-proxy'] });
    const gw = api.addPod({ namespace: 'latin-gw', name: 'egw-1', ip: SEED000.gatewayIp, labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    const run = startWatch(['-n', 'latin', '--gateway-namespace', 'latin-gw', '-o', 'ndjson', '--window', '1s'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'latin', pod: 'sleep-1' });
    await api.waitForStreams({ kind: 'log', namespace: 'latin-gw', pod: 'egw-1' });
    const pair = seed000Pair(new Date());
    const sidecar = withUserAgent(pair.sidecar);
    client.appendLog('istio-proxy', [sidecar], { latin1: true });
    gw.appendLog('istio-proxy', [pair.gateway]);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const done = await run.exited;
    const { flows, report } = parseNdjson(done.stdout);
    const lines = (report['coverage'] as { lines: { records: number; notUtf8?: number } }).lines;
    expect(flows.map((f) => f['verdict'])).toEqual(['via-gateway']);
    expect(lines).toMatchObject({ records: 2, notUtf8: 1 }); // absent before f84a23e: the replaced byte was not said
    const live = warnings(report).find((w) => w.code === 'not-utf8')?.message;
    expect(live).toContain('pod/latin/sleep-1/istio-proxy (1)');
    expect(done.stderr).toContain('1 held bytes that are not UTF-8 (read as U+FFFD)');

    // The same bytes offline.
    const dir = tempDir('watch-not-utf8-');
    writeFileSync(join(dir, 'sidecar.log'), Buffer.from(`${sidecar}\n`, 'latin1'));
    writeFileSync(join(dir, 'egress-gateway.log'), `${pair.gateway}\n`);
    const audit = await runCli(['audit', '-o', 'json', '--sidecar', join(dir, 'sidecar.log'), '--gateway', join(dir, 'egress-gateway.log')]);
    const offline = JSON.parse(audit.stdout) as { coverage: { lines: { notUtf8?: number }; warnings: { code: string; message: string }[] } };
    expect(offline.coverage.lines.notUtf8).toBe(lines.notUtf8);
    const saved = offline.coverage.warnings.find((w) => w.code === 'not-utf8')?.message;
    expect(saved?.replace(join(dir, 'sidecar.log'), 'STREAM')).toBe(live?.replace('pod/latin/sleep-1/istio-proxy', 'STREAM'));
  });
});
