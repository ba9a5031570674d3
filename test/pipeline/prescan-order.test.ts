// The role sample reads streams a few at once (a directory of small logs waited on one file at a time): what it
// decides and what it says must be as when they were read one after another, whatever order their reads end in.
import { describe, expect, it } from 'vitest';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { resolveRoles, SAMPLE_RECORDS } from '../../src/pipeline/prescan.js';
import type { LogStream } from '../../src/types.js';
import { PIPELINE_SETTINGS } from '../helpers/pipeline.js';

/** A pod's call to a Service from its public own address `own` (so its file is read on past the sample, for own addresses). */
const call = (own: string): string => `[2021-06-08T03:14:00.000Z] "GET /ratings/0 HTTP/1.1" 200 - via_upstream - "-" 0 48 3 2 "-" "Go-http-client/1.1" "-" "ratings.default.svc.cluster.local:9080" "[2600:1f14:abc:de00:4::7]:9080" outbound|9080||ratings.default.svc.cluster.local ${own}:47120 [fd12:3456:789a::12]:9080 ${own}:38810 - default`;

function vector(pod: string, message: string): string {
  return JSON.stringify({ kubernetes: { container_name: 'istio-proxy', pod_name: pod, pod_namespace: 'default' }, message, source_type: 'kubernetes_logs', stream: 'stdout' });
}

/** Resolves after `n` turns of the event loop. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Multi-pod export files named a.jsonl, b.jsonl, …: twice a sample of one pod's lines, then another pod's. With `late`,
 * each file's first chunk comes later the earlier it is named, so their samples end in the reverse of their order.
 */
function exports(late: boolean): LogStream[] {
  return ['a', 'b', 'c', 'd', 'e'].map((name, i, all) => {
    const own = `[2600:1f14:abc:de00:9::${i + 1}]`;
    const rows = Array.from({ length: 2 * SAMPLE_RECORDS }, () => vector(`${name}-first-7c9d-abcde`, call(own)));
    rows.push(vector(`${name}-late-5d8f-qq2zn`, call(`[2600:1f14:abc:de00:8::${i + 1}]`)));
    const bytes = Buffer.from(rows.join('\n') + '\n');
    return {
      info: { name: `${name}.jsonl`, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: bytes.length },
      chunks: async function* () {
        if (late) await ticks(4 * (all.length - i));
        for (let at = 0; at < bytes.length; at += 64 << 10) yield bytes.subarray(at, at + (64 << 10));
      },
    };
  });
}

async function resolve(late: boolean): Promise<{ readOn: string[]; meshIps: string[]; pods: string[]; assignments: string[]; streams: string[] }> {
  const readOn: string[] = [];
  const { resolution, streams } = await resolveRoles(exports(late), resolveFormat('auto') as FormatSpec, 65536, PIPELINE_SETTINGS, new AbortController().signal, { onReadOn: (name) => readOn.push(name) });
  return {
    readOn,
    meshIps: resolution.learnedMeshIps,
    pods: [...resolution.learnedPods].map(([ip, pod]) => `${ip} ${pod.namespace}/${pod.name}`),
    assignments: [...resolution.assignments].map(([key, a]) => `${key} ${a.role} ${a.rule}`),
    streams: streams.map((s) => s.info.name),
  };
}

describe('role sample of streams read a few at once', () => {
  it('says, learns and decides as in the order the streams are named when their reads end in reverse order', async () => {
    const inOrder = await resolve(false);
    const reversed = await resolve(true);
    expect(inOrder.readOn).toEqual(['a.jsonl', 'b.jsonl', 'c.jsonl', 'd.jsonl', 'e.jsonl']);
    expect(inOrder.meshIps).toHaveLength(10); // each file read on: its late pod's own address learned too
    expect(reversed).toEqual(inOrder);
  });
});
