// `watch` (fake API server) and `audit` over the same lines give a sidecar's UH entry to an egress gateway Service not
// named like one the same verdict. `audit` learns the Service before it starts (a sidecar entry to it reaches the gateway
// pod); `watch` now knows it from the start, by the Service's selector picking the gateway pod. Before, watch said
// internal (the entry came before any that revealed the Service), audit via-gateway-unconfirmed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { clusterIt, parseNdjson, SEED000, startWatch, tempDir } from './helpers.js';

const SERVICE = 'egress.istio-system.svc.cluster.local';
const DECOY = 'egress.shop.svc.cluster.local';

/** A 503 UH from the client pod to `host`, whose ClusterIP `clusterIp` the app dialled. */
function noHealthyUpstream(at: Date, host: string, clusterIp: string, port: number): string {
  return `[${at.toISOString()}] "GET / HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 0 - "-" "curl/7.64.0" "7f1c8b0e-3d2a-9b4c-8e6f-0a1b2c3d4e5${port % 10}" "${host}" "-" outbound|80||${host} - ${clusterIp}:80 ${SEED000.clientIp}:${port} - default`;
}

/** The UH entries (to the gateway Service, then to a Service of the same name and selector in another namespace), then seed 000's pair sent through the gateway Service. */
function lines(at: Date): { sidecar: string[]; gateway: string } {
  const t = (ms: number): string => new Date(at.getTime() + ms).toISOString();
  return {
    sidecar: [
      noHealthyUpstream(at, SERVICE, '10.96.0.40', 55730),
      noHealthyUpstream(new Date(at.getTime() + 1), DECOY, '10.96.0.41', 55731),
      `[${t(500)}] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "${SEED000.gatewayIp}:2234" outbound|2234||${SERVICE} 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -`,
    ],
    gateway: `[${t(501)}] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.108.0.55:49356 10.108.0.55:2234 10.108.0.56:33706 - -`,
  };
}

const hostVerdicts = (flows: { destination: { host: string }; verdict: string }[]): string[][] =>
  flows.map((f) => [f.destination.host, f.verdict]).sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));

describe('watch and audit on the same lines: a UH entry to an egress gateway Service not named like one (fake API server)', () => {
  clusterIt('is via-gateway-unconfirmed in both: watch knows the Service by its selector from the start', async ({ api, kubeconfig }) => {
    const client = api.addPod({ namespace: 'shop', name: 'sleep-1', ip: SEED000.clientIp, containers: ['app', 'istio-proxy'] });
    const gw = api.addPod({ namespace: 'istio-system', name: 'istio-egressgateway-1', ip: SEED000.gatewayIp, labels: { istio: 'egressgateway', app: 'istio-egressgateway' }, containers: ['istio-proxy'] });
    api.addService({ namespace: 'istio-system', name: 'egress', spec: { clusterIP: '10.96.0.40', selector: { istio: 'egressgateway' } } });
    api.addService({ namespace: 'shop', name: 'egress', spec: { clusterIP: '10.96.0.41', selector: { istio: 'egressgateway' } } });
    const common = ['--window', '1s', '--fail-on', 'none'];
    const run = startWatch(['-n', 'shop', '-o', 'ndjson', ...common], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'shop', pod: 'sleep-1' });
    await api.waitForStreams({ kind: 'log', namespace: 'istio-system', pod: 'istio-egressgateway-1' });
    const at = new Date();
    const l = lines(at);
    client.appendLog('istio-proxy', l.sidecar, at);
    gw.appendLog('istio-proxy', [l.gateway], at);
    await run.waitForStdout((t) => (t.match(/"type":"flow"/g) ?? []).length >= 3);
    run.interrupt();
    const watched = hostVerdicts(parseNdjson((await run.exited).stdout).flows as never);

    const saved = join(tempDir(), 'logs.txt');
    const prefixed = (pod: string, line: string): string => `[pod/${pod}/istio-proxy] ${at.toISOString()} ${line}`;
    writeFileSync(saved, `${[...l.sidecar.map((s) => prefixed('sleep-1', s)), prefixed('istio-egressgateway-1', l.gateway)].join('\n')}\n`);
    const audited = hostVerdicts(parseNdjson((await runCli(['audit', saved, '-o', 'ndjson', ...common])).stdout).flows as never);
    expect(watched).toEqual([
      [SERVICE, 'via-gateway-unconfirmed'],
      [DECOY, 'internal'],
      ['my.server.com', 'via-gateway'],
    ]);
    expect(audited).toEqual(watched);
  });
});
