/**
 * Builders for report tests: record-shaped entries (with `json` made by JSON.stringify, lone surrogates as U+FFFD, as the parse
 * stage does), flows with defaults, a coverage block, and an in-memory stream to write into.
 */
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { RECORD_KEYS, type AccessRecord } from '../../parsers/types.js';
import type { Entry, Flow } from '../../src/types.js';
import type { Coverage, Report, ReportLineCounts } from '../../src/report/model.js';
import { ReportBuilder } from '../../src/report/aggregate.js';
import { REPORT_LIMITS } from '../../src/report/limits.js';
import { createWriter } from '../../src/report/index.js';
import type { OutputFormat } from '../../src/report/formats.js';
import { wellFormedJson } from '../../src/report/well-formed.js';

/** A record with every key null except the overrides. */
export function record(overrides: Partial<AccessRecord> = {}): AccessRecord {
  const base = Object.fromEntries(RECORD_KEYS.map((k) => [k, null])) as unknown as AccessRecord;
  return { ...base, ...overrides };
}

/** Options of `entry()`: the record fields plus where the line was. */
export interface EntryInit extends Partial<Omit<Entry, 'record' | 'json'>> {
  record?: Partial<AccessRecord>;
}

/** An entry whose `json` is the parse record, as `egress-audit parse` prints it. */
export function entry(init: EntryInit = {}): Entry {
  const rec = record(init.record);
  const e: Omit<Entry, 'json'> = {
    record: rec,
    format: init.format ?? 'istio-1.9',
    emptySocket: init.emptySocket ?? 'absent',
    file: init.file ?? 'logs/app.log',
    line: init.line ?? 1,
    pod: init.pod ?? null,
    namespace: init.namespace ?? null,
    container: init.container ?? null,
    timestamp: init.timestamp ?? null,
    role: init.role ?? 'sidecar',
    startMs: init.startMs ?? (rec.start_time ? Date.parse(rec.start_time) : NaN),
    endMs: init.endMs ?? NaN,
    raw: init.raw ?? '',
  };
  const source = { file: e.file, line: e.line, pod: e.pod, namespace: e.namespace, container: e.container, timestamp: e.timestamp };
  return { ...e, json: wellFormedJson({ ...rec, format: e.format, source }) };
}

/** A decided flow with defaults (a direct, failing flow to api.example.com:443 from shop/checkout). */
export function flow(overrides: Partial<Flow> = {}): Flow {
  return {
    verdict: 'direct',
    rule: 'direct/passthrough-cluster',
    reason: 'Sent to PassthroughCluster: the mesh let it leave directly.',
    remediation: 'Route api.example.com through the egress gateway (VirtualService).',
    destination: { key: 'api.example.com:443', host: 'api.example.com', port: 443, address: '93.184.216.34:443', external: true },
    source: { workload: 'checkout', pod: 'checkout-7d9f8-abcde', namespace: 'shop', address: '10.0.0.5:40000' },
    sidecar: null,
    gateway: null,
    related: [],
    joinedBy: null,
    startMs: Date.parse('2024-03-01T10:00:00.000Z'),
    bytesSent: 100,
    bytesReceived: 1000,
    allowedBy: null,
    expiredException: null,
    failing: true,
    fingerprint: '',
    ...overrides,
  };
}

/** Line counts with defaults. */
export function lineCounts(overrides: Partial<ReportLineCounts> = {}): ReportLineCounts {
  return { lines: 10, records: 10, notAccessLog: 0, malformed: {}, tooLong: 0, joinedPartials: 0, ...overrides };
}

/** A coverage block with defaults (records read, no warnings). */
export function coverage(overrides: Partial<Coverage> = {}): Coverage {
  return { lines: lineCounts(), firstSeen: null, lastSeen: null, streams: [], unmatchedSidecar: 0, unmatchedGateway: 0, evicted: 0, window: null, warnings: [], ...overrides };
}

