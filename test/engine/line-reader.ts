/**
 * A strict reader for Istio 1.9+ default TEXT lines, for engine tests only (the product's parser is
 * parsers/; parser-integration.test.ts runs the same fixtures through it). Anything else throws.
 */
import type { AccessRecord } from '../../parsers/types.js';
import { record } from './helpers.js';

const TOKEN = /"([^"]*)"|(\S+)/g;

function nul(v: string | undefined): string | null {
  return v === undefined || v === '-' ? null : v;
}

function num(v: string | undefined): number | null {
  const n = nul(v);
  if (n === null) return null;
  const x = Number(n);
  if (!Number.isFinite(x)) throw new Error(`not a number: ${n}`);
  return x;
}

/** Reads one Istio 1.9+ text access-log line into a record (start time kept verbatim). */
export function readIstio19(line: string): AccessRecord {
  const m = /^\[([^\]]+)\] (.*)$/.exec(line);
  if (m === null) throw new Error(`not an access-log line: ${line}`);
  const t = [...(m[2] as string).matchAll(TOKEN)].map((x) => x[1] ?? x[2] ?? '');
  if (t.length !== 21) throw new Error(`expected 21 fields, got ${t.length}: ${line}`);
  const req = (t[0] as string).split(' ');
  const method = nul(req[0]);
  const protocol = nul(req[req.length - 1]);
  return record({
    start_time: m[1] as string,
    method,
    path: nul(req.slice(1, -1).join(' ')),
    protocol,
    response_code: num(t[1]),
    response_flags: nul(t[2]),
    response_code_details: nul(t[3]),
    connection_termination_details: nul(t[4]),
    upstream_transport_failure_reason: nul(t[5]),
    bytes_received: num(t[6]),
    bytes_sent: num(t[7]),
    duration: num(t[8]),
    upstream_service_time: nul(t[9]),
    x_forwarded_for: nul(t[10]),
    user_agent: nul(t[11]),
    request_id: nul(t[12]),
    authority: nul(t[13]),
    upstream_host: nul(t[14]),
    upstream_cluster: nul(t[15]),
    upstream_local_address: nul(t[16]),
    downstream_local_address: nul(t[17]),
    downstream_remote_address: nul(t[18]),
    requested_server_name: nul(t[19]),
    route_name: nul(t[20]),
  });
}
