import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { OWN_OUTPUT_HEAD, ownOutputInFile, ownOutputOf, refusingReports, reportUndecided } from '../../src/sources/own-output.js';
import { renderBaseline } from '../../src/policy/index.js';

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

const LOG_LINE = '[2021-06-08T03:14:07.582Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 612 38 37 "-" "curl/7.64.0"\n';
const JSON_REPORT = '{"schema":"egress-audit/report@1",\n"flows":[\n],\n"tool":{},\n"coverage":{"lines":{},"warnings":[]}}\n';
const FLOWS = '{"type":"flow","verdict":"direct","rule":"direct/passthrough","reason":"x"}\n{"type":"report","schema":"egress-audit/report@1","coverage":{"warnings":[{"code":"x","message":"y"}]}}\n';
const SARIF = `${JSON.stringify({ $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: [{ tool: { driver: { name: 'egress-audit', version: '0.1.0' } } }] }, null, 2)}\n`;
const JUNIT = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="egress-audit" tests="1">\n</testsuites>\n';
const markdown = (icon: string, last: string): string => `## egress-audit ${icon} PASS\n\n### Coverage\n\n- Read 5 lines.\n${last}\n`;
const record = (extra: object = {}): string => line({ ...RECORD, format: 'istio-1.9', ...extra, source: SOURCE });

