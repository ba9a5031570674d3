// Entries arrive out of start-time order (Envoy logs a connection at its end) and from several inputs at once, so the
// report stage sees the same flows in many orders. Property: the same flows in any order give byte-identical reports
// in every format; only json's and ndjson's flow lines may come in another order, as they stream each flow as it is
// decided (README, Outputs: "one flow per line as it is decided").
import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, type OutputFormat } from '../../src/report/formats.js';
import { ReportBuilder } from '../../src/report/aggregate.js';
import { REPORT_LIMITS, type ReportLimits } from '../../src/report/limits.js';
import type { Coverage } from '../../src/report/model.js';
import { VERDICTS, type Destination, type Entry, type ExceptionRef, type Flow, type FlowSource, type Verdict } from '../../src/types.js';
import { seeded, shuffled } from '../helpers/random.js';
import { coverage, entry, FIXED_NOW, flow, INPUT, render } from './helpers.js';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const FINDINGS: readonly Verdict[] = ['direct', 'blocked', 'via-gateway-unconfirmed', 'gateway-only'];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

const DESTINATIONS: Destination[] = [
  { key: 'api.example.com:443', host: 'api.example.com', port: 443, address: '93.184.216.34:443', external: true },
  { key: 'www.google.com:80', host: 'www.google.com', port: 80, address: '142.250.204.36:80', external: true },
  { key: 'sqa.ory.sh:443', host: 'sqa.ory.sh', port: 443, address: '142.250.217.115:443', external: true, claimed: true },
  { key: '203.0.113.9:5432', host: '203.0.113.9', port: 5432, address: '203.0.113.9:5432', external: true },
  { key: 'pypi.org:443', host: 'pypi.org', port: 443, address: null, external: true },
  { key: 'reviews.bookinfo.svc.cluster.local:9080', host: 'reviews.bookinfo.svc.cluster.local', port: 9080, address: '10.96.0.12:9080', external: false },
];

const SOURCES: FlowSource[] = [
  { workload: 'checkout', pod: 'checkout-7d9f8-abcde', namespace: 'shop', address: '10.0.0.5:40000' },
  { workload: 'checkout', pod: 'checkout-7d9f8-zzzzz', namespace: 'shop', address: '10.0.0.9:40000' },
  { workload: 'cart', pod: 'cart-5c6d7-fghij', namespace: 'shop', address: '10.0.0.6:40100' },
  { workload: 'etl-worker', pod: 'etl-worker-1', namespace: 'data', address: '10.0.1.7:41000' },
  { workload: '10.52.97.65', pod: null, namespace: null, address: '10.52.97.65:58576' },
];

const EXCEPTIONS: (ExceptionRef | null)[] = [
  null,
  null,
  { id: 'api-allowed', reason: 'vendor API', expires: null },
  { id: 'db-temp', reason: 'migration', expires: '2025-01-01' },
];

const FILES = ['logs/a.log', 'logs/b.log', '/var/log/egress/gw.log'];

/**
 * `n` flows drawn from a small world, so that many share a destination, a finding and a start time (ties are where an
 * arrival order shows): each flow's own pod, line and timing, and reasons that name the pod, as the engine's do.
 */
