// `watch` (fake API server) and `audit` over the same lines saved as `kubectl logs --prefix --timestamps` saves them give
// the same gateway-endpoint-outside-mesh warning when the egress gateway's Service is not named like one: `audit` learns
// it before it starts (its role sample), `watch` only when a sidecar entry reaches the gateway pod by it, here after an
// entry to it that reached an address outside the mesh. Before, watch never counted that entry and said nothing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { clusterIt, parseNdjson, SEED000, startWatch, tempDir, verdictCounts, warnings } from './helpers.js';

const SERVICE = 'egress.istio-system.svc.cluster.local';
const CODE = 'gateway-endpoint-outside-mesh';

/** A sidecar entry to the Service that reached 34.120.0.9 (outside the mesh), then seed 000's pair sent through it, half a second later. */
function lines(at: Date): { outside: string; sidecar: string; gateway: string } {
  const t = (ms: number): string => new Date(at.getTime() + ms).toISOString();
  return {
    outside: `[${t(0)}] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "34.120.0.9:2234" outbound|2234||${SERVICE} 10.108.0.56:33700 192.168.0.78:1234 10.108.0.56:50897 - -`,
    sidecar: `[${t(500)}] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "${SEED000.gatewayIp}:2234" outbound|2234||${SERVICE} 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -`,
    gateway: `[${t(501)}] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.108.0.55:49356 10.108.0.55:2234 10.108.0.56:33706 - -`,
  };
}

describe('watch and audit on the same lines: gateway-endpoint-outside-mesh (fake API server)', () => {
  clusterIt('give the same warning for a gateway Service learned from the lines, after the entry it counts', async ({ api, kubeconfig }) => {
    const client = api.addPod({ namespace: 'shop', name: 'sleep-1', ip: SEED000.clientIp, containers: ['app', 'istio-proxy'] });
    const gw = api.addPod({ namespace: 'istio-system', name: 'istio-egressgateway-1', ip: SEED000.gatewayIp, labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    const common = ['--mesh-cidr', '10.108.0.0/16', '--window', '1s', '--fail-on', 'none'];
    const run = startWatch(['-n', 'shop', '-o', 'ndjson', ...common], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'shop', pod: 'sleep-1' });
    await api.waitForStreams({ kind: 'log', namespace: 'istio-system', pod: 'istio-egressgateway-1' });
    const at = new Date();
    const l = lines(at);
    client.appendLog('istio-proxy', [l.outside, l.sidecar], at);
    gw.appendLog('istio-proxy', [l.gateway], at);
    await run.waitForStdout((t) => (t.match(/"type":"flow"/g) ?? []).length >= 2);
    run.interrupt();
    const watched = parseNdjson((await run.exited).stdout);
    expect(verdictCounts(watched.flows)).toEqual({ direct: 1, 'via-gateway': 1 });

    const saved = join(tempDir(), 'logs.txt');
    const prefixed = (pod: string, line: string): string => `[pod/${pod}/istio-proxy] ${at.toISOString()} ${line}`;
    writeFileSync(saved, `${[prefixed('sleep-1', l.outside), prefixed('sleep-1', l.sidecar), prefixed('istio-egressgateway-1', l.gateway)].join('\n')}\n`);
    const audited = JSON.parse((await runCli(['audit', saved, '-o', 'json', ...common])).stdout) as { summary: { verdicts: Record<string, number> }; coverage: { warnings: { code: string; message: string }[] } };
    expect(audited.summary.verdicts).toMatchObject({ direct: 1, 'via-gateway': 1 });

    const fromAudit = audited.coverage.warnings.find((w) => w.code === CODE);
    expect(fromAudit?.message).toMatch(new RegExp(`^1 sidecar entry sent to the egress gateway Service ${SERVICE.replaceAll('.', '\\.')} reached 34\\.120\\.0\\.9, outside the mesh ranges given`));
    expect(warnings(watched.report).find((w) => w.code === CODE)).toEqual(fromAudit);
  });
});