describe('ownOutputOf', () => {
  it("tells each writer's output by how it begins and ends", () => {
    expect(ownOutputOf(bytes(JSON_REPORT))).toBe('an egress-audit report (json)');
    expect(ownOutputOf(bytes(FLOWS))).toBe("egress-audit audit's flows (ndjson)");
    expect(ownOutputOf(bytes('{"type":"report","schema":"egress-audit/report@1","coverage":{"warnings":[]}}\n'))).toBe("egress-audit audit's flows (ndjson)");
    expect(ownOutputOf(bytes(JUNIT))).toBe('an egress-audit report (junit)');
    for (const icon of ['✅', '❌', '⚠️']) expect(ownOutputOf(bytes(markdown(icon, '- Streams: 3.')))).toBe('an egress-audit report (markdown)');
    expect(ownOutputOf(bytes(markdown('❌', '- ⚠️ 1 of 5 lines could not be read (<code>unparsed-lines</code>)')))).toBe('an egress-audit report (markdown)');
    expect(ownOutputOf(bytes(markdown('❌', '- ❌ No gateway logs (<code>no-gateway-logs</code> fails the run)')))).toBe('an egress-audit report (markdown)');
    expect(ownOutputOf(bytes(SARIF))).toBe('an egress-audit report (sarif)');
    expect(ownOutputOf(bytes(record() + record()))).toBe("egress-audit parse's records (ndjson)");
    expect(ownOutputOf(bytes(record({ extra: { a: 1 } })))).toBe("egress-audit parse's records (ndjson)");
    const finding = { fingerprint: '1111111111111111', verdict: 'direct', rule: 'direct/passthrough-cluster', destination: 'a.example:443', namespace: null, sourceWorkload: 'w' } as const;
    expect(ownOutputOf(bytes(renderBaseline([finding], '0.1.0')))).toBe('an egress-audit baseline');
    expect(ownOutputOf(bytes(renderBaseline([], '0.1.0')))).toBe('an egress-audit baseline');
    expect(ownOutputOf(bytes(renderBaseline([finding], '0.1.0') + LOG_LINE))).toBeNull();
  });

  it('reads a file saved as UTF-16 with a byte-order mark (Windows PowerShell `>`), head and tail, and one with CRLF line ends', () => {
    const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(ownOutputOf(utf16(FLOWS.replaceAll('\n', '\r\n')))).toBe("egress-audit audit's flows (ndjson)");
    const whole = utf16(FLOWS);
    expect(ownOutputOf(whole.subarray(0, 80), whole.subarray(whole.length - 40))).toBe("egress-audit audit's flows (ndjson)");
    expect(ownOutputOf(bytes(record().replace('\n', '\r\n')))).toBe("egress-audit parse's records (ndjson)");
  });

  it('takes no log for a report because its first lines look like one: the end must be the writer\'s too', () => {
    // `kubectl logs pod --all-containers`: an app container's output first, the proxy's entries after it.
    for (const opening of [JSON_REPORT, FLOWS, SARIF, JUNIT, markdown('✅', '- Streams: 3.'), record()]) {
      expect(ownOutputOf(bytes(opening + LOG_LINE))).toBeNull();
      expect(ownOutputOf(bytes(opening), bytes(LOG_LINE.repeat(3)))).toBeNull();
    }
    expect(ownOutputOf(bytes(record()), bytes(`${'x'.repeat(10)}${record().slice(1)}`))).toBeNull(); // the last line starts before the tail
    expect(ownOutputOf(bytes(JSON_REPORT.slice(0, -1)))).toBeNull(); // cut before its line end
  });

  it('leaves alone what merely looks alike: logs and other tools\' files stay inputs', () => {
    // An Envoy JSON access log whose format has a "schema" key, first or not, is a log.
    expect(ownOutputOf(bytes(line({ schema: 'v1', ...RECORD })))).toBeNull();
    expect(ownOutputOf(bytes(line({ schema: 'egress-audit/report', ...RECORD })))).toBeNull();
    expect(ownOutputOf(bytes(line({ type: 'flow', ...RECORD })))).toBeNull();
    // Istio's JSON log has the record's keys, but not format and source; a log with keys named so, in another order or shape, stays one.
    expect(ownOutputOf(bytes(line(RECORD)))).toBeNull();
    expect(ownOutputOf(bytes(line({ ...RECORD, format: 'istio-1.9', source: 'sidecar' })))).toBeNull();
    expect(ownOutputOf(bytes(line({ ...RECORD, format: 'istio-1.9', source: { ...SOURCE, extra: 1 } })))).toBeNull();
    expect(ownOutputOf(bytes(LOG_LINE))).toBeNull();
    const codeql = JSON.stringify({ $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: [{ tool: { driver: { name: 'CodeQL' } } }] }, null, 2);
    expect(ownOutputOf(bytes(codeql))).toBeNull();
    expect(ownOutputOf(bytes('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="jest tests" tests="1">\n'))).toBeNull();
    expect(ownOutputOf(bytes('## egress-audit runbook\n'))).toBeNull();
    expect(ownOutputOf(bytes(''))).toBeNull();
  });

  it('tells records as jq leaves them (keys reordered or dropped), and pretty-printed outputs by their first and last objects', () => {
    const { start_time } = RECORD;
    expect(ownOutputOf(bytes(line({ format: 'istio-1.9', source: SOURCE, ...RECORD })))).toBe("egress-audit parse's records (ndjson)");
    expect(ownOutputOf(bytes(line({ source: { file: 'a.log', line: 3 }, start_time })))).toBe("egress-audit parse's records (ndjson)");
    const pretty = (text: string, indent: string): string => text.trim().split('\n').map((l) => `${JSON.stringify(JSON.parse(l), null, indent)}\n`).join('');
    for (const indent of ['  ', '\t', '    ']) {
      expect(ownOutputOf(bytes(pretty(record() + record({ extra: { a: 1 } }), indent)))).toBe("egress-audit parse's records (ndjson)");
      expect(ownOutputOf(bytes(pretty(FLOWS, indent)))).toBe("egress-audit audit's flows (ndjson)");
      expect(ownOutputOf(bytes(pretty(JSON_REPORT.replaceAll('\n', ''), indent)))).toBe('an egress-audit report (json)');
      const long = bytes(pretty(record(), indent).repeat(40));
      expect(ownOutputOf(long.subarray(0, 3000), long.subarray(long.length - 3000))).toBe("egress-audit parse's records (ndjson)");
      // An app's pretty-printed record or report first, the proxy's entries after: a log.
      expect(ownOutputOf(bytes(pretty(record(), indent) + LOG_LINE))).toBeNull();
      expect(ownOutputOf(bytes(pretty(FLOWS, indent) + LOG_LINE))).toBeNull();
    }
    expect(ownOutputOf(bytes(JSON.stringify(JSON.parse(SARIF)) + '\n'))).toBe('an egress-audit report (sarif)');
    expect(ownOutputOf(bytes(`${JSON.stringify({ ...RECORD, format: 'istio-1.9', source: { ...SOURCE, function: 'main' } }, null, 2)}\n`))).toBeNull();
  });

  it('takes no log for records when a line between its record-shaped first and last lines is a plain entry (h42: a client header can shape its own lines)', () => {
    expect(ownOutputOf(bytes(record() + record()))).toBe("egress-audit parse's records (ndjson)");
    expect(ownOutputOf(bytes(record() + LOG_LINE + record()))).toBeNull();
  });

  it('takes no line with a key written twice for a record: parse never writes one', () => {
    const twice = record().trimEnd().replace(/\}$/, ',"user_agent":"y"}\n');
    expect(ownOutputOf(bytes(twice))).toBeNull();
  });

  it('tells a record only by a whole first line within the head', () => {
    const long = record({ path: `/${'a'.repeat(OWN_OUTPUT_HEAD)}` });
    expect(ownOutputOf(bytes(long).subarray(0, OWN_OUTPUT_HEAD), bytes(record()))).toBeNull();
    expect(ownOutputOf(bytes(record().trimEnd()))).toBeNull(); // no line end
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
    const records = record();
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

describe('ownOutputInFile on gzip files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'own-gz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const gz = (name: string, text: Buffer | string): { path: string; size: number } => {
    const path = join(dir, name);
    writeFileSync(path, gzipSync(typeof text === 'string' ? Buffer.from(text) : text));
    return { path, size: statSync(path).size };
  };
  // Longer than the head once inflated, so the tail is read from the end of the inflated stream.
  const bigFlows = FLOWS.split('\n')[0] + '\n';
  const longFlows = bigFlows.repeat(Math.ceil((3 * OWN_OUTPUT_HEAD) / bigFlows.length)) + FLOWS.split('\n')[1] + '\n';

  it('tells a gzipped report, flows, records and SARIF by their inflated head and tail (`-o json | gzip` kept beside the logs)', async () => {
    for (const [name, text, what] of [
      ['r.json.gz', JSON_REPORT, 'an egress-audit report (json)'],
      ['f.ndjson.gz', longFlows, "egress-audit audit's flows (ndjson)"],
      ['p.ndjson.gz', record().repeat(200), "egress-audit parse's records (ndjson)"],
      ['s.sarif.gz', SARIF, 'an egress-audit report (sarif)'],
    ] as const) {
      const f = gz(name, text);
      expect(await ownOutputInFile(f.path, f.size), name).toBe(what);
    }
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(longFlows, 'utf16le')]);
    const f = gz('u16.ndjson.gz', utf16);
    expect(await ownOutputInFile(f.path, f.size)).toBe("egress-audit audit's flows (ndjson)");
  });

  it('takes a gzipped log for a log, also one that opens as a report, and leaves corrupt gzip to the main read', async () => {
    const log = gz('proxy.log.gz', LOG_LINE.repeat(1000));
    expect(await ownOutputInFile(log.path, log.size)).toBeNull();
    const opensAsReport = gz('mixed.log.gz', longFlows + LOG_LINE);
    expect(await ownOutputInFile(opensAsReport.path, opensAsReport.size)).toBeNull();
    const shortMixed = gz('short.log.gz', JSON_REPORT + LOG_LINE);
    expect(await ownOutputInFile(shortMixed.path, shortMixed.size)).toBeNull();
    const cut = join(dir, 'cut.json.gz');
    writeFileSync(cut, gzipSync(Buffer.from(JSON_REPORT)).subarray(0, 20));
    expect(await ownOutputInFile(cut, statSync(cut).size)).toBeNull();
  });
});