/** The fixed clock of golden reports. */
export const FIXED_NOW = (): Date => new Date('2024-03-01T12:00:00.000Z');
/** The fixed input block of golden reports. */
export const INPUT: Report['input'] = {
  mode: 'files',
  description: '3 files',
  startedAt: '2024-03-01T11:59:58.000Z',
  endedAt: '2024-03-01T12:00:00.000Z',
};

/**
 * Builds a report from flows the way the audit command does. `baseline`: the fingerprints a --baseline held, or true (as
 * the sample holds a baselined flow) for those of the flows the policy stage let pass by it (a --fail-on verdict, not
 * failing, no exception), or false for a run without one.
 */
export function buildReport(flows: Flow[], cov: Coverage = coverage(), failOn: string[] = ['direct'], baseline: boolean | ReadonlySet<string> = true): Report {
  const held = baseline === true ? new Set(flows.filter((f) => !f.failing && f.allowedBy === null && failOn.includes(f.verdict)).map((f) => f.fingerprint)) : baseline;
  const builder = new ReportBuilder({ failOn, baseline: held === false ? null : held, now: FIXED_NOW });
  for (const f of flows) builder.add(f);
  return builder.build(INPUT, cov, '0.1.0');
}

/** How the policy settled a flow: an exception allowed it, the --baseline held it, or neither. */
export type Settled = 'allowed' | 'held' | 'open';

/**
 * A run of direct flows to h0, h1, ... (one finding each) settled as `hows` says, only the first tracked one by one
 * (findings: 1): the others fold into `(other)/direct`. An open flow fails when `failOn` names direct.
 */
export function foldedDirectRun(hows: Settled[], failOn: string[]): Report {
  const flows = hows.map((how, i) =>
    flow({
      failing: how === 'open' && failOn.includes('direct'), fingerprint: `fp-${i}`, allowedBy: how === 'allowed' ? { id: 'vendor', reason: 'approved', expires: null } : null,
      destination: { key: `h${i}.example.com:443`, host: `h${i}.example.com`, port: 443, address: '93.184.216.34:443', external: true },
    }),
  );
  const held = new Set(flows.filter((_, i) => hows[i] === 'held').map((f) => f.fingerprint));
  const builder = new ReportBuilder({ failOn, baseline: held, limits: { ...REPORT_LIMITS, findings: 1 }, now: FIXED_NOW });
  for (const f of flows) builder.add(f);
  return builder.build(INPUT, coverage({ lines: lineCounts({ records: flows.length }) }), '0.1.0');
}

/**
 * A writable that keeps what it was given, taking one chunk per event-loop turn; a small highWaterMark makes it push back.
 * It has only what it took: `text()` refuses to answer while chunks still wait in it, since a writer whose end() resolved
 * with chunks queued would pass for one that lost them (ByteOutput.finish once did: a report's tail was missing here).
 */
export class MemoryStream extends Writable {
  readonly chunks: string[] = [];
  /** Buffers are decoded in order, so a character cut between two chunks stays whole. */
  private readonly decoder = new StringDecoder('utf8');
  constructor(highWaterMark = 16 * 1024) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(chunk: unknown, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? this.decoder.write(chunk) : String(chunk));
    setImmediate(done);
  }
  text(): string {
    if (this.writableLength > 0) throw new Error(`${this.writableLength} bytes still wait in the stream: read before the writer handed them over`);
    return this.chunks.join('') + this.decoder.end();
  }
}

/** Runs one writer over the flows and the report, as the audit command does, and returns what it wrote. */
export async function render(format: OutputFormat, flows: Flow[], report: Report, options = { color: false, cwd: '/work/repo' }): Promise<string> {
  const out = new MemoryStream();
  const writer = createWriter(format, out, options);
  for (const f of flows) writer.flow(f);
  await writer.drain();
  await writer.end(report);
  return out.text();
}

/** The failing rows of a Markdown summary's findings table (its destinations table has a status column too). */
export function failingFindingRows(md: string): string[] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('### Findings'));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('### '));
  return lines.slice(start, end < 0 ? undefined : end).filter((l) => l.startsWith('| ❌ fail |'));
}
