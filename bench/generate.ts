import { seeded } from './random.js';
import { MinHeap } from '../src/min-heap.js';
import {
  BLOCKED_HOSTS, DIRECT_HOSTS, GATEWAYS, GATEWAY_SERVICE, SERVICES, VIA_GATEWAY_HOSTS,
  clientPods, type ClientPod, type ExternalHost,
} from './traffic-model.js';

/**
 * A deterministic generator of realistic Istio 1.9+ access logs (text or typed JSON): HTTP and TLS
 * through the egress gateway (both hops, joinable), Passthrough and ServiceEntry direct egress,
 * BlackHole, in-mesh and inbound traffic, a little gateway-only traffic and ~1% agent noise.
 * Lines come out in the order Envoy writes them: by end time.
 */

/** One generated line and where it was written. */
export interface GeneratedLine {
  /** Pod whose istio-proxy wrote it. */
  pod: string;
  namespace: string;
  role: 'sidecar' | 'egress-gateway';
  text: string;
  endMs: number;
}

/** Generator settings. */
export interface GeneratorOptions {
  /** @default 1 */
  seed?: number;
  /** Client pods. @default 40 */
  pods?: number;
  /** Log time of the first event. @default 2026-11-02T09:00:00Z */
  startMs?: number;
  /** Events per second of log time. @default 2000 */
  eventsPerSecond?: number;
  /** Typed JSON lines (Istio >= 1.9 JSON encoding) instead of text. @default false */
  json?: boolean;
}

interface Hop {
  start: number;
  method: string | null;
  path: string | null;
  protocol: string | null;
  code: number;
  flags: string | null;
  details: string | null;
  rx: number;
  tx: number;
  duration: number;
  ust: string | null;
  xff: string | null;
  ua: string | null;
  rid: string | null;
  authority: string | null;
  upstreamHost: string | null;
  cluster: string | null;
  ula: string | null;
  dla: string | null;
  dra: string | null;
  sni: string | null;
  route: string | null;
}

const q = (v: string | null): string => `"${v ?? '-'}"`;
const u = (v: string | number | null): string => (v === null ? '-' : String(v));

function textLine(h: Hop): string {
  return `[${new Date(h.start).toISOString()}] "${h.method ?? '-'} ${h.path ?? '-'} ${h.protocol ?? '-'}" ${h.code} ${u(h.flags)} ${u(h.details)} - "-" ${h.rx} ${h.tx} ${h.duration} ${u(h.ust)} ${q(h.xff)} ${q(h.ua)} ${q(h.rid)} ${q(h.authority)} ${q(h.upstreamHost)} ${u(h.cluster)} ${u(h.ula)} ${u(h.dla)} ${u(h.dra)} ${u(h.sni)} ${u(h.route)}`;
}

function jsonLine(h: Hop): string {
  return JSON.stringify({
    start_time: new Date(h.start).toISOString(), method: h.method, path: h.path, protocol: h.protocol, response_code: h.code,
    response_flags: h.flags, response_code_details: h.details, connection_termination_details: null, upstream_transport_failure_reason: null,
    bytes_received: h.rx, bytes_sent: h.tx, duration: h.duration, upstream_service_time: h.ust, x_forwarded_for: h.xff, user_agent: h.ua,
    request_id: h.rid, authority: h.authority, upstream_host: h.upstreamHost, upstream_cluster: h.cluster, upstream_local_address: h.ula,
    downstream_local_address: h.dla, downstream_remote_address: h.dra, requested_server_name: h.sni, route_name: h.route,
  });
}

const AGENTS = ['python-requests/2.31.0', 'Go-http-client/1.1', 'curl/8.5.0', 'okhttp/4.12.0', 'node-fetch/3.3'];
const PATHS = ['/v1/items', '/repos/acme/shop/pulls', '/upload', '/charges', '/services/T0/B1', '/api/health'];

