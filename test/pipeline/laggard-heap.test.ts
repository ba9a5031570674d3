// The merge by log time over very many inputs (a node's whole /var/log/pods: tens of thousands of small files). Each
// chunk scanned every open stream for the one furthest behind and for the watermark, and the coverage looked up each
// stream's role in every role, so 30,000 two-line files took 98 s, most of it in those scans; the heap and the role
// index make both O(log n) and O(1) per stream, picking the same streams in the same order.
import { describe, expect, it } from 'vitest';
import { LaggardHeap, type MergedStream } from '../../src/pipeline/laggard-heap.js';
import { runOffline } from '../../src/pipeline/offline-driver.js';
import type { StreamFacts } from '../../src/pipeline/audit-pipeline.js';
import { buildCoverage, type CoverageFacts } from '../../src/run/coverage.js';
import { rolesByStream, streamRole } from '../../src/run/coverage/inputs.js';
import type { LogStream, RoleAssignment } from '../../src/types.js';
import { emptyCoverageFacts } from '../helpers/coverage-facts.js';
import { sidecarPipeline } from '../helpers/pipeline.js';
import { seeded } from '../helpers/random.js';

/** The scan the heap replaced: the stream furthest behind, the first named among equals. */
function scanned<T extends MergedStream>(active: T[]): T {
  let best = active[0] as T;
  for (const c of active) if (c.state.progressMs < best.state.progressMs || (c.state.progressMs === best.state.progressMs && c.order < best.order)) best = c;
  return best;
}

describe('LaggardHeap', () => {
  it('picks the stream furthest behind (the first named among equals) as a scan of every stream does, and the same watermark', () => {
    const random = seeded(7);
    const streams: MergedStream[] = Array.from({ length: 200 }, (_, order) => ({ state: { progressMs: Number.NEGATIVE_INFINITY, unordered: null }, order }));
    const heap = new LaggardHeap(streams);
    const left = [...streams];
    let unordered = 0;
    while (left.length > 0) {
      const expected = scanned(left);
      expect(heap.laggard).toBe(expected);
      const minimum = Math.min(...left.map((s) => s.state.progressMs));
      expect(heap.watermark).toBe(unordered > 0 ? Number.NEGATIVE_INFINITY : minimum);
      if (random() < 0.1) {
        if (expected.state.unordered !== null) unordered--;
        left.splice(left.indexOf(expected), 1);
        heap.removeLaggard();
        continue;
      }
      const wasOrdered = expected.state.unordered === null;
      // Log time only moves on, often to a time another stream is at (ties), and now and then a stream finds itself out of order.
      expected.state.progressMs = Math.max(expected.state.progressMs, Math.floor(random() * 50) * 10);
      if (wasOrdered && random() < 0.01) {
        expected.state.unordered = 'went back';
        unordered++;
      }
      heap.laggardMoved(wasOrdered);
    }
    expect(heap.size).toBe(0);
    expect(heap.watermark).toBe(Number.POSITIVE_INFINITY);
  });
});

const RECORD = '[2026-11-02T09:00:00.009Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster 10.244.1.18:40494 151.101.0.223:443 10.244.1.18:48604 pypi.org -\n';

/** A small file of one record (too small to be probed: read in the merge). */
function stream(name: string): LogStream {
  return {
    info: { name, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: 1000 },
    readAt: async () => [],
    async *chunks() {
      yield Buffer.from(RECORD);
    },
  };
}

describe('a merge of thousands of inputs', () => {
  it('looks at each stream\'s log time a few dozen times, not once per chunk of every other stream', async () => {
    const pipeline = sidecarPipeline();
    let reads = 0;
    const open = pipeline.open.bind(pipeline);
    pipeline.open = (info, plan) => {
      const state = open(info, plan);
      let progress = state.progressMs;
      Object.defineProperty(state, 'progressMs', { get: () => (reads++, progress), set: (v: number) => { progress = v; } });
      return state;
    };
    const count = 2000;
    await runOffline(pipeline, Array.from({ length: count }, (_, i) => stream(`app-${i}.log`)), new AbortController().signal);
    expect(pipeline.streamFacts().every((s) => s.records === 1 && s.error === null)).toBe(true);
    // A scan of the open streams per chunk read it 30 million times here; the heap ~130 times per stream.
    expect(reads).toBeLessThan(count * 400);
  });
});

