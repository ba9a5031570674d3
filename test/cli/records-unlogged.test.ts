// `parse`'s records say which keys their line's format did not log at all (`unlogged`), and an audit of the records
// leaves those keys out, so that it judges each record as an audit of its line does. Before, a record held every key,
// null where the line had none, and null reads as the proxy's "-": a JSON line without upstream keys, which an audit
// counts as no-upstream (it cannot say where the connection went; exit 4 when nothing else was read), read back as the
// sidecar's own reply, internal/local-reply, and `parse | audit` passed (exit 0); a JSON line without
// upstream_local_address, or a custom format's socket printed `-`, got another rule and reason than its line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORD_KEYS } from '../../parsers/index.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { errorText, reportValidator } from '../report/validate.js';

const tempDir = tempFolders();

const GW = 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local';

/** A custom JSON format's entry: a request to a public host, with no upstream keys at all. */
const NO_UPSTREAM = { start_time: '2024-01-27T10:39:54.925Z', downstream_remote_address: '10.42.0.7:36676', authority: 'evil.example.com', response_code: 200 };
/** An answered gateway-bound request (a route timeout while connecting: 504 UT) in Istio's JSON keys, `socket` its upstream_local_address key or none. */
const toGateway = (socket: Record<string, unknown>): Record<string, unknown> => ({
  start_time: '2026-11-02T09:00:00.000Z', method: 'POST', path: '/hooks', protocol: 'HTTP/1.1', response_code: 504, response_flags: 'UT', bytes_received: 12, bytes_sent: 24, duration: 15000,
  request_id: null, upstream_host: '10.244.9.11:8443', upstream_cluster: `${GW};`, ...socket, downstream_local_address: '93.184.216.34:443', downstream_remote_address: '10.244.1.20:58304', requested_server_name: null,
});
/** The line as Istio <= 1.8's untyped JSON writes it: every value a string, `"-"` for none. */
const untyped = (line: Record<string, unknown>): Record<string, string> => Object.fromEntries(Object.entries(line).map(([k, v]) => [k, v === null ? '-' : String(v)]));
/** toGateway's request as a TCP connection (no request fields, code 0, no flag), its socket `"-"`. */
const TCP_NO_SOCKET = { ...toGateway({ upstream_local_address: null }), method: null, path: null, protocol: null, response_code: 0, response_flags: null };
/** Istio's default layout without the request fields and downstream_local_address: %UPSTREAM_LOCAL_ADDRESS% there or not. */
const TEXT_FORMAT = '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%';
const WITH_SOCKET = TEXT_FORMAT.replace('%UPSTREAM_CLUSTER% ', '%UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% ');
const timedOut = (socket: string): string => `[2026-11-02T09:00:00.000Z] "POST /hooks HTTP/1.1" 504 UT 12 24 15000 "10.244.9.11:8443" ${GW} ${socket}10.244.1.20:58304 hooks.slack.com`;
/** A JSON-shaped custom format, with or without the socket. */
const SHAPE = { ts: '%START_TIME%', code: '%RESPONSE_CODE%', flags: '%RESPONSE_FLAGS%', sent: '%BYTES_SENT%', host: '%UPSTREAM_HOST%', cluster: '%UPSTREAM_CLUSTER%', peer: '%DOWNSTREAM_REMOTE_ADDRESS%', method: '%REQ(:METHOD)%', protocol: '%PROTOCOL%' };
const SHAPED = { ts: '2026-11-02T09:00:00.000Z', code: 504, flags: 'UT', sent: 24, host: '10.244.9.11:8443', cluster: GW, peer: '10.244.1.20:58304', method: 'POST', protocol: 'HTTP/1.1' };

/** What an audit decided: its exit code, each flow's verdict, rule, reason, fix and cited line, the lines it could not read, and its warnings. */
interface Decided {
  code: number | null;
  flows: string[];
  malformed: Record<string, number>;
  warnings: string[];
}

async function decided(args: string[]): Promise<Decided> {
  const res = await runCli(['audit', ...args, '-o', 'ndjson', '--fail-on', 'direct']);
  expect(res.stderr).not.toContain('internal error');
  const out = ndjson(res.stdout);
  const report = out.find((l) => l['type'] === 'report') as { coverage: { lines: { malformed: Record<string, number> }; warnings: { code: string; message: string }[] } };
  const flows = out.filter((l) => l['type'] === 'flow').map((f) => {
    const sidecar = f['sidecar'] as { source: { file: string; line: number } } | null;
    return [f['verdict'], f['rule'], f['reason'], f['remediation'], sidecar === null ? '-' : `${sidecar.source.file}:${sidecar.source.line}`].join(' | ');
  });
  const warnings = report.coverage.warnings.map((w) => `${w.code}: ${w.message}`);
  return { code: res.code, flows, malformed: report.coverage.lines.malformed, warnings };
}