/** The event mix: what fraction of events is which kind. */
const MIX: [Kind, number][] = [
  ['http-via-gateway', 0.3],
  ['tls-via-gateway', 0.12],
  ['passthrough', 0.08],
  ['serviceentry-direct', 0.04],
  ['blackhole', 0.02],
  ['internal', 0.22],
  ['inbound', 0.19],
  ['gateway-only', 0.02],
  ['noise', 0.01],
];
type Kind = 'http-via-gateway' | 'tls-via-gateway' | 'passthrough' | 'serviceentry-direct' | 'blackhole' | 'internal' | 'inbound' | 'gateway-only' | 'noise';

class EventFactory {
  readonly pods: ClientPod[];
  constructor(readonly r: () => number, podCount: number) {
    this.pods = clientPods(podCount, r);
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.r() * list.length)] as T;
  }
  port(): number {
    return 32768 + Math.floor(this.r() * 28000);
  }
  rid(): string {
    const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(this.r() * 16).toString(16)).join('');
    return `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  }
  kind(): Kind {
    let x = this.r();
    for (const [kind, weight] of MIX) if ((x -= weight) < 0) return kind;
    return 'internal';
  }
  hop(start: number, over: Partial<Hop>): Hop {
    return {
      start, method: null, path: null, protocol: null, code: 0, flags: null, details: null, rx: 0, tx: 0, duration: 1, ust: null,
      xff: null, ua: null, rid: null, authority: null, upstreamHost: null, cluster: null, ula: null, dla: null, dra: null, sni: null, route: null,
      ...over,
    };
  }
}

function sidecar(pod: ClientPod, hop: Hop, json: boolean): GeneratedLine {
  return { pod: pod.name, namespace: pod.namespace, role: 'sidecar', text: json ? jsonLine(hop) : textLine(hop), endMs: hop.start + hop.duration };
}

function gateway(gw: { name: string }, hop: Hop, json: boolean): GeneratedLine {
  return { pod: gw.name, namespace: 'istio-system', role: 'egress-gateway', text: json ? jsonLine(hop) : textLine(hop), endMs: hop.start + hop.duration };
}

/** One event's lines (1 or 2). */
function event(f: EventFactory, t: number, json: boolean): GeneratedLine[] {
  const pod = f.pick(f.pods);
  const kind = f.kind();
  const gw = f.pick(GATEWAYS);
  const eph = `${pod.ip}:${f.port()}`;
  const app = `${pod.ip}:${f.port()}`;
  const ms = 2 + Math.floor(f.r() * 120);
  switch (kind) {
    case 'http-via-gateway': {
      const ext = f.pick(VIA_GATEWAY_HOSTS);
      const http = { method: f.r() < 0.8 ? 'GET' : 'POST', path: f.pick(PATHS), code: 200, details: 'via_upstream', rx: Math.floor(f.r() * 900), tx: Math.floor(f.r() * 20000), ua: f.pick(AGENTS), rid: f.rid(), authority: ext.host };
      return [
        sidecar(pod, f.hop(t, { ...http, protocol: 'HTTP/1.1', duration: ms + 2, ust: String(ms + 1), upstreamHost: `${gw.ip}:8080`, cluster: `outbound|80||${GATEWAY_SERVICE}`, ula: eph, dla: `${ext.ip}:80`, dra: app, route: 'default' }), json),
        gateway(gw, f.hop(t + 1, { ...http, protocol: 'HTTP/2', duration: ms, ust: String(ms), xff: pod.ip, upstreamHost: `${ext.ip}:443`, cluster: `outbound|443||${ext.host}`, ula: `${gw.ip}:${f.port()}`, dla: `${gw.ip}:8080`, dra: eph, route: 'default.direct-through-egress-gateway.1' }), json),
      ];
    }
    case 'tls-via-gateway': {
      const ext = f.pick(VIA_GATEWAY_HOSTS);
      const tcp = { rx: 800 + Math.floor(f.r() * 2000), tx: Math.floor(f.r() * 200000), sni: ext.host };
      return [
        sidecar(pod, f.hop(t, { ...tcp, duration: ms + 3, upstreamHost: `${gw.ip}:8443`, cluster: `outbound|443||${GATEWAY_SERVICE}`, ula: eph, dla: `${ext.ip}:443`, dra: app }), json),
        gateway(gw, f.hop(t + 1, { ...tcp, duration: ms, upstreamHost: `${ext.ip}:443`, cluster: `outbound|443||${ext.host}`, ula: `${gw.ip}:${f.port()}`, dla: `${gw.ip}:8443`, dra: eph }), json),
      ];
    }
    case 'passthrough':
    case 'serviceentry-direct': {
      const ext = f.pick(DIRECT_HOSTS);
      const cluster = kind === 'passthrough' ? 'PassthroughCluster' : `outbound|443||${ext.host}`;
      return [sidecar(pod, f.hop(t, { rx: 700, tx: Math.floor(f.r() * 90000), duration: ms, upstreamHost: `${ext.ip}:443`, cluster, ula: eph, dla: `${ext.ip}:443`, dra: app, sni: ext.host }), json)];
    }
    case 'blackhole': {
      const ext: ExternalHost = f.pick(BLOCKED_HOSTS);
      return [sidecar(pod, f.hop(t, { flags: 'UH', duration: 0, cluster: 'BlackHoleCluster', dla: `${ext.ip}:${ext.port}`, dra: app, sni: ext.host }), json)];
    }
    case 'internal': {
      const svc = f.pick(SERVICES);
      return [sidecar(pod, f.hop(t, { method: 'GET', path: '/reviews/0', protocol: 'HTTP/1.1', code: 200, details: 'via_upstream', tx: 358, duration: ms, ust: String(ms), ua: f.pick(AGENTS), rid: f.rid(), authority: `${svc.host.split('.')[0]}:${svc.port}`, upstreamHost: `${svc.ip}:${svc.port}`, cluster: `outbound|${svc.port}||${svc.host}`, ula: eph, dla: `10.96.81.152:${svc.port}`, dra: app, route: 'default' }), json)];
    }
    case 'inbound': {
      const caller = f.pick(f.pods);
      return [sidecar(pod, f.hop(t, { method: 'GET', path: '/healthz', protocol: 'HTTP/1.1', code: 200, details: 'via_upstream', tx: 17, duration: ms, ust: String(ms), ua: 'kube-probe/1.30', rid: f.rid(), authority: `${pod.ip}:8080`, upstreamHost: `${pod.ip}:8080`, cluster: 'inbound|8080||', ula: `127.0.0.6:${f.port()}`, dla: `${pod.ip}:8080`, dra: `${caller.ip}:${f.port()}`, sni: 'outbound_.8080_._.app.shop.svc.cluster.local', route: 'default' }), json)];
    }
    case 'gateway-only': {
      const ext = f.pick(VIA_GATEWAY_HOSTS);
      return [gateway(gw, f.hop(t, { rx: 900, tx: 4000, duration: ms, upstreamHost: `${ext.ip}:443`, cluster: `outbound|443||${ext.host}`, ula: `${gw.ip}:${f.port()}`, dla: `${gw.ip}:8443`, dra: `192.168.77.${1 + Math.floor(f.r() * 50)}:${f.port()}`, sni: ext.host }), json)];
    }
    case 'noise':
      return [{ pod: pod.name, namespace: pod.namespace, role: 'sidecar', text: `${new Date(t).toISOString().replace('Z', '123Z')}\tinfo\txdsproxy\tconnected to upstream XDS server: istiod.istio-system.svc:15012`, endMs: t }];
  }
}

/** Yields exactly `count` lines, in end-time order, the same for the same options. */
export function* generateLines(count: number, options: GeneratorOptions = {}): Generator<GeneratedLine> {
  const random = seeded(options.seed ?? 1);
  const factory = new EventFactory(random, options.pods ?? 40);
  const gapMs = 1000 / (options.eventsPerSecond ?? 2000);
  const json = options.json ?? false;
  const heap = new MinHeap<GeneratedLine>((line) => line.endMs); // lines leave in the order their connection ended
  let t = options.startMs ?? Date.UTC(2026, 10, 2, 9, 0, 0);
  let emitted = 0;
  while (emitted < count) {
    for (const line of event(factory, Math.floor(t), json)) heap.push(line);
    t += gapMs * (0.5 + random());
    while (heap.size > 0 && (heap.peek() as GeneratedLine).endMs <= t && emitted < count) {
      emitted++;
      yield heap.pop() as GeneratedLine;
    }
  }
}
