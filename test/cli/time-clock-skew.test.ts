// Clock skew between a sidecar's node and the egress gateway's: the entries of one connection start seconds or minutes
// apart in log time, beyond --window, so none joins. The unmatched-entries warning measures the offset from the entries
// that share a request id or socket across the hops, says which way it runs, and names the --window that joins them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { runCli } from '../helpers/cli.js';
import { seeded } from '../helpers/random.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { writeByEnd } from '../helpers/write-lines.js';

const tempDir = tempFolders();

const GW = '10.0.9.5';
const HOSTS = [
  ['api.stripe.com', '203.0.113.10'],
  ['hooks.slack.com', '198.51.100.20'],
  ['uploads.example.net', '192.0.2.30'],
] as const;

interface Traffic {
  proto: 'tcp' | 'http';
  /** Gateway log time minus sidecar log time, ms. */
  skewMs: number;
  flows: number;
  /** How much longer than the sidecar's every fourth gateway entry lasts (a connection it keeps open), ms. */
  gatewayLongerMs?: number;
}

type Flows = Report & { flows: { verdict: string }[] };

/**
 * Ten minutes of connections from three pods through the gateway, each hop's file in the order Envoy writes it (by
 * end time), the gateway's log times shifted by the skew.
 */
function write(t: Traffic): { sidecar: string; gateway: string } {
  const rnd = seeded(69);
  const base = Date.parse('2026-03-29T00:30:00Z');
  const iso = (ms: number): string => new Date(ms).toISOString();
  const sc: [number, string][] = [];
  const gw: [number, string][] = [];
  for (let i = 0; i < t.flows; i++) {
    const pod = `10.0.${1 + (i % 3)}.${10 + (i % 7)}`;
    const start = base + Math.floor(rnd() * 600_000);
    const dur = Math.floor(rnd() * 2000);
    const [host, ip] = HOSTS[i % HOSTS.length] as readonly [string, string];
    const port = 32768 + Math.floor(rnd() * 28000);
    const app = 32768 + Math.floor(rnd() * 28000);
    const out = 32768 + Math.floor(rnd() * 28000);
    const gStart = start + 1 + t.skewMs;
    const gDur = Math.max(0, dur - 1) + (i % 4 === 0 ? (t.gatewayLongerMs ?? 0) : 0);
    const rid = `${i.toString(16).padStart(8, '0')}-1111-4222-8333-${(i * 7919).toString(16).padStart(12, '0')}`;
    if (t.proto === 'tcp') {
      sc.push([start + dur, `[${iso(start)}] "- - -" 0 - - - "-" 85 844 ${dur} - "-" "-" "-" "-" "${GW}:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local ${pod}:${port} ${ip}:443 ${pod}:${app} ${host} -`]);
      gw.push([gStart + gDur, `[${iso(gStart)}] "- - -" 0 - - - "-" 85 844 ${gDur} - "-" "-" "-" "-" "${ip}:443" outbound|443||${host} ${GW}:${out} ${GW}:2234 ${pod}:${port} ${host} -`]);
    } else {
      sc.push([start + dur, `[${iso(start)}] "GET /v1/x HTTP/1.1" 200 - via_upstream - "-" 0 44 ${dur} ${dur} "-" "curl/8.0" "${rid}" "${host}" "${GW}:8080" outbound|80||istio-egressgateway.istio-system.svc.cluster.local ${pod}:${port} 240.240.0.${1 + (i % 3)}:80 ${pod}:${app} - -`]);
      gw.push([gStart + gDur, `[${iso(gStart)}] "GET /v1/x HTTP/1.1" 200 - via_upstream - "-" 0 44 ${gDur} ${gDur} "${pod}" "curl/8.0" "${rid}" "${host}" "${ip}:443" outbound|443||${host} ${GW}:${out} ${GW}:8080 ${pod}:${port} - -`]);
    }
  }
  const dir = tempDir('ea-time-skew-');
  return { sidecar: writeByEnd(join(dir, 'sidecar.log'), sc), gateway: writeByEnd(join(dir, 'egress-gateway.log'), gw) };
}

