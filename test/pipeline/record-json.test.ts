import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { offlineContext } from '../../src/engine/index.js';
import { AuditPipeline } from '../../src/pipeline/audit-pipeline.js';
import { EntryBuilder, type BuiltEntry } from '../../src/pipeline/entry-builder.js';
import { runOffline } from '../../src/pipeline/offline-driver.js';
import { flowJson } from '../../src/report/flow-json.js';
import { StreamReader } from '../../src/lines/stream-reader.js';
import type { AuditSettings, Flow, LogStream, StreamInfo } from '../../src/types.js';

const settings: AuditSettings = { meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: ['*egressgateway*'], gatewayNamespaces: [], windowMs: 5000, maxPending: 200_000 };
const scenario = (p: string): string => fileURLToPath(new URL(`../../fixtures/scenarios/${p}`, import.meta.url));

function info(name: string): StreamInfo {
  return { name, kind: 'file', pod: null, namespace: null, container: null, labels: null, role: null, size: null };
}

/** Entries of a file as the pipeline's builder makes them. */
function entries(path: string, withJson: boolean): BuiltEntry[] {
  const i = info(path);
  const builder = new EntryBuilder(i, () => 'sidecar', withJson);
  const out: BuiltEntry[] = [];
  const reader = new StreamReader({ info: i, spec: resolveFormat('auto') as FormatSpec, maxLineLength: 65536, onRecord: (view, line, raw) => void out.push(builder.build(view, line, raw)) });
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

  it('decodes to the record JSON on demand, written once', () => {
    const built = entries(path, true);
    expect(built.length).toBeGreaterThan(0);
    for (const e of built) {
      const record = JSON.parse(e.json) as { source: { line: number } };
      expect(record.source.line).toBe(e.line);
      expect(e.jsonBytes).toBe(e.jsonBytes);
    }
  });

  it('has no record JSON when no output needs it', () => {
    for (const e of entries(path, false)) {
      expect(e.jsonBytes).toBeNull();
      expect(e.json).toBe('');
    }
  });
});

describe('the offline run', () => {
  it('decides the same flows, in the same order, whatever order the files are named in', async () => {
    const paths = [scenario('seed-000-via-gateway-tcp/sidecar.log'), scenario('seed-000-via-gateway-tcp/egress-gateway.log')];
    const flows = await audit(paths, 256);
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.some((f) => f.includes('"verdict":"via-gateway"'))).toBe(true);
    expect(await audit(paths.slice().reverse(), 256)).toEqual(flows);
  });
});
