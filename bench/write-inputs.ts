import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { generateLines, type GeneratedLine, type GeneratorOptions } from './generate.js';

/** Writes generated lines to files: one mixed file, or split by role (sidecars / egress gateway). */
async function write(path: string, lines: Iterable<{ text: string }>): Promise<void> {
  const out = createWriteStream(path);
  let buf = '';
  for (const line of lines) {
    buf += `${line.text}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/** Benchmark inputs, generated once per size and kept in bench/out (deterministic: seed 1). */
export interface BenchInputs {
  text: string;
  json: string;
  sidecars: string;
  gateway: string;
  /** The same lines as a log pipeline exports them (Vector's kubernetes_logs records, every pod in one file). */
  pipeline: string;
}

/** A generated line as Vector's kubernetes_logs source records it, with the pod that wrote it. */
export function* vectorRecords(lines: Iterable<GeneratedLine>): Generator<{ text: string }> {
  for (const l of lines) {
    const kubernetes = { container_name: 'istio-proxy', pod_name: l.pod, pod_namespace: l.namespace };
    yield { text: JSON.stringify({ kubernetes, message: l.text, source_type: 'kubernetes_logs', stream: 'stdout', timestamp: new Date(l.endMs).toISOString() }) };
  }
}

function* only<T extends { role: string }>(lines: Iterable<T>, role: string): Generator<T> {
  for (const l of lines) if (l.role === role) yield l;
}

/** Generates (or reuses) `lines`-line inputs in `dir` (the JSON file and the pipeline export only when `json` is true). */
export async function benchInputs(dir: string, lines: number, options: GeneratorOptions = {}, json = true): Promise<BenchInputs> {
  mkdirSync(dir, { recursive: true });
  const tag = `${lines / 1e6}m`;
  const inputs: BenchInputs = {
    text: join(dir, `mixed-${tag}.log`),
    json: join(dir, `mixed-${tag}.json.log`),
    sidecars: join(dir, `audit-${tag}`, 'sidecars.log'),
    gateway: join(dir, `audit-${tag}`, 'istio-egressgateway.log'),
    pipeline: join(dir, `pipeline-${tag}.jsonl`),
  };
  if (!existsSync(inputs.text)) await write(inputs.text, generateLines(lines, options));
  if (json && !existsSync(inputs.json)) await write(inputs.json, generateLines(lines, { ...options, json: true }));
  if (json && !existsSync(inputs.pipeline)) await write(inputs.pipeline, vectorRecords(generateLines(lines, options)));
  if (!existsSync(inputs.gateway)) {
    mkdirSync(join(dir, `audit-${tag}`), { recursive: true });
    await write(inputs.sidecars, only(generateLines(lines, options), 'sidecar'));
    await write(inputs.gateway, only(generateLines(lines, options), 'egress-gateway'));
  }
  return inputs;
}

/** The first `n` of `items`. */
function* first<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let taken = 0;
  for (const item of items) {
    yield item;
    if (++taken >= n) return;
  }
}

/**
 * One file per pod's worth of lines, as `kubectl logs` in a loop or a node's /var/log/pods leave them: the first
 * `sidecarLines` sidecar lines and `gatewayLines` gateway lines of a `lines`-line generation (seed 1), cut every
 * `perFile` lines into side-0000, side-0001, … and egressgateway-0000, … in `dir` (written once, then reused).
 */
export function smallFiles(dir: string, lines: number, sidecarLines: number, gatewayLines: number, perFile: number, options: GeneratorOptions = {}): string {
  const done = `${dir}.complete`; // beside it: nothing in the directory but the logs
  if (existsSync(done)) return dir;
  mkdirSync(dir, { recursive: true });
  const split = (role: string, count: number, prefix: string): void => {
    let rows: string[] = [];
    let file = 0;
    const flush = (): void => {
      writeFileSync(join(dir, `${prefix}-${String(file++).padStart(4, '0')}`), `${rows.join('\n')}\n`);
      rows = [];
    };
    for (const l of first(only(generateLines(lines, options), role), count)) {
      rows.push(l.text);
      if (rows.length === perFile) flush();
    }
    if (rows.length > 0) flush();
  };
  split('sidecar', sidecarLines, 'side');
  split('egress-gateway', gatewayLines, 'egressgateway');
  writeFileSync(done, '');
  return dir;
}
