// A JSON access-log format without upstream_cluster and upstream_host (a custom Telemetry or EnvoyFilter format) says
// nothing of where a connection went. Read as it was, each entry read as the proxy's own reply (internal/local-reply),
// so an audit of such logs passed, exit 0, as a custom text format without them would (that one is refused, exit 2).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { errorText, reportValidator } from '../report/validate.js';

const tempDir = tempFolders();

/** A custom JSON format's entry: a request to a public host, with no upstream fields at all. */
const NO_UPSTREAM = '{"start_time":"2024-01-27T10:39:54.925Z","downstream_remote_address":"10.42.0.7:36676","authority":"evil.example.com","response_code":200}';
/** The same request in Istio's JSON encoding, which has the keys: through PassthroughCluster, direct. */
const DIRECT = '{"start_time":"2024-01-27T10:39:55.000Z","method":"GET","path":"/","protocol":"HTTP/1.1","response_code":200,"response_flags":"-","bytes_received":0,"bytes_sent":10,"duration":3,"request_id":"r1","authority":"evil.example.com","upstream_host":"93.184.216.34:443","upstream_cluster":"PassthroughCluster","upstream_local_address":"10.42.0.7:40000","downstream_local_address":"93.184.216.34:443","downstream_remote_address":"10.42.0.7:36677","route_name":"allow_any"}';
/** Istio's JSON encoding of a local reply (its keys there, null): still judged, as before. */
const LOCAL_REPLY = '{"start_time":"2024-01-27T10:39:56.000Z","method":"GET","path":"/","protocol":"HTTP/1.1","response_code":404,"response_flags":"-","bytes_received":0,"bytes_sent":0,"duration":0,"request_id":"r2","authority":"svc.local","upstream_host":null,"upstream_cluster":null,"upstream_local_address":null,"downstream_local_address":"10.42.0.8:8080","downstream_remote_address":"10.42.0.7:36678","route_name":"default"}';

interface Coverage {
  lines: { records: number; malformed: Record<string, number> };
  warnings: { code: string; message: string }[];
}

function log(lines: string[]): string {
  const path = join(tempDir('ea-no-upstream-'), 'sidecar.log');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

let reportSchema: ValidateFunction;
beforeAll(() => {
  reportSchema = reportValidator();
});

describe('JSON entries that log nowhere they went', () => {
  it('are not judged by an audit: counted as no-upstream, with the cause and the fix, and an audit of only them never passes (exit 4)', async () => {
    const res = await runCli(['audit', log([NO_UPSTREAM]), '-o', 'json']);
    expect(res.code).toBe(4); // was 0: internal/local-reply, "nothing left the mesh"
    const report = JSON.parse(res.stdout) as { coverage: Coverage; summary: { flows: number } };
    expect(reportSchema(report), errorText(reportSchema)).toBe(true);
    expect(report.summary.flows).toBe(0);
    expect(report.coverage.lines.malformed).toEqual({ 'no-upstream': 1 });
    const unparsed = report.coverage.warnings.find((w) => w.code === 'unparsed-lines');
    expect(unparsed?.message).toContain('1 JSON entry (no-upstream) had neither an upstream_cluster nor an upstream_host key');
    expect(unparsed?.message).toContain('add both to the format');
  });

  it('leave the other entries judged as before (an Istio JSON local reply, its keys null, included)', async () => {
    const res = await runCli(['audit', log([DIRECT, NO_UPSTREAM, LOCAL_REPLY]), '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { coverage: Coverage; summary: { verdicts: Record<string, number> } };
    expect(report.summary.verdicts).toMatchObject({ direct: 1, internal: 1 });
    expect(report.coverage.lines.records).toBe(2);
    expect(report.coverage.lines.malformed).toEqual({ 'no-upstream': 1 });
  });

  it('are records to parse, which reads a format as it is', async () => {
    const res = await runCli(['parse', log([NO_UPSTREAM])]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ authority: 'evil.example.com', upstream_cluster: null, upstream_host: null });
  });
});
