import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { OWN_OUTPUT_HEAD, ownOutputOf, refusingReports, reportUndecided } from '../../src/sources/own-output.js';

const RECORD = {
  start_time: '2021-06-08T03:14:07.582Z', method: 'GET', path: '/', protocol: 'HTTP/1.1', response_code: 200, response_flags: null,
  response_code_details: 'via_upstream', connection_termination_details: null, upstream_transport_failure_reason: null, bytes_received: 0,
  bytes_sent: 612, duration: 38, upstream_service_time: '37', x_forwarded_for: null, user_agent: 'curl/7.64.0', request_id: 'r-1',
  authority: 'nginx.external.svc.cluster.local', upstream_host: '10.244.0.18:8080', upstream_cluster: 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local',
  upstream_local_address: '10.244.0.22:41288', downstream_local_address: '10.96.141.30:80', downstream_remote_address: '10.244.0.22:55730',
  requested_server_name: null, route_name: null,
};
const SOURCE = { file: 'logs/sidecar.log', line: 1, pod: null, namespace: null, container: null, timestamp: null };
const bytes = (text: string): Buffer => Buffer.from(text);
const line = (value: object): string => `${JSON.stringify(value)}\n`;

describe('ownOutputOf', () => {
  it("tells each writer's opening", () => {
    expect(ownOutputOf(bytes('{"schema":"egress-audit/report@1",\n"flows":[\n'))).toBe('an egress-audit report (json)');
    expect(ownOutputOf(bytes('{"type":"flow","verdict":"direct","rule":"direct/passthrough","reason":"x"}\n'))).toBe("egress-audit audit's flows (ndjson)");
    expect(ownOutputOf(bytes('{"type":"report","schema":"egress-audit/report@1","tool":{}}\n'))).toBe("egress-audit audit's flows (ndjson)");
    expect(ownOutputOf(bytes('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="egress-audit" tests="1">\n'))).toBe('an egress-audit report (junit)');
    for (const icon of ['✅', '❌', '⚠️']) expect(ownOutputOf(bytes(`## egress-audit ${icon} PASS\n`))).toBe('an egress-audit report (markdown)');
    const sarif = JSON.stringify({ $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: [{ tool: { driver: { name: 'egress-audit', version: '0.1.0' } } }] }, null, 2);
    expect(ownOutputOf(bytes(sarif))).toBe('an egress-audit report (sarif)');
    expect(ownOutputOf(bytes(line({ ...RECORD, format: 'istio-1.9', source: SOURCE }) + line({ ...RECORD, format: 'istio-1.9', source: { ...SOURCE, line: 2 } })))).toBe("egress-audit parse's records (ndjson)");
    expect(ownOutputOf(bytes(line({ ...RECORD, format: 'custom', extra: { a: 1 }, source: SOURCE })))).toBe("egress-audit parse's records (ndjson)");
  });

  it('reads a head saved as UTF-16 with a byte-order mark (Windows PowerShell `>`), and one with CRLF line ends', () => {
    const flows = '{"type":"flow","verdict":"direct","rule":"direct/passthrough"}\r\n';
    expect(ownOutputOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(flows, 'utf16le')]))).toBe("egress-audit audit's flows (ndjson)");
    expect(ownOutputOf(bytes(`${JSON.stringify({ ...RECORD, format: 'istio-1.9', source: SOURCE })}\r\n`))).toBe("egress-audit parse's records (ndjson)");
  });

  it('leaves alone what merely looks alike: logs and other tools\' files stay inputs', () => {
    // An Envoy JSON access log whose format has a "schema" key, first or not, is a log.
    expect(ownOutputOf(bytes(line({ schema: 'v1', ...RECORD })))).toBeNull();
    expect(ownOutputOf(bytes(line({ schema: 'egress-audit/report', ...RECORD })))).toBeNull();
    expect(ownOutputOf(bytes(line({ type: 'flow', ...RECORD })))).toBeNull();
    // Istio's JSON log has the record's keys, but not format and source; a log with keys named so, in another order or shape, stays one.
    expect(ownOutputOf(bytes(line(RECORD)))).toBeNull();
    expect(ownOutputOf(bytes(line({ ...RECORD, format: 'istio-1.9', source: 'sidecar' })))).toBeNull();
    expect(ownOutputOf(bytes(line({ format: 'istio-1.9', source: SOURCE, ...RECORD })))).toBeNull();
    expect(ownOutputOf(bytes(line({ ...RECORD, format: 'istio-1.9', source: { ...SOURCE, extra: 1 } })))).toBeNull();
    expect(ownOutputOf(bytes('[2021-06-08T03:14:07.582Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 612 38 37 "-" "curl/7.64.0"\n'))).toBeNull();
    const codeql = JSON.stringify({ $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: [{ tool: { driver: { name: 'CodeQL' } } }] }, null, 2);
    expect(ownOutputOf(bytes(codeql))).toBeNull();
    expect(ownOutputOf(bytes('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="jest tests" tests="1">\n'))).toBeNull();
    expect(ownOutputOf(bytes('## egress-audit runbook\n'))).toBeNull();
    expect(ownOutputOf(bytes(''))).toBeNull();
  });

  it('tells a record only by a whole first line within the head', () => {
    const long = JSON.stringify({ ...RECORD, path: `/${'a'.repeat(OWN_OUTPUT_HEAD)}`, format: 'istio-1.9', source: SOURCE });
    expect(ownOutputOf(bytes(long).subarray(0, OWN_OUTPUT_HEAD))).toBeNull();
    expect(ownOutputOf(bytes(JSON.stringify({ ...RECORD, format: 'istio-1.9', source: SOURCE })))).toBeNull(); // no line end yet
  });
});

