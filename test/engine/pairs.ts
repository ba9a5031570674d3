/** Builders of realistic sidecar/gateway pairs for the join tests (one call = one connection or request). */
import type { Entry } from '../../src/types.js';
import { entry, http, record } from './helpers.js';

const BASE = Date.parse('2024-05-01T12:00:00.000Z');
const GW_CLUSTER = 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local';
const GW_POD = '10.1.0.55:8443';

/** ISO time `ms` after the test base time. */
export function at(ms: number): string {
  return new Date(BASE + ms).toISOString();
}

/** The test base time plus `ms`, epoch ms. */
export function ms(offset: number): number {
  return BASE + offset;
}

/** Options of one connection through the gateway. */
export interface ConnOptions {
  t: number;
  port: number;
  rx?: number;
  tx?: number;
  dur?: number;
  gwDelay?: number;
  host?: string;
  file?: string;
}

/** A TCP connection: sidecar entry to the gateway and the gateway's entry for it (socket 10.1.0.56:<port>). */
export function tcpPair(o: ConnOptions): { s: Entry; g: Entry } {
  const sock = `10.1.0.56:${o.port}`;
  const rx = o.rx ?? 100 + o.port;
  const tx = o.tx ?? 2000 + o.port;
  const s = entry(record({ start_time: at(o.t), bytes_received: rx, bytes_sent: tx, duration: o.dur ?? 50, upstream_host: GW_POD, upstream_cluster: GW_CLUSTER, upstream_local_address: sock, downstream_local_address: '93.184.216.34:443', downstream_remote_address: `10.1.0.56:${o.port + 1}`, requested_server_name: o.host ?? 'api.example.com' }), { file: o.file ?? 'sidecar.log' });
  const g = entry(record({ start_time: at(o.t + (o.gwDelay ?? 2)), bytes_received: rx, bytes_sent: tx, duration: (o.dur ?? 50) - 2, upstream_host: '93.184.216.34:443', upstream_cluster: `outbound|443||${o.host ?? 'api.example.com'}`, upstream_local_address: '10.1.0.55:41000', downstream_local_address: GW_POD, downstream_remote_address: sock, requested_server_name: o.host ?? 'api.example.com' }), { role: 'egress-gateway' });
  return { s, g };
}

/** Options of one HTTP request through the gateway. */
export interface ReqOptions {
  t: number;
  port: number;
  rid?: string | null;
  gwRid?: string | null;
  host?: string;
  gwDelay?: number;
  gwAuthority?: string;
}

/** An HTTP request: sidecar entry to the gateway (port 80) and the gateway's entry (TLS origination to 443). */
export function httpPair(o: ReqOptions): { s: Entry; g: Entry } {
  const sock = `10.1.0.56:${o.port}`;
  const host = o.host ?? 'api.example.com';
  const rid = o.rid === undefined ? `00000000-0000-4000-8000-${String(o.t).padStart(12, '0')}` : o.rid;
  const s = entry(http({ start_time: at(o.t), duration: 20, bytes_sent: 44, request_id: rid, authority: host, upstream_host: '10.1.0.55:8080', upstream_cluster: 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local', upstream_local_address: sock, downstream_local_address: '240.240.0.2:80', downstream_remote_address: '10.1.0.56:50000' }));
  const g = entry(http({ start_time: at(o.t + (o.gwDelay ?? 1)), protocol: 'HTTP/2', duration: 15, bytes_sent: 44, x_forwarded_for: '10.1.0.56', request_id: o.gwRid === undefined ? rid : o.gwRid, authority: o.gwAuthority ?? host, upstream_host: '178.170.196.65:443', upstream_cluster: `outbound|443||${host}`, upstream_local_address: '10.1.0.55:49182', downstream_local_address: '10.1.0.55:8080', downstream_remote_address: sock }), { role: 'egress-gateway' });
  return { s, g };
}

/** An SNI gateway connection: sidecar entry, the gateway's outer sni_cluster line and its inner dynamic-forward-proxy line. */
export function sniTriple(o: { t: number; port: number; host: string; rx: number; tx: number; innerDelay?: number }): { s: Entry; outer: Entry; inner: Entry } {
  const sock = `172.17.34.35:${o.port}`;
  const s = entry(record({ start_time: at(o.t), bytes_received: o.rx, bytes_sent: o.tx, duration: 60, upstream_host: '172.17.5.170:8443', upstream_cluster: 'outbound|443|wildcard|egressgateway.istio-egress.svc.cluster.local', upstream_local_address: sock, downstream_local_address: '208.80.153.224:443', downstream_remote_address: `172.17.34.35:${o.port + 7}`, requested_server_name: o.host }));
  const outer = entry(record({ start_time: at(o.t + 5), bytes_received: o.rx + 718, bytes_sent: o.tx + 798, duration: 55, upstream_host: 'envoy://sni_listener/', upstream_cluster: 'sni_cluster', upstream_local_address: 'envoy://internal_client_address/', downstream_local_address: '172.17.5.170:8443', downstream_remote_address: sock, requested_server_name: 'outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local' }), { role: 'egress-gateway', file: 'egress-gateway.log' });
  const inner = entry(record({ start_time: at(o.t + 5 + (o.innerDelay ?? 0)), bytes_received: o.rx, bytes_sent: o.tx, duration: 55, upstream_host: '185.15.59.224:443', upstream_cluster: 'dynamic_forward_proxy_cluster', upstream_local_address: '172.17.5.170:48262', downstream_local_address: 'envoy://sni_listener/', downstream_remote_address: 'envoy://internal_client_address/', requested_server_name: o.host }), { role: 'egress-gateway', file: 'egress-gateway.log' });
  return { s, outer, inner };
}
