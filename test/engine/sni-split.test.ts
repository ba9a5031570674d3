/**
 * An SNI gateway's outer and inner lines are one gateway pod's, whichever input holds each: a log
 * rotated between the two lines of a connection (`egressgateway.log.1` and `egressgateway.log`), or
 * one pod saved in two files, must give the flows the whole log gives. Lines of two gateway pods
 * must never be linked, however close in time.
 */
import { describe, expect, it } from 'vitest';
import type { Entry, Flow } from '../../src/types.js';
import { entry, record, run, shuffled } from './helpers.js';
import { readIstio19 } from './line-reader.js';
import { at } from './pairs.js';
import { loadScenarios } from './scenarios.js';

const corpus = loadScenarios().find((s) => s.name === 'corpus-sni-two-line-gateway');
/** The real lines (FORMATS.md corpus 76-79): inner en.wikipedia.org, outer, inner de.wikipedia.org, outer. */
const gatewayLines = corpus?.files.get('egress-gateway.log') ?? [];
const sidecarLines = corpus?.files.get('sidecar.log') ?? [];

/** What an entry is, whatever file it was put in: its line in the corpus fixture. */
const names = new Map<Entry, string>();

function named(e: Entry, name: string): Entry {
  names.set(e, name);
  return e;
}

/** The gateway lines, line k put in `files[k]` (numbered within its file, in log order). */
function gateway(files: readonly string[], pod: string | null = null): Entry[] {
  const next = new Map<string, number>();
  return gatewayLines.map((line, k) => {
    const file = files[k] as string;
    next.set(file, (next.get(file) ?? 0) + 1);
    return named(entry(readIstio19(line), { role: 'egress-gateway', file, line: next.get(file), pod, namespace: pod === null ? null : 'istio-egress' }), `gateway ${k + 1}`);
  });
}

function sidecars(): Entry[] {
  return sidecarLines.map((line, k) => named(entry(readIstio19(line), { file: 'sni_sc.log', line: k + 1 }), `sidecar ${k + 1}`));
}

/** The flows by the corpus lines they hold (not by file), with verdict and destination: what a split must not change. */
function grouped(flows: readonly Flow[]): string[] {
  return flows
    .map((f) => {
      const members = [f.sidecar, f.gateway, ...f.related].filter((e): e is Entry => e !== null).map((e) => names.get(e) ?? '?');
      return `${members.join(' + ')}: ${f.verdict} ${f.destination.key}`;
    })
    .sort();
}

/** Every way to put the four gateway lines in a log and its rotated file. */
const SPLITS: string[][] = Array.from({ length: 16 }, (_, bits) => [0, 1, 2, 3].map((k) => ((bits >> k) & 1) === 1 ? 'egressgateway.log.1' : 'egressgateway.log'));

describe('SNI lines of one gateway in two files', () => {
  it('has the corpus lines', () => {
    expect([gatewayLines.length, sidecarLines.length]).toEqual([4, 2]);
  });

  const whole = grouped(run([...sidecars(), ...gateway(SPLITS[0] as string[])]));
  const wholeAlone = grouped(run(gateway(SPLITS[0] as string[])));

  it('links them as in one file (the whole log gives two joined flows)', () => {
    expect(whole).toEqual([
      'sidecar 1 + gateway 2 + gateway 1: via-gateway en.wikipedia.org:443',
      'sidecar 2 + gateway 4 + gateway 3: via-gateway de.wikipedia.org:443',
    ]);
    expect(wholeAlone).toEqual(['gateway 2 + gateway 1: gateway-only en.wikipedia.org:443', 'gateway 4 + gateway 3: gateway-only de.wikipedia.org:443']);
  });

  it.each(SPLITS.map((files) => [files.map((f) => (f.endsWith('.1') ? 1 : 0)).join(''), files]))(
    'gives the flows of the whole log whichever file holds each line (lines in the rotated file: %s)',
    (_bits, files) => {
      for (const seed of [0, 1, 2, 3]) {
        const all = [...sidecars(), ...gateway(files)];
        expect(grouped(run(seed === 0 ? all : shuffled(all, seed)))).toEqual(whole);
        // Without the sidecar log the two lines are linked by their start alone.
        const alone = gateway(files);
        expect(grouped(run(seed === 0 ? alone : shuffled(alone, seed)))).toEqual(wholeAlone);
      }
    },
  );

  it('links the lines of one named pod in two files, even when their addresses differ', () => {
    // A kubelet path or `--prefix` names the pod; its inner line dialled out over IPv6, so no address is shared.
    const lines = gateway(['/var/log/pods/istio-egress_egressgateway-7d9f_1/istio-proxy/1.log', '/var/log/pods/istio-egress_egressgateway-7d9f_1/istio-proxy/0.log', '/var/log/pods/istio-egress_egressgateway-7d9f_1/istio-proxy/0.log', '/var/log/pods/istio-egress_egressgateway-7d9f_1/istio-proxy/0.log'], 'egressgateway-7d9f');
    const inner = lines[0] as Entry;
    lines[0] = named({ ...inner, record: { ...inner.record, upstream_local_address: '[fd00:10:244::7]:48262' } }, 'gateway 1');
    expect(grouped(run([...sidecars(), ...lines]))).toEqual(whole);
    expect(grouped(run(lines))).toEqual(wholeAlone);
  });
});

