// An ephemeral port reused within the join window: one pod's socket to the egress gateway carries a TLS connection to
// one host, closes, and 1-3 s later carries another to a second host. With the gateway's clock a little off, the
// second sidecar entry starts nearer the first gateway entry than its own: the server names (SNI), the same at both
// hops of a passed-through TLS connection, must keep each sidecar entry with its own gateway entry; without them, the
// address the app dialled (the sidecar's downstream_local), which is the one the gateway reached.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { writeByEnd } from '../helpers/write-lines.js';

const tempDir = tempFolders();
const BASE = Date.parse('2026-03-29T00:30:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** Sidecar and gateway lines of two connections on socket 10.0.1.7:40000, `gapMs` apart, the gateway's clock `skewMs` off; equal byte counts; with or without a server name. */
function write(gapMs: number, skewMs: number, sni: boolean): { sidecar: string; gateway: string } {
  const conns = [
    ['api.stripe.com', '203.0.113.10', 0, 1500],
    ['hooks.slack.com', '198.51.100.20', gapMs, 800],
  ] as const;
  const sc: [number, string][] = [];
  const gw: [number, string][] = [];
  conns.forEach(([host, ip, at, dur], i) => {
    const name = sni ? host : '-';
    const start = BASE + at;
    sc.push([start + dur, `[${iso(start)}] "- - -" 0 - - - "-" 85 844 ${dur} - "-" "-" "-" "-" "10.0.9.5:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.0.1.7:40000 ${ip}:443 10.0.1.7:5000${i} ${name} -`]);
    const g = start + 1 + skewMs;
    gw.push([g + dur - 1, `[${iso(g)}] "- - -" 0 - - - "-" 85 844 ${dur - 1} - "-" "-" "-" "-" "${ip}:443" outbound|443||${host} 10.0.9.5:4500${i} 10.0.9.5:2234 10.0.1.7:40000 ${name} -`]);
  });
  const dir = tempDir('ea-time-reuse-');
  return { sidecar: writeByEnd(join(dir, 'sidecar.log'), sc), gateway: writeByEnd(join(dir, 'egress-gateway.log'), gw) };
}

interface Hop {
  requested_server_name: string | null;
  downstream_local_address: string | null;
  upstream_host: string | null;
}

describe('a client socket reused within the window for another host', () => {
  for (const [gapMs, skewMs, sni] of [[3000, 2000, true], [2000, 1500, true], [1000, 800, true], [3000, -2000, true], [3000, 2000, false], [2000, 1500, false]] as const) {
    it(`joins each sidecar entry with its own gateway entry (reused after ${gapMs / 1000} s, gateway clock ${skewMs / 1000} s off, ${sni ? 'TLS server names' : 'no server name: the dialled address'})`, async () => {
      const files = write(gapMs, skewMs, sni);
      const res = await runCli(['audit', '--sidecar', files.sidecar, '--gateway', files.gateway, '-o', 'json']);
      expect(res.code).toBe(0);
      const flows = (JSON.parse(res.stdout) as { flows: { verdict: string; destination: { host: string }; sidecar: Hop; gateway: Hop }[] }).flows;
      expect(flows.map((f) => f.verdict)).toEqual(['via-gateway', 'via-gateway']);
      for (const f of flows) {
        // The host the app dialled (sidecar) is the host the gateway reached, and the one the flow reports.
        expect(f.gateway.requested_server_name).toBe(f.sidecar.requested_server_name);
        expect(f.gateway.upstream_host).toBe(f.sidecar.downstream_local_address);
        if (sni) expect(f.destination.host).toBe(f.sidecar.requested_server_name);
      }
    });
  }
});