describe('reportUndecided', () => {
  it('asks for more bytes only while they could still open as a report or flows', () => {
    expect(reportUndecided(bytes(''))).toBe(true);
    expect(reportUndecided(bytes('{'))).toBe(true);
    expect(reportUndecided(bytes('{"sch'))).toBe(true);
    expect(reportUndecided(bytes('<?xml'))).toBe(true);
    expect(reportUndecided(bytes('['))).toBe(false);
    expect(reportUndecided(bytes('{"start_time"'))).toBe(false);
    expect(reportUndecided(bytes('{"schema":"egress-audit/report@'))).toBe(false);
  });
});

async function* chunksOf(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c.toString();
  return out;
}

describe('refusingReports', () => {
  it('refuses a report piped in, however its bytes are cut, naming the input', async () => {
    const report = '{"schema":"egress-audit/report@1",\n"flows":[\n';
    await expect(collect(refusingReports(chunksOf(...report.split('')), '-'))).rejects.toThrow(new InputError('-: an egress-audit report (json), not a log: egress-audit reads access logs; name the logs it was made from'));
  });

  it("passes logs and parse's records through unchanged", async () => {
    const text = '[2021-06-08T03:14:07.582Z] "GET / HTTP/1.1" 200\n[2021-06-08T03:14:08.000Z] "GET / HTTP/1.1" 200\n';
    expect(await collect(refusingReports(chunksOf(text.slice(0, 3), text.slice(3)), '-'))).toBe(text);
    const records = line({ ...RECORD, format: 'istio-1.9', source: SOURCE });
    expect(await collect(refusingReports(chunksOf('{', records.slice(1)), '-'))).toBe(records);
    expect(await collect(refusingReports(chunksOf(), '-'))).toBe('');
  });

  it('hands on a live pipe\'s first bytes as soon as they tell, without waiting for more', async () => {
    async function* live(): AsyncGenerator<Buffer> {
      yield Buffer.from('[2021');
      await new Promise(() => undefined); // the writer has nothing more yet
    }
    const first = await refusingReports(live(), '-').next();
    expect(first.value?.toString()).toBe('[2021');
  });
});
