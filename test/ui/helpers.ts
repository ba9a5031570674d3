/**
 * Builders and terminal fakes for the dashboard tests: small Flow/Entry/record builders with
 * realistic defaults (seed 000's direct TCP flow), and helpers to inspect Ink frames.
 */
import { EventEmitter } from 'node:events';
import { RECORD_KEYS, type AccessRecord } from '../../parsers/types.js';
import type { Entry, Flow } from '../../src/types.js';
import type { DestinationSummary } from '../../src/report/model.js';

/** An access record with every field missing except the overrides. */
export function record(overrides: Partial<AccessRecord> = {}): AccessRecord {
  const empty = Object.fromEntries(RECORD_KEYS.map((k) => [k, null])) as unknown as AccessRecord;
  return { ...empty, ...overrides };
}

/** The sidecar line of seed 000 (direct TCP to my.server.com:1234). */
export const SIDECAR_RAW =
  '[2022-02-19T09:31:17.146Z] "- - -" 0 UF,URX - - "-" 85 844 1 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';

/** A sidecar entry; `raw` and record fields can be overridden. */
export function entry(overrides: Partial<Entry> = {}, fields: Partial<AccessRecord> = {}): Entry {
  const rec = record({
    start_time: '2022-02-19T09:31:17.146Z',
    response_code: 0,
    response_flags: 'UF,URX',
    bytes_received: 85,
    bytes_sent: 844,
    duration: 1,
    upstream_host: '192.168.0.78:1234',
    upstream_cluster: 'outbound|1234||my.server.com',
    upstream_local_address: '10.108.0.56:33706',
    downstream_local_address: '192.168.0.78:1234',
    downstream_remote_address: '10.108.0.56:50898',
    ...fields,
  });
  return {
    record: rec,
    format: 'istio-1.9',
    emptySocket: 'absent',
    file: 'pod/shop/checkout-7d9f8-abcde/istio-proxy',
    line: 42,
    pod: 'checkout-7d9f8-abcde',
    namespace: 'shop',
    container: 'istio-proxy',
    timestamp: null,
    role: 'sidecar',
    startMs: Date.parse('2022-02-19T09:31:17.146Z'),
    endMs: Date.parse('2022-02-19T09:31:17.147Z'),
    raw: SIDECAR_RAW,
    json: JSON.stringify(rec),
    ...overrides,
  };
}

/** Overrides for a flow, with the nested destination and source merged field by field. */
export interface FlowOverrides extends Partial<Omit<Flow, 'destination' | 'source'>> {
  destination?: Partial<Flow['destination']>;
  source?: Partial<Flow['source']>;
}

/** A decided flow: by default seed 000's direct TCP flow from shop/checkout to my.server.com:1234. */
export function flow(overrides: FlowOverrides = {}): Flow {
  const { destination, source, ...rest } = overrides;
  return {
    verdict: 'direct',
    rule: 'direct/service-entry-host',
    reason: 'The sidecar sent my.server.com:1234 straight to the host, not to an egress gateway.',
    remediation: 'Route my.server.com through the egress gateway with a Gateway and VirtualService.',
    destination: { key: 'my.server.com:1234', host: 'my.server.com', port: 1234, address: '192.168.0.78:1234', external: true, ...destination },
    source: { workload: 'checkout', pod: 'checkout-7d9f8-abcde', namespace: 'shop', address: '10.108.0.56:50898', ...source },
    sidecar: entry(),
    gateway: null,
    related: [],
    joinedBy: null,
    startMs: Date.parse('2022-02-19T09:31:17.146Z'),
    bytesSent: 844,
    bytesReceived: 85,
    allowedBy: null,
    expiredException: null,
    failing: true,
    fingerprint: '',
    ...rest,
  };
}

/** A destination row as the ReportBuilder produces it. */
export function destination(overrides: Partial<DestinationSummary> = {}): DestinationSummary {
  return {
    destination: 'api.example.com:443',
    host: 'api.example.com',
    port: 443,
    verdicts: { 'via-gateway': 3 },
    bytesSent: 1000,
    bytesReceived: 2000,
    sources: ['shop/checkout'],
    moreSources: 0,
    firstSeen: '2024-05-01T10:00:00.000Z',
    lastSeen: '2024-05-01T10:00:05.000Z',
    ...overrides,
  };
}

// Any ANSI escape sequence (CSI with parameters, or OSC up to BEL/ST), or a bare ESC.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b/g;

/** The frame without ANSI styling. */
export function plain(frame: string): string {
  return frame.replace(ANSI, '');
}

/** True when the text holds any ESC character (every ANSI sequence starts with one). */
export function hasEscape(text: string): boolean {
  return text.includes('\u001b');
}

/** The widest line of a frame, in code points, ignoring styling. */
export function widestLine(frame: string): number {
  return Math.max(0, ...plain(frame).split('\n').map((line) => Array.from(line).length));
}

/** Sets the size an Ink stdout reports and tells listeners it changed (ink-testing-library fixes 100x?). */
export function resize(stdout: EventEmitter, columns: number, rows: number): void {
  Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(stdout, 'rows', { value: rows, configurable: true });
  stdout.emit('resize');
}

/** Lets Ink process pending input and React commit (input is handled on the next ticks). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Key sequences as a terminal sends them. */
export const KEYS = {
  tab: '\t',
  enter: '\r',
  escape: '\u001b',
  up: '\u001b[A',
  down: '\u001b[B',
  backspace: '\u007f',
  ctrlC: '\u0003',
} as const;

/** A terminal output stream for startDashboard: records every write, reports a size, can be resized. */
export class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  readonly writes: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write(chunk: string | Uint8Array): boolean {
    this.writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }
  /** Everything written so far. */
  text(): string {
    return this.writes.join('');
  }
  /** As the Node type Ink expects (only the members above are used). */
  asStream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream;
  }
}

/** A raw-mode terminal input stream for startDashboard; `type()` sends keys the way Ink reads them. */
export class FakeStdin extends EventEmitter {
  #pending: string | null = null;
  constructor(readonly isTTY = true) {
    super();
  }
  type(data: string): void {
    this.#pending = data;
    this.emit('readable');
  }
  read(): string | null {
    const data = this.#pending;
    this.#pending = null;
    return data;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  /** As the Node type Ink expects. */
  asStream(): NodeJS.ReadStream {
    return this as unknown as NodeJS.ReadStream;
  }
}
