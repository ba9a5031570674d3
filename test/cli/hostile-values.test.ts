/**
 * Access-log lines whose times and numbers no proxy writes (corrupt, hand-edited or hostile): the
 * audit must still end with its own exit code and write every report valid, as a CI job reads them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { errorText, reportValidator, sarifValidator } from '../report/validate.js';
import { parseXml } from '../report/xml-check.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** A typed (Istio >= 1.9) JSON sidecar entry that went direct through PassthroughCluster. */
function jsonLine(id: string, fields: Record<string, unknown>): string {
  return JSON.stringify({
    start_time: '2024-06-26T03:30:14.684Z', method: 'GET', path: '/', protocol: 'HTTP/1.1', response_code: 200,
    response_flags: '-', response_code_details: 'via_upstream', connection_termination_details: null,
    upstream_transport_failure_reason: null, bytes_received: 0, bytes_sent: 2381, duration: 12,
    upstream_service_time: '12', x_forwarded_for: null, user_agent: 'curl', request_id: id, authority: 'x.example.com',
    upstream_host: '183.2.172.185:80', upstream_cluster: 'PassthroughCluster', upstream_local_address: '10.244.96.245:47908',
    downstream_local_address: '183.2.172.185:80', downstream_remote_address: '10.244.96.245:47906',
    requested_server_name: null, route_name: 'allow_any', ...fields,
  });
}

/** The same flow in Istio's default text format, with the numbers given as they appear in the line. */
function textLine(received: string, sent: string, duration: string): string {
  return `[2024-06-26T03:30:14.684Z] "GET / HTTP/1.1" 200 - via_upstream - "-" ${received} ${sent} ${duration} 12 "-" "curl/8.8.0" "599df0d8" "x.example.com" "183.2.172.185:80" PassthroughCluster 10.244.96.245:47908 183.2.172.185:80 10.244.96.245:47906 - allow_any`;
}

function logFile(lines: string[]): string {
  const path = join(tempDir('ea-hostile-values-'), 'sidecar.log');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

let reportSchema: ValidateFunction;
let sarifSchema: ValidateFunction;
beforeAll(() => {
  reportSchema = reportValidator();
  sarifSchema = sarifValidator();
});

/** Runs the audit in json, sarif and junit: the same exit code each time, and each document valid. */
async function auditsCleanly(log: string, code: number): Promise<Record<string, unknown>> {
  const json = await runCli(['audit', log, '-o', 'json']);
  expect(json.stderr).not.toContain('internal error');
  expect(json.code).toBe(code);
  const report = JSON.parse(json.stdout) as Record<string, unknown>;
  expect(reportSchema(report), errorText(reportSchema)).toBe(true);
  const sarif = await runCli(['audit', log, '-o', 'sarif']);
  expect(sarif.code).toBe(code);
  expect(sarifSchema(JSON.parse(sarif.stdout)), errorText(sarifSchema)).toBe(true);
  const junit = await runCli(['audit', log, '-o', 'junit']);
  expect(junit.code).toBe(code);
  expect(() => parseXml(junit.stdout)).not.toThrow();
  return report;
}

describe('times no Date can hold, or that reports cannot write as RFC 3339', () => {
  it('a JSON entry whose duration ends in year 33713 keeps its start as its last time', async () => {
    const report = await auditsCleanly(logFile([jsonLine('a', { duration: 999999999999999 })]), 1);
    expect((report['findings'] as { lastSeen: string }[])[0]?.lastSeen).toBe('2024-06-26T03:30:14.684Z');
  });

  it.each([
    ['the last millisecond a Date holds (exit 70 before)', '+275760-09-13T00:00:00.000Z'],
    ['year 10000 (was a flow with no startTime)', '+010000-01-01T00:00:00.000Z'],
  ])('a JSON entry that starts at %s is a malformed line (bad-timestamp: no log time has a 6-digit year), and the reports stay valid', async (_name, time) => {
    const report = await auditsCleanly(logFile([jsonLine('good', {}), jsonLine('a', { start_time: time })]), 1);
    expect((report['coverage'] as { lines: { malformed: Record<string, number> } }).lines.malformed).toEqual({ 'bad-timestamp': 1 });
    expect((report['flows'] as { startTime: unknown }[]).map((f) => f.startTime)).toEqual(['2024-06-26T03:30:14.684Z']);
  });

  it('a JSON entry at the last millisecond a report can write (9999-12-31T23:59:59.999Z) keeps it', async () => {
    const report = await auditsCleanly(logFile([jsonLine('a', { start_time: '9999-12-31T23:59:59.999Z', duration: 0 })]), 1);
    expect((report['flows'] as { startTime: unknown }[])[0]?.startTime).toBe('9999-12-31T23:59:59.999Z');
  });

  it('a text entry whose 15-digit duration ends in year 33713 keeps its start as its last time', async () => {
    const report = await auditsCleanly(logFile([textLine('0', '2381', '999999999999999')]), 1);
    expect((report['findings'] as { lastSeen: string }[])[0]?.lastSeen).toBe('2024-06-26T03:30:14.684Z');
  });
});

describe('typed JSON counts no proxy writes', () => {
  it.each([
    ['a negative byte count', { bytes_received: -5 }],
    ['a byte count of 1e308 (two of them summed to Infinity, written as null)', { bytes_received: 1e308 }],
    ['a fractional byte count', { bytes_received: 1.5 }],
    ['a 2^63 ms duration', { duration: 12345678901234567890 }],
  ])('%s is a malformed line (bad-number), as the same value is in a text line, and the reports stay valid', async (_name, fields) => {
    const log = logFile([jsonLine('good', {}), jsonLine('bad1', fields), jsonLine('bad2', fields)]);
    const report = await auditsCleanly(log, 1);
    const coverage = report['coverage'] as { lines: { records: number; malformed: Record<string, number> } };
    expect(coverage.lines.records).toBe(1);
    expect(coverage.lines.malformed['bad-number']).toBe(2);
  });
});

describe('text numbers with leading zeros', () => {
  const log = (): string => logFile([textLine('00', '0123', '012')]);

  it('are written as JSON numbers (0123 is not JSON: -o json and ndjson could not be parsed), read as the engine reads them', async () => {
    const report = await auditsCleanly(log(), 1);
    const sidecar = (report['flows'] as { sidecar: Record<string, unknown>; bytesReceived: number }[])[0]?.sidecar;
    expect([sidecar?.['bytes_received'], sidecar?.['bytes_sent'], sidecar?.['duration']]).toEqual([0, 123, 12]);
    const lines = (await runCli(['audit', log(), '-o', 'ndjson'])).stdout.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('are valid JSON in parse output too', async () => {
    const res = await runCli(['parse', log()]);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as Record<string, unknown>)['bytes_sent']).toBe(123);
  });
});

/** A lone UTF-16 surrogate in any string or key of a parsed JSON value (what I-JSON and strict readers refuse). */
function loneSurrogates(value: unknown, found: string[] = []): string[] {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  if (typeof value === 'string') {
    if (lone.test(value)) found.push(value);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (lone.test(k)) found.push(k);
      loneSurrogates(v, found);
    }
  }
  return found;
}