/** A sidecar log holding `lines`, and the records `parse` writes of it (parsed with `format`'s flags, when given). */
async function logAndRecords(lines: string[], format: string[] = []): Promise<{ log: string; records: string; recordLines: Record<string, unknown>[] }> {
  const dir = tempDir('ea-unlogged-');
  const log = join(dir, 'sidecar.log');
  writeFileSync(log, `${lines.join('\n')}\n`);
  const parsed = await runCli(['parse', ...format, log]);
  expect(parsed.code, parsed.stderr).toBe(0);
  const records = join(dir, 'records.ndjson');
  writeFileSync(records, parsed.stdout);
  return { log, records, recordLines: ndjson(parsed.stdout) };
}

describe("parse's records audit as their lines do, whatever keys the lines' format left out", () => {
  it.each([
    ['a JSON line without upstream keys (no-upstream, exit 4: never a local reply)', [JSON.stringify(NO_UPSTREAM)], []],
    ['JSON lines without upstream keys beside a direct one', [JSON.stringify(NO_UPSTREAM), JSON.stringify({ ...toGateway({ upstream_local_address: '10.244.1.20:40000' }), start_time: '2026-11-02T09:00:01.000Z', upstream_host: '93.184.216.34:443', upstream_cluster: 'PassthroughCluster' })], []],
    ['a JSON line without an upstream_local_address key (socket-not-logged, the format\'s)', [JSON.stringify(toGateway({}))], []],
    ['a JSON line with null for its socket (no-connection)', [JSON.stringify(toGateway({ upstream_local_address: null }))], []],
    ['an Istio <= 1.8 JSON line (untyped) with "-" for an answered HTTP request\'s socket (socket-not-logged: an old proxy\'s, not the format\'s)', [JSON.stringify(untyped(toGateway({ upstream_local_address: null })))], []],
    ['an Istio <= 1.8 JSON TCP line with "-" for its socket (no-connection)', [JSON.stringify(untyped(TCP_NO_SOCKET))], []],
    ['a custom text format that has the socket and printed `-` (no-connection)', [timedOut('- ')], ['--format', WITH_SOCKET]],
    ['a custom text format without the socket (socket-not-logged)', [timedOut('')], ['--format', TEXT_FORMAT]],
    ['a JSON-shaped custom format whose socket key is null (no-connection)', [JSON.stringify({ ...SHAPED, local: null })], ['--format', JSON.stringify({ ...SHAPE, local: '%UPSTREAM_LOCAL_ADDRESS%' })]],
    ['a JSON-shaped custom format without the socket (socket-not-logged)', [JSON.stringify(SHAPED)], ['--format', JSON.stringify(SHAPE)]],
    ['Envoy\'s default layout, which has no cluster', [`[2026-11-02T09:00:00.000Z] "GET /x HTTP/1.1" 200 - 0 10 3 2 "-" "curl/8.5.0" "r1" "pypi.org" "151.101.0.223:443"`], []],
  ])('%s', async (_, lines, format) => {
    const { log, records } = await logAndRecords(lines, format);
    const ofLine = await decided(['--sidecar', log, ...format]);
    const ofRecords = await decided(['--sidecar', records]);
    expect(ofRecords).toEqual(ofLine);
  });

  it('judges what the old records got wrong as their lines are judged (each of these failed before)', async () => {
    const noUpstream = await logAndRecords([JSON.stringify(NO_UPSTREAM)]);
    const none = await decided(['--sidecar', noUpstream.records]);
    expect(none.code).toBe(4); // was 0: internal/local-reply, "nothing left the mesh"
    expect(none.flows).toEqual([]);
    expect(none.malformed).toEqual({ 'no-upstream': 1 });
    const socket = await logAndRecords([JSON.stringify(toGateway({}))]);
    expect((await decided(['--sidecar', socket.records])).flows[0]).toContain('via-gateway-unconfirmed/socket-not-logged'); // was no-connection
    const untypedDash = await logAndRecords([JSON.stringify(untyped(toGateway({ upstream_local_address: null })))]);
    expect(untypedDash.recordLines[0]).toMatchObject({ upstream_local_address: '-', response_code: 504, request_id: null }); // was null, as a typed line's
    expect((await decided(['--sidecar', untypedDash.records])).flows[0]).toContain('via-gateway-unconfirmed/socket-not-logged'); // was no-connection
    const custom = await logAndRecords([timedOut('- ')], ['--format', WITH_SOCKET]);
    expect((await decided(['--sidecar', custom.records])).flows[0]).toContain('via-gateway-unconfirmed/no-connection'); // was socket-not-logged
  });

  it('a custom format without upstream operators, which an audit refuses (exit 2), audits from its records as no-upstream lines, never as local replies', async () => {
    const shape = { ts: '%START_TIME%', peer: '%DOWNSTREAM_REMOTE_ADDRESS%', host: '%REQ(:AUTHORITY)%', code: '%RESPONSE_CODE%' };
    const line = { ts: NO_UPSTREAM.start_time, peer: NO_UPSTREAM.downstream_remote_address, host: NO_UPSTREAM.authority, code: 200 };
    const { log, records, recordLines } = await logAndRecords([JSON.stringify(line)], ['--format', JSON.stringify(shape)]);
    expect((await runCli(['audit', '--format', JSON.stringify(shape), log])).code).toBe(2);
    expect(recordLines[0]).toMatchObject({ format: 'custom', upstream_host: null, upstream_cluster: null });
    expect(recordLines[0]?.['unlogged']).toEqual(expect.arrayContaining(['upstream_host', 'upstream_cluster']));
    const got = await decided(['--sidecar', records]);
    expect(got.code).toBe(4); // was 0
    expect(got.malformed).toEqual({ 'no-upstream': 1 });
  });

  it('names in each record the keys its line did not log, in record order, and none for a line that logs every key', async () => {
    const { recordLines } = await logAndRecords([
      JSON.stringify(NO_UPSTREAM),
      `[2026-11-02T09:00:00.000Z] "GET /x HTTP/1.1" 200 - 0 10 3 2 "-" "curl/8.5.0" "r1" "pypi.org" "151.101.0.223:443"`,
      '[2026-11-02T09:00:00.001Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster 10.244.1.18:40494 151.101.0.223:443 10.244.1.18:48604 pypi.org -',
    ]);
    const [json, envoy, istio] = recordLines;
    expect(json?.['unlogged']).toEqual(['method', 'path', 'protocol', 'response_flags', 'response_code_details', 'connection_termination_details', 'upstream_transport_failure_reason', 'bytes_received', 'bytes_sent', 'duration', 'upstream_service_time', 'x_forwarded_for', 'user_agent', 'request_id', 'upstream_host', 'upstream_cluster', 'upstream_local_address', 'downstream_local_address', 'requested_server_name', 'route_name']);
    expect(envoy?.['unlogged']).toEqual(['response_code_details', 'connection_termination_details', 'upstream_transport_failure_reason', 'upstream_cluster', 'upstream_local_address', 'downstream_local_address', 'downstream_remote_address', 'requested_server_name', 'route_name']);
    expect(istio).not.toHaveProperty('unlogged');
    expect(Object.keys(json ?? {}).slice(-3)).toEqual(['format', 'unlogged', 'source']);
  });

  it('a report\'s hops carry the same `unlogged` as the records, read from the line or from its record, as its schema says', async () => {
    const { log, records, recordLines } = await logAndRecords([JSON.stringify(toGateway({}))]);
    const valid = reportValidator();
    const hop = async (input: string): Promise<unknown> => {
      const res = await runCli(['audit', '--sidecar', input, '-o', 'json', '--fail-on', 'none']);
      expect(res.code, res.stderr).toBe(0);
      const report = JSON.parse(res.stdout) as { flows: { sidecar: unknown }[] };
      expect(valid(report), errorText(valid)).toBe(true);
      return report.flows[0]?.sidecar;
    };
    const fromLine = await hop(log);
    expect(fromLine).toEqual(recordLines[0]);
    expect(fromLine).toHaveProperty('unlogged', ['response_code_details', 'connection_termination_details', 'upstream_transport_failure_reason', 'upstream_service_time', 'x_forwarded_for', 'user_agent', 'authority', 'upstream_local_address', 'route_name']);
    expect(await hop(records)).toEqual(fromLine);
  });

  it('the report schema names every record key, and only those, as one a record may list unlogged', () => {
    const schema = JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8')) as { $defs: { parseRecord: { properties: { unlogged: { items: { enum: string[] } } } } } };
    expect(schema.$defs.parseRecord.properties.unlogged.items.enum).toEqual([...RECORD_KEYS]);
  });

  it('records of an older parse (no `unlogged`) read as they always did', async () => {
    const { records, recordLines } = await logAndRecords([JSON.stringify(NO_UPSTREAM)]);
    const old = join(tempDir('ea-unlogged-old-'), 'old.ndjson');
    writeFileSync(old, recordLines.map(({ unlogged: _, ...r }) => `${JSON.stringify(r)}\n`).join(''));
    const got = await decided(['--sidecar', old]);
    expect(got.code).toBe(0);
    expect(got.flows.map((f) => f.split(' | ')[1])).toEqual(['internal/local-reply']);
    expect((await decided(['--sidecar', records])).code).toBe(4);
  });
});