function world(seed: number, n: number): Flow[] {
  const rand = seeded(seed);
  const flows: Flow[] = [];
  for (let i = 0; i < n; i++) {
    const verdict = pick(rand, VERDICTS);
    const destination = pick(rand, DESTINATIONS);
    const source = pick(rand, SOURCES);
    const startMs = rand() < 0.05 ? NaN : T0 + Math.floor(rand() * 12) * 1000;
    const t = Number.isNaN(startMs) ? T0 : startMs;
    const at = (file: string, role: Entry['role']): Entry =>
      entry({ file, line: 1 + Math.floor(rand() * 40), startMs, endMs: t + Math.floor(rand() * 3) * 500, role, record: { start_time: new Date(t).toISOString() } });
    const sidecar = verdict === 'gateway-only' ? null : at(pick(rand, FILES.slice(0, 2)), verdict === 'ingress' ? 'ingress-gateway' : 'sidecar');
    const gateway = verdict === 'via-gateway' || verdict === 'gateway-only' || verdict === 'blocked' ? at(FILES[2] as string, 'egress-gateway') : null;
    const related = gateway !== null && rand() < 0.2 ? [at(FILES[2] as string, 'egress-gateway')] : [];
    const finding = FINDINGS.includes(verdict);
    const allowedBy = finding ? pick(rand, EXCEPTIONS) : null;
    const failing = finding && allowedBy === null && (verdict === 'direct' || rand() < 0.3);
    const rule = `${verdict}/rule-${Math.floor(rand() * 2)}`;
    flows.push(
      flow({
        verdict,
        rule,
        reason: `The sidecar of ${source.pod ?? source.workload} sent this to ${destination.key} (${verdict}).`,
        remediation: finding ? `Route ${destination.host} through the egress gateway; seen from ${source.address}.` : null,
        destination,
        source,
        sidecar,
        gateway,
        related,
        joinedBy: verdict === 'via-gateway' ? pick(rand, ['address', 'request-id'] as const) : null,
        startMs,
        bytesSent: Math.floor(rand() * 5000),
        bytesReceived: Math.floor(rand() * 50_000),
        allowedBy,
        expiredException: finding && rand() < 0.1 ? pick(rand, EXCEPTIONS) : null,
        failing,
        fingerprint: rand() < 0.5 ? '' : `fp-${rule}-${destination.key}-${source.workload}`, // the policy stage's: verdict, rule, destination, workload
      }),
    );
  }
  return flows;
}


/**
 * The streamed formats' flow lines sorted: json and ndjson write each flow when it is decided (documented), so their
 * order is the one thing allowed to follow arrival; every byte of every line, and everything after them, must not.
 */
function flowLinesSorted(format: OutputFormat, text: string): string {
  const lines = text.split('\n');
  if (format === 'ndjson') {
    const flows = lines.filter((l) => l.startsWith('{"type":"flow"')).sort();
    return [...flows, ...lines.filter((l) => !l.startsWith('{"type":"flow"'))].join('\n');
  }
  if (format !== 'json') return text;
  const start = lines.indexOf('"flows":[');
  const end = lines.indexOf('],', start);
  const flows = lines.slice(start + 1, end).map((l) => l.replace(/,$/, '')).sort();
  return [...lines.slice(0, start + 1), ...flows, ...lines.slice(end)].join('\n');
}

async function reports(flows: Flow[], limits: ReportLimits, cov: Coverage): Promise<Record<string, string>> {
  const builder = new ReportBuilder({ failOn: ['direct', 'gateway-only'], baseline: new Set(), now: FIXED_NOW, limits });
  for (const f of flows) builder.add(f);
  const report = builder.build(INPUT, cov, '0.1.0');
  const out: Record<string, string> = {};
  for (const format of OUTPUT_FORMATS) out[format] = flowLinesSorted(format, await render(format, flows, report));
  return out;
}

const SMALL: ReportLimits = { ...REPORT_LIMITS, destinations: 3, findings: 6, sourcesShown: 2, sourcesCounted: 3 };

describe('a report does not depend on the order its flows arrived in', () => {
  const cov = coverage({ firstSeen: new Date(T0).toISOString(), lastSeen: new Date(T0 + 12_000).toISOString() });

  for (const [name, limits] of [['within the bounds', REPORT_LIMITS], ['past the bounds, rows folded into (other)', SMALL]] as const) {
    it(`gives byte-identical reports in every format for 6 orders of the same flows (${name})`, async () => {
      for (const seed of [1, 2, 3]) {
        const flows = world(seed, 300);
        const first = await reports(flows, limits, cov);
        for (const order of [11, 12, 13, 14, 15]) expect(await reports(shuffled(flows, seed * 100 + order), limits, cov)).toEqual(first);
        expect(await reports([...flows].reverse(), limits, cov)).toEqual(first);
      }
    });
  }
});
