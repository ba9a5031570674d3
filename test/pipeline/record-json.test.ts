import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { offlineContext } from '../../src/engine/index.js';
import { AuditPipeline } from '../../src/pipeline/audit-pipeline.js';
import { EntryBuilder, HeldJson, type BuiltEntry } from '../../src/pipeline/entry-builder.js';
import { formatText, JsonBatch, JsonWorker } from '../../src/pipeline/json-feed.js';
import { runOffline } from '../../src/pipeline/offline-driver.js';
import { flowJson } from '../../src/report/flow-json.js';
import { StreamReader } from '../../src/lines/stream-reader.js';
import type { AuditSettings, Flow, LogStream, StreamInfo } from '../../src/types.js';
import { generateLines } from '../../bench/generate.js';

const settings: AuditSettings = { meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: ['*egressgateway*'], windowMs: 5000, maxPending: 200_000 };
const scenario = (p: string): string => fileURLToPath(new URL(`../../fixtures/scenarios/${p}`, import.meta.url));

function info(name: string): StreamInfo {
  return { name, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
}

/** Entries of a file as the pipeline's builder makes them. */
function entries(path: string, withJson: boolean): BuiltEntry[] {
  const i = info(path);
  const builder = new EntryBuilder(i, () => 'sidecar', withJson);
  const out: BuiltEntry[] = [];
  const reader = new StreamReader(i, resolveFormat('auto') as FormatSpec, 65536, (view, line, raw) => out.push(builder.build(view, line, raw)));
  reader.push(readFileSync(path));
  reader.end();
  return out;
}

/** A saved file as a stream of small chunks (so lines cross chunk boundaries). */
function chunked(path: string, size: number): LogStream {
  const bytes = readFileSync(path);
  return {
    info: info(path),
    async *chunks() {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    },
  };
}

function pipelineFor(): { pipeline: AuditPipeline; flows: Flow[] } {
  const flows: Flow[] = [];
  const pipeline = new AuditPipeline({
    spec: resolveFormat('auto') as FormatSpec,
    maxLineLength: 65536,
    settings,
    context: offlineContext(settings, []),
    roleOf: (i) => (basename(i.name).includes('gateway') ? 'egress-gateway' : 'sidecar'),
    withJson: true,
    onFlow: (f) => flows.push(f),
  });
  return { pipeline, flows };
}

async function audit(paths: string[], chunk: number): Promise<string[]> {
  const { pipeline, flows } = pipelineFor();
  await runOffline(pipeline, paths.map((p) => chunked(p, chunk)), new AbortController().signal);
  return flows.map((f) => flowJson(f));
}

describe('record JSON kept as bytes', () => {
  const path = scenario('direct-passthrough/sidecar.log');

  it('decodes to the record JSON on demand, and a detached copy stays the same', () => {
    const built = entries(path, true);
    const held = new HeldJson();
    expect(built.length).toBeGreaterThan(0);
    for (const e of built) {
      const record = JSON.parse(e.json) as { source: { line: number } };
      expect(record.source.line).toBe(e.line);
      const before = e.json;
      e.detachJson(held);
      expect(e.json).toBe(before);
    }
  });

  it('keeps held copies intact across slabs, apart from the shared slab, large ones on their own', () => {
    const held = new HeldJson();
    const shared = Buffer.alloc(8 * 1024 * 1024);
    const copies: { copy: Uint8Array; want: Buffer }[] = [];
    for (let i = 0, at = 0; i < 400; i++) {
      const size = i % 50 === 49 ? 20_000 : 100 + ((i * 37) % 900);
      const src = shared.subarray(at, at + size).fill(i % 251);
      at += size;
      copies.push({ copy: held.copy(src), want: Buffer.from(src) });
    }
    shared.fill(0); // the reader's slab is reused: held copies must not change
    for (const { copy, want } of copies) {
      expect(copy.buffer).not.toBe(shared.buffer);
      expect(Buffer.from(copy).equals(want)).toBe(true);
    }
    expect(new Set(copies.map((c) => c.copy.buffer)).size).toBeGreaterThan(4);
  });

  it('has no record JSON when no output needs it', () => {
    for (const e of entries(path, false)) {
      expect(e.jsonBytes).toBeNull();
      expect(e.json).toBe('');
    }
  });
});

describe('record JSON from the worker thread', () => {
  const result = { json: Buffer.from('{"a":1}{"b":2}{"c":3}'), ends: Int32Array.of(7, 14, 21), lines: Int32Array.of(3, 5, 9) };

  it('hands out each record by its line, and nothing for a line the worker did not see', () => {
    const batch = new JsonBatch(result);
    expect(batch.take(2)).toBeNull();
    expect(Buffer.from(batch.take(3) as Uint8Array).toString()).toBe('{"a":1}');
    expect(batch.take(4)).toBeNull();
    expect(Buffer.from(batch.take(9) as Uint8Array).toString()).toBe('{"c":3}'); // line 5 was skipped
    expect(batch.take(10)).toBeNull();
  });

  it('answers "none" when the worker cannot run, so the main thread writes the JSON', async () => {
    const worker = new JsonWorker('auto', 65536, new URL('./no-such-worker.js', import.meta.url));
    const stream = worker.stream(info('x.log'));
    expect(await worker.submit(stream, Buffer.from('line\n'))).toBeNull();
    expect(await worker.submit(stream, null)).toBeNull();
    await worker.close();
  });

  it.each([
    ['auto', 'auto'],
    ['istio-json', 'istio-json'],
    ['istio-1.5', 'istio-1.3'],
    ['a custom format', '[%START_TIME%] %UPSTREAM_HOST% %UPSTREAM_CLUSTER%'],
  ])('tells the worker the format it was given (%s)', (_name, text) => {
    const spec = resolveFormat(text) as FormatSpec;
    const again = resolveFormat(formatText(spec)) as FormatSpec;
    expect(again.kind).toBe(spec.kind);
    expect(formatText(again)).toBe(formatText(spec));
    if (spec.kind === 'custom') expect(formatText(spec)).toBe(text);
  });
});

/** The merge by log time without any read-ahead: the reference the driver must match exactly. */
async function reference(pipeline: AuditPipeline, streams: LogStream[]): Promise<void> {
  const active = streams.map((stream, order) => ({ state: pipeline.open(stream.info), chunks: stream.chunks(new AbortController().signal)[Symbol.asyncIterator](), order }));
  while (active.length > 0) {
    let c = active[0] as (typeof active)[number];
    for (const x of active) if (x.state.progressMs < c.state.progressMs || (x.state.progressMs === c.state.progressMs && x.order < c.order)) c = x;
    const next = await c.chunks.next();
    if (next.done) {
      pipeline.close(c.state);
      active.splice(active.indexOf(c), 1);
    } else pipeline.push(c.state, next.value);
    if (active.length > 0) pipeline.advance(Math.min(...active.map((x) => x.state.progressMs)));
  }
  pipeline.finish();
}

/** Generated sidecar and gateway logs (the benchmark's generator, fixed seed) as in-memory streams. */
function generated(lines: number, chunk: number): LogStream[] {
  const byRole = new Map<string, string[]>();
  for (const l of generateLines(lines, {})) byRole.set(l.role, [...(byRole.get(l.role) ?? []), l.text]);
  return [...byRole].map(([role, texts]) => {
    const bytes = Buffer.from(`${texts.join('\n')}\n`);
    return {
      info: info(`${role}.log`),
      async *chunks() {
        for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
      },
    };
  });
}

describe('the offline run', () => {
  it.each([
    ['small chunks', 1000],
    ['chunks of several lines', 4096],
  ])('processes exactly what the plain merge by log time does, in the same order (%s)', async (_name, chunk) => {
    const run = async (drive: (p: AuditPipeline, s: LogStream[]) => Promise<void>): Promise<string[]> => {
      const { pipeline, flows } = pipelineFor();
      await drive(pipeline, generated(4000, chunk));
      return flows.map((f) => flowJson(f));
    };
    const expected = await run(reference);
    expect(expected.length).toBeGreaterThan(1000);
    expect(await run((p, s) => runOffline(p, s, new AbortController().signal))).toEqual(expected);
  });

  it('decides the same flows, in the same order, whatever order the files are named in', async () => {    const paths = [scenario('seed-000-via-gateway-tcp/sidecar.log'), scenario('seed-000-via-gateway-tcp/egress-gateway.log')];
    const flows = await audit(paths, 256);
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.some((f) => f.includes('"verdict":"via-gateway"'))).toBe(true);
    expect(await audit(paths.slice().reverse(), 256)).toEqual(flows);
  });
});
