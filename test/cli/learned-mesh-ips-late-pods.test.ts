// A log-pipeline export holds every pod's lines in one file: a pod first seen after the role sample still teaches its own address.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SAMPLE_RECORDS } from '../../src/pipeline/prescan.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const SCENARIO = fileURLToPath(new URL('../../fixtures/scenarios/ipv6-global-pod-ips-pod-to-pod/', import.meta.url));
const lines = (file: string): string[] => readFileSync(join(SCENARIO, file), 'utf8').split('\n').filter((l) => l.length > 0);

/** One Vector kubernetes_logs record (as bench/write-inputs.ts vectorRecords writes them). */
function vector(pod: string, message: string): string {
  return JSON.stringify({ kubernetes: { container_name: 'istio-proxy', pod_name: pod, pod_namespace: 'default' }, message, source_type: 'kubernetes_logs', stream: 'stdout', timestamp: '2021-06-08T03:15:00.000Z' });
}

/**
 * Twice a sample's worth of a filler pod's lines (its calls to a Service, from its global address), then productpage calling
 * reviews (both with global unicast IPv6 addresses, ipv6-global-pod-ips-pod-to-pod), then reviews' own lines.
 */
function export_(): string {
  const filler = '[2021-06-08T03:14:00.000Z] "GET /ratings/0 HTTP/1.1" 200 - via_upstream - "-" 0 48 3 2 "-" "Go-http-client/1.1" "00000000-0000-4000-8000-000000000000" "ratings.default.svc.cluster.local:9080" "[2600:1f14:abc:de00:4::7]:9080" outbound|9080||ratings.default.svc.cluster.local [2600:1f14:abc:de00:9::5]:47120 [fd12:3456:789a::12]:9080 [2600:1f14:abc:de00:9::5]:38810 - default';
  const rows = Array.from({ length: 2 * SAMPLE_RECORDS }, () => vector('filler-7c9d-abcde', filler));
  rows.push(...lines('productpage-sidecar.log').map((l) => vector('productpage-v1-6b7f-x2x9k', l)));
  rows.push(...lines('reviews-sidecar.log').map((l) => vector('reviews-v1-5d8f-qq2zn', l)));
  const file = join(tempDir('ea-late-pods-'), 'vector.jsonl');
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

/** Filler as export_() writes it, then a sleep pod's call to ratings from its global address: its only line, past the sample. */
function exportWithLateSleep(): string {
  const filler = '[2021-06-08T03:14:00.000Z] "GET /ratings/0 HTTP/1.1" 200 - via_upstream - "-" 0 48 3 2 "-" "Go-http-client/1.1" "00000000-0000-4000-8000-000000000000" "ratings.default.svc.cluster.local:9080" "[2600:1f14:abc:de00:4::7]:9080" outbound|9080||ratings.default.svc.cluster.local [2600:1f14:abc:de00:9::5]:47120 [fd12:3456:789a::12]:9080 [2600:1f14:abc:de00:9::5]:38810 - default';
  const sleep = '[2021-06-08T03:14:01.000Z] "GET /ratings/1 HTTP/1.1" 200 - via_upstream - "-" 0 48 3 2 "-" "curl/7.64.0" "00000000-0000-4000-8000-000000000001" "ratings.default.svc.cluster.local:9080" "[2600:1f14:abc:de00:4::7]:9080" outbound|9080||ratings.default.svc.cluster.local [2600:1f14:abc:de00:1::22]:47300 [fd12:3456:789a::12]:9080 [2600:1f14:abc:de00:1::22]:38900 - default';
  const rows = Array.from({ length: 2 * SAMPLE_RECORDS }, () => vector('filler-7c9d-abcde', filler));
  rows.push(vector('sleep-7c7db887d8-9dnd7', sleep));
  const dir = tempDir('ea-late-caller-');
  writeFileSync(join(dir, 'vector.jsonl'), rows.join('\n') + '\n');
  return dir;
}

describe('own addresses of pods first seen after the role sample (a pipeline export)', () => {
  it("names a gateway entry's caller by a pod first seen past the sample, whose own sidecar entry of that call is missing", async () => {
    const dir = exportWithLateSleep();
    // The gateway's entry of a call from the sleep pod (2600:1f14:abc:de00:1::22), from ipv6-global-pod-ips-via-gateway.
    const gateway = join(dir, 'egress-gateway.log');
    const VIA = fileURLToPath(new URL('../../fixtures/scenarios/ipv6-global-pod-ips-via-gateway/egress-gateway.log', import.meta.url));
    writeFileSync(gateway, `${readFileSync(VIA, 'utf8').split('\n')[0]}\n`);
    const res = await runCli(['audit', join(dir, 'vector.jsonl'), gateway, '-o', 'ndjson', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    const gatewayOnly = ndjson(res.stdout).filter((f) => f['type'] === 'flow' && f['verdict'] === 'gateway-only');
    // It used to show only the address: the sleep pod's address was learned from its sample alone, and it had none.
    expect(gatewayOnly.map((f) => f['source'] as { pod: string | null; namespace: string | null })).toEqual([expect.objectContaining({ pod: 'sleep-7c7db887d8-9dnd7', namespace: 'default' })]);
  });

  it("keeps productpage's calls to reviews internal: reviews' address is learned from its lines after the sample", async () => {
    const file = export_();
    const res = await runCli(['audit', file, '-o', 'ndjson', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    const rules = ndjson(res.stdout)
      .filter((f) => f['type'] === 'flow' && (f['source'] as { pod: string }).pod === 'productpage-v1-6b7f-x2x9k')
      .map((f) => f['rule'] as string)
      .filter((rule) => !rule.startsWith('inbound/')); // reviews' own entries of those calls
    expect(rules.sort()).toEqual(['direct/passthrough-cluster', 'internal/mesh-service', 'internal/passthrough-to-mesh']);
  });
});
