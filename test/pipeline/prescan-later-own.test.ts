// Own addresses past the role sample: a multi-pod file (a log-pipeline export) is read on for its pods' own addresses
// only when no mesh ranges are given (they stand in for them), and only a sidecar's entries teach one.
import { describe, expect, it, vi } from 'vitest';
import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { resolveRoles, SAMPLE_RECORDS } from '../../src/pipeline/prescan.js';
import type { AuditSettings, LogStream } from '../../src/types.js';
import { PIPELINE_SETTINGS } from '../helpers/pipeline.js';

/** A filler pod's call to a Service, from its own address `own`. */
const filler = (own: string): string => `[2021-06-08T03:14:00.000Z] "GET /ratings/0 HTTP/1.1" 200 - via_upstream - "-" 0 48 3 2 "-" "Go-http-client/1.1" "-" "ratings.default.svc.cluster.local:9080" "[2600:1f14:abc:de00:4::7]:9080" outbound|9080||ratings.default.svc.cluster.local ${own}:47120 [fd12:3456:789a::12]:9080 ${own}:38810 - default`;
const PUBLIC_OWN = '[2600:1f14:abc:de00:9::5]';
/** reviews' inbound entry: its own address 2600:1f14:abc:de00:3::41. */
const INBOUND = '[2021-06-08T03:15:01.102Z] "GET /reviews/0 HTTP/1.1" 200 - via_upstream - "-" 0 358 9 8 "-" "Go-http-client/1.1" "-" "reviews.default.svc.cluster.local:9080" "[2600:1f14:abc:de00:3::41]:9080" inbound|9080|| [::6]:51210 [2600:1f14:abc:de00:3::41]:9080 [2600:1f14:abc:de00:1::22]:47120 - default';
/** A gateway's entry: it arrives on 2600:1f14:abc:de00:2::18 and leaves the mesh from it. */
const GATEWAY = '[2021-06-08T03:14:07.589Z] "GET / HTTP/2" 200 - via_upstream - "-" 0 612 29 28 "-" "curl/7.64.0" "-" "nginx.external.svc.cluster.local" "40.76.65.115:443" outbound|443|v1|nginx.external.svc.cluster.local [2600:1f14:abc:de00:2::18]:36514 [2600:1f14:abc:de00:2::18]:8080 [2600:1f14:abc:de00:1::22]:41288 - -';

function vector(pod: string, message: string): string {
  return JSON.stringify({ kubernetes: { container_name: 'istio-proxy', pod_name: pod, pod_namespace: 'default' }, message, source_type: 'kubernetes_logs', stream: 'stdout' });
}

/** A file of four times a sample's worth of a filler pod's lines, then the late pods' lines. */
function exportFile(late: Array<[string, string]>, own: string): { stream: LogStream; lines: number } {
  const rows = Array.from({ length: 4 * SAMPLE_RECORDS }, () => vector('filler-7c9d-abcde', filler(own)));
  for (const [pod, line] of late) rows.push(vector(pod, line));
  const bytes = Buffer.from(rows.join('\n') + '\n');
  const stream: LogStream = {
    info: { name: 'vector.jsonl', kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: bytes.length },
    chunks: async function* () {
      for (let at = 0; at < bytes.length; at += 64 << 10) yield bytes.subarray(at, at + (64 << 10));
    },
  };
  return { stream, lines: rows.length };
}

async function resolve(late: Array<[string, string]>, settings: AuditSettings = PIPELINE_SETTINGS, own = PUBLIC_OWN): Promise<{ meshIps: string[]; parsed: number; lines: number; readOn: string[] }> {
  const { stream, lines } = exportFile(late, own);
  const parse = vi.spyOn(LineParser.prototype, 'parse');
  const readOn: string[] = [];
  try {
    const { resolution } = await resolveRoles([stream], resolveFormat('auto') as FormatSpec, 65536, settings, new AbortController().signal, { onReadOn: (name) => readOn.push(name) });
    return { meshIps: resolution.learnedMeshIps, parsed: parse.mock.calls.length, lines, readOn };
  } finally {
    parse.mockRestore();
  }
}

describe('own addresses of pods first seen past the role sample', () => {
  it("learns a late sidecar pod's own address when no mesh ranges are given", async () => {
    const { meshIps, parsed, lines, readOn } = await resolve([['reviews-v1-5d8f-qq2zn', INBOUND]]);
    expect(meshIps).toEqual(['2600:1f14:abc:de00:3::41', '2600:1f14:abc:de00:9::5']);
    expect(parsed).toBeGreaterThanOrEqual(lines);
    // The wait before the audit starts is said (audit.ts prints it on a terminal), once per file read on.
    expect(readOn).toEqual(['vector.jsonl']);
  });

  it('reads no further than the sample when mesh ranges are given (they are authoritative), so costs no more per line', async () => {
    const { meshIps, parsed, lines, readOn } = await resolve([['reviews-v1-5d8f-qq2zn', INBOUND]], { ...PIPELINE_SETTINGS, meshCidrs: ['fd12:3456:789a::/108'] });
    expect(meshIps).toEqual(['2600:1f14:abc:de00:9::5']);
    expect(parsed).toBeLessThan(lines / 2);
    expect(readOn).toEqual([]);
  });

  it("reads no further than the sample when the sampled pods' own addresses are private (inside the mesh anyway)", async () => {
    const { meshIps, parsed, lines } = await resolve([['reviews-v1-5d8f-qq2zn', INBOUND]], PIPELINE_SETTINGS, '10.244.1.5');
    expect(meshIps).toEqual(['10.244.1.5']);
    expect(parsed).toBeLessThan(lines / 2);
  });

  it("learns nothing from a late pod named like a gateway, nor from a late pod's gateway-shaped entries", async () => {
    const { meshIps } = await resolve([['istio-egressgateway-6d75-pxbn9', INBOUND], ['custom-proxy-7f9c-abcde', GATEWAY]]);
    expect(meshIps).toEqual(['2600:1f14:abc:de00:9::5']);
  });
});