async function audit(files: { sidecar: string; gateway: string }, ...flags: string[]): Promise<{ code: number | null; report: Flows; verdicts: Record<string, number>; unmatched: string | undefined }> {
  const res = await runCli(['audit', '--sidecar', files.sidecar, '--gateway', files.gateway, '-o', 'json', ...flags]);
  const report = JSON.parse(res.stdout) as Flows;
  const verdicts: Record<string, number> = {};
  for (const f of report.flows) verdicts[f.verdict] = (verdicts[f.verdict] ?? 0) + 1;
  return { code: res.code, report, verdicts, unmatched: report.coverage.warnings.find((w) => w.code === 'unmatched-entries')?.message };
}

describe('clock skew between the sidecars and the gateway', () => {
  it('TCP, gateway 30 s ahead: says so from the sockets, and the --window it names joins every connection', async () => {
    const files = write({ proto: 'tcp', skewMs: 30_000, flows: 120 });
    const skewed = await audit(files);
    expect(skewed.code).toBe(0);
    expect(skewed.verdicts).toEqual({ 'via-gateway-unconfirmed': 120, 'gateway-only': 120 });
    expect(skewed.unmatched).toContain("120 pairs of them (a sidecar entry and a gateway entry) share a request id or socket and show the gateway's log times 30 s ahead of the sidecars'");
    expect(skewed.unmatched).toContain('--window 35s would join them.');
    expect(skewed.unmatched).not.toContain('raise --window');
    const fixed = await audit(files, '--window', '35s');
    expect(fixed.verdicts).toEqual({ 'via-gateway': 120 });
    expect(fixed.unmatched).toBeUndefined();
  });

  it('HTTP, gateway 6 s behind: measured from the request ids, which join nothing beyond the window either', async () => {
    const files = write({ proto: 'http', skewMs: -6000, flows: 90 });
    const skewed = await audit(files);
    expect(skewed.verdicts['via-gateway']).toBeUndefined();
    expect(skewed.unmatched).toContain("log times 6.0 s behind the sidecars'");
    expect(skewed.unmatched).toContain('--window 11s would join them.');
    expect((await audit(files, '--window', '11s')).verdicts).toEqual({ 'via-gateway': 90 });
  });

  it('HTTP, gateway 5 min behind: the offset is measured across the whole skew', async () => {
    const files = write({ proto: 'http', skewMs: -300_000, flows: 60 });
    const skewed = await audit(files);
    expect(skewed.unmatched).toContain("log times 5 min behind the sidecars'");
    expect(skewed.unmatched).toContain('--window 305s would join them.');
    // The periods the hops' logs cover differ by the offset: not logs of another period to go and fetch.
    expect(skewed.unmatched).not.toContain('read gateway logs of the same period');
    expect(skewed.unmatched).not.toContain("time zone's offset");
    expect((await audit(files, '--window', '305s')).verdicts).toEqual({ 'via-gateway': 60 });
  });

  it('HTTP, gateway 5.5 h behind: a time zone\'s offset, as local time read as UTC gives, is named with its fix', async () => {
    const files = write({ proto: 'http', skewMs: -19_800_000, flows: 30 });
    const { unmatched } = await audit(files);
    expect(unmatched).toContain("log times 5.5 h behind the sidecars'");
    expect(unmatched).toContain("That is a time zone's offset: if one hop's format logs local time without its zone (%START_TIME_LOCAL%, or an export's), it is read as UTC; log UTC (%START_TIME%) or a zone (%z).");
    expect(unmatched).not.toContain('read gateway logs of the same period');
  });

  it('clocks that agree, with gateway entries written long after the sidecars\' (kept open): no advice to widen the window for skew', async () => {
    // Dense enough that log time moves on in both files while the gateway's connections stay open 2 minutes longer.
    const files = write({ proto: 'tcp', skewMs: 0, flows: 8000, gatewayLongerMs: 120_000 });
    const { unmatched, verdicts } = await audit(files);
    const lone = verdicts['via-gateway-unconfirmed'] ?? 0;
    expect(lone).toBeGreaterThan(100);
    expect(verdicts['gateway-only']).toBe(lone);
    expect(unmatched).toContain(`${lone} pairs of them (a sidecar entry and a gateway entry) share a request id or socket and started 1 ms apart (the median): the clocks agree, and one hop wrote its entry long after the other's`);
    expect(unmatched).not.toContain('--window');
  });
});