/**
 * A connection through gateway pod `ip`: the caller's sidecar entry, and the pod's outer and inner
 * lines, each in its own file: the outer line in the log, the inner one in its rotated file. `pod`
 * names the pod when the files do (`--prefix`). Every connection carries the same bytes.
 */
function podConn(ip: string, file: string, caller: string, startMs: number, innerMs: number, host: string, pod: string | null = null): { s: Entry; outer: Entry; inner: Entry } {
  const o = { role: 'egress-gateway' as const, pod, namespace: pod === null ? null : 'istio-egress' };
  const s = entry(record({ start_time: at(startMs - 5), bytes_received: 813, bytes_sent: 111152, duration: 61, upstream_host: `${ip}:8443`, upstream_cluster: 'outbound|443|wildcard|egressgateway.istio-egress.svc.cluster.local', upstream_local_address: caller, downstream_local_address: '208.80.153.224:443', downstream_remote_address: `${caller.split(':')[0] ?? ''}:37020`, requested_server_name: host }), { file: `sidecar-${caller}.log`, line: 1 });
  const outer = entry(record({ start_time: at(startMs), bytes_received: 1531, bytes_sent: 111950, duration: 55, upstream_host: 'envoy://sni_listener/', upstream_cluster: 'sni_cluster', upstream_local_address: 'envoy://internal_client_address/', downstream_local_address: `${ip}:8443`, downstream_remote_address: caller, requested_server_name: 'outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local' }), { ...o, file, line: 1 });
  const inner = entry(record({ start_time: at(innerMs), bytes_received: 813, bytes_sent: 111152, duration: 55, upstream_host: '185.15.59.224:443', upstream_cluster: 'dynamic_forward_proxy_cluster', upstream_local_address: `${ip}:48262`, downstream_local_address: 'envoy://sni_listener/', downstream_remote_address: 'envoy://internal_client_address/', requested_server_name: host }), { ...o, file: `${file}.1`, line: 1 });
  return { s, outer, inner };
}

/** Each flow as its outer line's caller and the host its inner line names. */
function callersToHosts(flows: readonly Flow[]): string[] {
  return flows.map((f) => `${f.source.address ?? '-'} -> ${f.destination.key}`).sort();
}

describe('SNI lines of two gateway pods, each pod in two files', () => {
  const own = ['172.17.34.35:55102 -> en.wikipedia.org:443', '172.17.34.99:40000 -> pastebin.com:443'];

  it('never links one pod\'s outer line to the other pod\'s inner line started at the same moment', () => {
    // Same start, same bytes: only the pod tells them apart. The files are named so that the tie-break
    // (file, then line) would give each outer line the other pod's inner line if pods were not told apart.
    const a = podConn('172.17.5.170', 'gw-1.log', '172.17.34.35:55102', 100, 100, 'en.wikipedia.org');
    const b = podConn('172.17.5.171', 'gw-2.log', '172.17.34.99:40000', 100, 100, 'pastebin.com');
    const bInner = { ...b.inner, file: 'gw-0.log.1' };
    const all = [a.outer, a.inner, b.outer, bInner];
    for (const seed of [0, 1, 2, 3, 4]) expect(callersToHosts(run(seed === 0 ? all : shuffled(all, seed)))).toEqual(own);
    // With the callers' sidecar entries, every inner line carries each sidecar's bytes.
    const joined = [a.s, b.s, ...all];
    for (const seed of [0, 1, 2, 3, 4]) {
      const flows = run(seed === 0 ? joined : shuffled(joined, seed));
      expect(callersToHosts(flows)).toEqual(['172.17.34.35:37020 -> en.wikipedia.org:443', '172.17.34.99:37020 -> pastebin.com:443']);
      expect(flows.map((f) => f.verdict)).toEqual(['via-gateway', 'via-gateway']);
    }
  });

  it('never links them when the other pod\'s inner line starts nearer', () => {
    // Pod B's connection starts between pod A's two lines: across pods, B's outer line and A's inner line are nearest (2 ms).
    const a = podConn('172.17.5.170', 'gw-a.log', '172.17.34.35:55102', 100, 104, 'en.wikipedia.org');
    const b = podConn('172.17.5.171', 'gw-b.log', '172.17.34.99:40000', 102, 106, 'pastebin.com');
    const all = [a.outer, a.inner, b.outer, b.inner];
    for (const seed of [0, 1, 2, 3, 4]) expect(callersToHosts(run(seed === 0 ? all : shuffled(all, seed)))).toEqual(own);
  });

  it('tells named pods apart by name, even on one address (hostNetwork), and links each pod\'s lines across its files', () => {
    const a = podConn('10.0.0.4', 'prefix-a.log', '172.17.34.35:55102', 100, 104, 'en.wikipedia.org', 'egressgateway-a');
    const b = podConn('10.0.0.4', 'prefix-b.log', '172.17.34.99:40000', 102, 106, 'pastebin.com', 'egressgateway-b');
    const all = [a.outer, a.inner, b.outer, b.inner];
    for (const seed of [0, 1, 2, 3, 4]) expect(callersToHosts(run(seed === 0 ? all : shuffled(all, seed)))).toEqual(own);
  });
});
