// How the built binary reads log times: a time without a zone is UTC (as Envoy logs) whatever the auditor's TZ,
// and a start time that is no log time (another shape, second 60) is bad-timestamp, in text and JSON alike.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli, type CliResult } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const ZONES = ['Europe/Berlin', 'Asia/Kolkata'];

/** A sidecar's TCP connection through the egress gateway, its time as Envoy wrote it (with Z). */
const SIDECAR =
  '[2022-10-25T21:01:00.331Z] "- - -" 0 - - - "-" 85 585 50690 - "-" "-" "-" "-" "10.131.0.79:3000" outbound|3000||egress.example.svc.cluster.local 10.128.3.43:44730 172.30.26.92:9092 10.128.3.43:58754 - -';
/** The gateway's entry of that connection, its time written without a zone (UTC, 3 ms later). */
const GATEWAY =
  '[2022-10-25T21:01:00.334] "- - -" 0 - - - "-" 85 585 50688 - "-" "-" "-" "-" "172.30.26.92:9092" outbound|9092||kafka.example.com 10.131.0.79:51230 10.131.0.79:3000 10.128.3.43:44730 - -';
/** A direct call in Istio JSON whose start time has no zone. */
const JSON_NO_ZONE = '{"start_time":"2022-10-18T20:24:03.639","upstream_cluster":"PassthroughCluster","upstream_host":"1.2.3.4:443","authority":"a.com"}';
/** A typed JSON line with `start_time` as given, a direct call to `host`. */
const jsonAt = (time: string, host: string): string =>
  `{"start_time":${time},"upstream_cluster":"PassthroughCluster","upstream_host":"1.2.3.4:443","downstream_remote_address":"10.0.0.1:5","upstream_local_address":"10.0.0.1:6","authority":"${host}"}`;
/** Start times that are no log time, each with the host its line names. */
const NOT_TIMES = [
  ['1666549713', 'epoch.example.com'],
  ['"yesterday"', 'word.example.com'],
  ['"Oct 18 2022 20:24:03"', 'words.example.com'],
  ['"2022/10/18 20:24:03"', 'slashes.example.com'],
  ['"2022-10-18T20:24:60.000Z"', 'second60.example.com'],
  ['"2022-13-01T00:00:00Z"', 'month13.example.com'],
] as const;

let dir = '';

beforeAll(() => {
  dir = tempDir('ea-log-times-');
  writeFileSync(join(dir, 'sidecar.log'), `${SIDECAR}\n`);
  writeFileSync(join(dir, 'gateway.log'), `${GATEWAY}\n`);
  writeFileSync(join(dir, 'json.log'), `${JSON_NO_ZONE}\n`);
  writeFileSync(join(dir, 'shapes.log'), `${[...NOT_TIMES.map(([time, host]) => jsonAt(time, host)), jsonAt('null', 'c.com')].join('\n')}\n`);
  writeFileSync(join(dir, 'second60.log'), `${SIDECAR.replace('21:01:00.331Z', '21:00:60.000Z')}\n${SIDECAR}\n`);
  // parse's record of a line whose only time is its envelope's, read back with that time's zone taken off.
  const record = { ...JSON.parse(jsonAt('null', 'env.example.com')), format: 'istio-json', source: { file: 'pod.log', line: 1, pod: null, namespace: null, container: null, timestamp: '2022-10-18T20:24:03.639' } };
  writeFileSync(join(dir, 'records.ndjson'), `${JSON.stringify(record)}\n`);
});

function audit(zone: string, ...args: string[]): Promise<CliResult> {
  return runCli(['audit', ...args, '-o', 'ndjson'], { env: { TZ: zone } });
}

/** The flows of an ndjson report: verdict, host and start time. */
function flows(res: CliResult): { verdict: unknown; host: unknown; startTime: unknown }[] {
  return ndjson(res.stdout)
    .filter((o) => o['type'] === 'flow')
    .map((o) => ({ verdict: o['verdict'], host: (o['destination'] as { host?: unknown }).host, startTime: o['startTime'] }));
}

describe.each(ZONES)('under TZ=%s', (zone) => {
  it('joins a sidecar line with Z to its gateway line without a zone (both UTC)', async () => {
    const res = await audit(zone, '--sidecar', join(dir, 'sidecar.log'), '--gateway', join(dir, 'gateway.log'));
    expect(res.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(res.code).toBe(0); // was 1 under Berlin: the gateway line read an hour off, via-gateway-unconfirmed and gateway-only
    expect(flows(res).map((f) => f.verdict)).toEqual(['via-gateway']);
  });

  it('reads an Istio JSON start time without a zone as UTC', async () => {
    const res = await audit(zone, '--sidecar', join(dir, 'json.log'));
    expect(flows(res)).toEqual([{ verdict: 'direct', host: 'a.com', startTime: '2022-10-18T20:24:03.639Z' }]); // was 14:54:03.639Z under Kolkata
  });

  it("reads a record's envelope time without a zone as UTC", async () => {
    const res = await audit(zone, '--sidecar', join(dir, 'records.ndjson'));
    expect(flows(res)).toEqual([{ verdict: 'direct', host: 'env.example.com', startTime: '2022-10-18T20:24:03.639Z' }]);
  });
});

describe('a start time that is no log time', () => {
  it('is a bad-timestamp line in Istio JSON, never a flow without a time', async () => {
    const res = await runCli(['audit', '--sidecar', join(dir, 'shapes.log'), '-o', 'json'], { env: { TZ: 'Asia/Kolkata' } });
    const report = JSON.parse(res.stdout) as { flows: { destination: { host: string } }[]; coverage: { lines: { malformed: Record<string, number> }; warnings: { code: string; message: string }[] } };
    expect(report.coverage.lines.malformed).toEqual({ 'bad-timestamp': NOT_TIMES.length }); // was 1: only month 13
    expect(report.flows.map((f) => f.destination.host)).toEqual(['c.com']); // the epoch and the word were direct flows with no time
    expect(report.coverage.warnings.find((w) => w.code === 'unparsed-lines')?.message).toContain(`${NOT_TIMES.length} of ${NOT_TIMES.length + 1} lines could not be read`);
    expect(res.code).toBe(1);
  });

  it('is second 60 in a text line: bad-timestamp, not rolled into the next minute', async () => {
    const res = await runCli(['parse', join(dir, 'second60.log')]);
    const records = ndjson(res.stdout);
    expect(records.map((r) => r['start_time'])).toEqual(['2022-10-25T21:01:00.331Z']); // 21:00:60 was a record too
    expect(res.stderr).toContain('1 malformed (bad-timestamp 1)');
  });
});