describe('a JSON log whose escapes make lone surrogates (\\ud800), in values and in an extra key', () => {
  const line = (): string =>
    jsonLine('a', { authority: 'evil\\ud800.example', user_agent: 'ua\\udc00', upstream_host: '183.2.172.185:80' }).replace(
      '"authority"',
      '"x_\\udbff":"v\\ud800","authority"',
    );
  // JSON.stringify would escape the backslash: the line must hold the escape itself, as a proxy or pipeline may write it.
  const raw = (): string => line().replace(/\\\\u/g, '\\u');

  it('gives every JSON report (json, ndjson, sarif, a --write-baseline file) with U+FFFD in their place, as parse does', async () => {
    const log = logFile([raw()]);
    const parsed = await runCli(['parse', log]);
    expect(parsed.code).toBe(0);
    expect(parsed.stdout).toContain('"authority":"evil\ufffd.example"');
    const dir = tempDir('ea-lone-surrogate-');
    const baseline = join(dir, 'baseline.json');
    const outputs: string[] = [];
    for (const format of ['json', 'ndjson', 'sarif']) {
      const res = await runCli(['audit', log, '-o', format, ...(format === 'json' ? ['--write-baseline', baseline] : [])]);
      expect(res.code, res.stderr).toBe(1);
      outputs.push(res.stdout);
    }
    outputs.push(readFileSync(baseline, 'utf8'));
    for (const text of outputs) {
      expect(text).not.toMatch(/(?<!\\)(\\\\)*\\ud[89a-f][0-9a-f]{2}/i); // no escape JSON.stringify writes for a lone surrogate
      const values = text.startsWith('{"type"') ? text.trim().split('\n').map((l) => JSON.parse(l) as unknown) : [JSON.parse(text) as unknown];
      expect(loneSurrogates(values)).toEqual([]);
    }
    const report = JSON.parse(outputs[0] as string) as { flows: { destination: { host: string }; sidecar: { authority: string; user_agent: string } }[] };
    expect(report.flows[0]?.destination.host).toBe('evil\ufffd.example');
    expect(report.flows[0]?.sidecar.authority).toBe('evil\ufffd.example');
    expect(report.flows[0]?.sidecar.user_agent).toBe('ua\ufffd');
    expect(reportSchema(report), errorText(reportSchema)).toBe(true);
  });

  it('reads them as U+FFFD, as parse writes them: the log and its records read back give one host and one fingerprint, so a baseline of either holds both', async () => {
    const log = logFile([raw()]);
    const baseline = join(tempDir('ea-lone-baseline-'), 'baseline.json');
    expect((await runCli(['audit', log, '--write-baseline', baseline])).code).toBe(1);
    const records = (await runCli(['parse', log])).stdout;
    const table = await runCli(['audit', '-', '--sidecar', '-', '--baseline', baseline], { input: records });
    expect(table.code, table.stdout).toBe(0); // the records' finding is the baselined one (it failed: another fingerprint)
    expect(table.stdout).toContain('evil\ufffd.example:80');
    expect((await runCli(['audit', log])).stdout).toContain('evil\ufffd.example:80'); // was evil\\ud800.example, escaped
  });
});