function facts(streams: StreamFacts[], roles: Map<string, RoleAssignment>): CoverageFacts {
  const empty = emptyCoverageFacts();
  const records = streams.reduce((n, s) => n + s.records, 0);
  return { ...empty, lines: { ...empty.lines, lines: records, records }, streams, roles, verdicts: { ...empty.verdicts, direct: records }, plainRecords: records };
}

function streamFacts(name: string, records: number): StreamFacts {
  return {
    name, kind: 'file', container: null, walked: true, namespace: null, lines: records, records, error: null, stopped: false, lateJump: null, strays: null, late: null, unordered: null, backwards: false, copied: false, headUnjudged: false, probed: true,
    nulPadded: 0, notUtf8: 0, notAccessLog: 0, ztunnel: 0, jsonArray: null, blankLines: 0, duplicates: 0, ansiLines: 0, prettyJsonOpens: 0, unknownEnvelopes: 0, ambiguousLines: 0, firstAmbiguousLine: null,
  firstUnparsedLine: null, otherContainers: [], firstMs: 0, lastMs: 0,
    plainRecords: records,
  };
}

/** A role map that counts the entries its iteration walks. */
class CountingMap<K, V> extends Map<K, V> {
  walked = 0;
  override *[Symbol.iterator](): MapIterator<[K, V]> {
    for (const entry of super.entries()) {
      this.walked++;
      yield entry;
    }
  }
  override entries(): MapIterator<[K, V]> {
    return this[Symbol.iterator]();
  }
}

describe('the coverage of thousands of inputs', () => {
  const SIDECAR: RoleAssignment = { role: 'sidecar', rule: 'content', detail: '' };
  const GATEWAY: RoleAssignment = { role: 'egress-gateway', rule: 'pod-name', detail: '' };

  it('gives each input its own role, its pods\' (`name#pod`) and a name holding `#` alike, as before', () => {
    const roles = new Map<string, RoleAssignment>([
      ['a.log', SIDECAR],
      ['p.log#app-1', SIDECAR],
      ['p.log#istio-egressgateway-1', GATEWAY],
      ['x#y.log', GATEWAY],
      ['x#y.log#pod', GATEWAY],
    ]);
    const byStream = rolesByStream(roles);
    expect(streamRole('a.log', byStream)).toEqual({ role: 'sidecar', roleRule: 'content' });
    expect(streamRole('p.log', byStream)).toEqual({ role: 'mixed', roleRule: 'per-pod' });
    expect(streamRole('x#y.log', byStream)).toEqual({ role: 'egress-gateway', roleRule: 'pod-name' });
    expect(streamRole('x', byStream)).toEqual({ role: 'egress-gateway', roleRule: 'pod-name' });
    expect(streamRole('b.log', byStream)).toEqual({ role: 'unknown', roleRule: 'none' });
  });

  it('walks the roles a few times in all, not once per input', () => {
    const count = 3000;
    const roles = new CountingMap<string, RoleAssignment>();
    const streams = Array.from({ length: count }, (_, i) => {
      roles.set(`app-${i}.log`, SIDECAR);
      return streamFacts(`app-${i}.log`, i === 0 ? 0 : 2);
    });
    const coverage = buildCoverage(facts(streams, roles));
    expect(coverage.streams[1]).toMatchObject({ name: 'app-1.log', role: 'sidecar', roleRule: 'content' });
    // Per input: 9 million entries walked for 3,000 inputs.
    expect(roles.walked).toBeLessThan(count * 10);
  });
});
