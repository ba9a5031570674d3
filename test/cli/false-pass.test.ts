// A false-pass hunt, through the real binary: logs crafted so that a flow that went direct would be reported as
// something that passes. fixtures/false-pass/*/README.md describe the cases.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';

const DIR = fileURLToPath(new URL('../../fixtures/false-pass/', import.meta.url));

interface Hop { source: { file: string; line: number } }
interface FlowLine { verdict: string; rule: string; destination: { key: string }; allowedBy: { id: string } | null; sidecar: Hop | null; gateway: Hop | null }

/** The flows of an ndjson report, each as [file:line of its first hop, verdict, rule, destination, allowing exception]. */
function flowsOf(stdout: string, dir: string): string[][] {
  const flows = ndjson(stdout).filter((o) => o['type'] === 'flow') as unknown as FlowLine[];
  return flows.map((f) => {
    const hop = (f.sidecar ?? f.gateway) as Hop;
    return [`${hop.source.file.slice(dir.length)}:${hop.source.line}`, f.verdict, f.rule, f.destination.key, f.allowedBy?.id ?? '-'];
  }).sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

describe('a Host header that names somewhere else than the flow went', () => {
  // Sent direct on a named cluster, the destination is the host Envoy dialled when the header names another, and
  // its port is the one the app dialled, never a `:443` the header claims.
  it('names no destination and no port an exception could allow, so the audit fails', async () => {
    const dir = `${DIR}host-header/`;
    const res = await runCli(['audit', dir, '--policy', `${dir}policy.yaml`, '-o', 'ndjson']);
    expect(flowsOf(res.stdout, dir).map(([at, , , key, allowed]) => [at, key, allowed])).toEqual([
      ['sidecar-json.log:1', 'evil.net:80', '-'],
      ['sidecar.log:1', 'evil.net:443', '-'],
      ['sidecar.log:2', 'api.partner.example:25', '-'],
      ['sidecar.log:3', 'www.googleapis.com:443', 'google-apis'],
      ['sidecar.log:4', 'legacy-api.default.svc.cluster.local:8080', 'legacy-api'],
      ['sidecar.log:5', 'legacy-api.evil.svc.cluster.local:8080', '-'],
    ]);
    expect(res.code).toBe(1);
  });
});

describe("a sidecar's log saved under an egress gateway's name", () => {
  it('teaches no public gateway address, so a direct flow to that address still fails --fail-on direct', async () => {
    const dir = `${DIR}sidecar-log-named-egressgateway/`;
    const res = await runCli(['audit', dir, '--fail-on', 'direct', '-o', 'ndjson']);
    const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as { file: string; line: number; verdict: string; rule: string }[];
    expect(flowsOf(res.stdout, dir).map(([at, verdict, rule]) => [at, verdict, rule])).toEqual(
      expected.map((e) => [`${e.file}:${e.line}`, e.verdict, e.rule]).sort((a, b) => (a[0] as string).localeCompare(b[0] as string)),
    );
    expect(res.code).toBe(1);
  });
});

describe('a sidecar pod named like an ingress gateway', () => {
  const dir = `${DIR}pod-named-ingressgateway/`;

  it('is named in a mixed-roles warning that fails the run, and the real ingress gateway is not', async () => {
    const res = await runCli(['audit', dir, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    const mixed = report.coverage.warnings.find((w) => w.code === 'mixed-roles');
    expect(mixed?.message).toContain('pod batch-ingressgateway-5c7d9f8b6-x7k2p (read as an ingress gateway, whose entries into the mesh are ingress; 2 of 2 entries read like a sidecar\'s, e.g. line 3');
    expect(mixed?.message).not.toContain('istio-ingressgateway');
    expect(res.code).toBe(1);
  });

  it('has its direct connections judged as egress even when read as an ingress gateway', async () => {
    const res = await runCli(['audit', dir, '--fail-on', 'direct', '-o', 'ndjson']);
    expect(flowsOf(res.stdout, dir).map(([at, verdict, rule]) => [at, verdict, rule])).toEqual([
      ['all.log:1', 'ingress', 'ingress/ingress-gateway'], ['all.log:2', 'ingress', 'ingress/ingress-gateway'],
      ['all.log:3', 'direct', 'direct/from-ingress-gateway'], ['all.log:4', 'direct', 'direct/from-ingress-gateway'],
    ]);
    expect(res.code).toBe(1);
  });

  it("goes direct once --sidecar-pod gives it its role", async () => {
    const res = await runCli(['audit', dir, '--sidecar-pod', 'batch-ingressgateway-*', '-o', 'ndjson']);
    expect(flowsOf(res.stdout, dir).map(([at, verdict]) => [at, verdict])).toEqual([
      ['all.log:1', 'ingress'], ['all.log:2', 'ingress'], ['all.log:3', 'direct'], ['all.log:4', 'direct'],
    ]);
    expect(res.code).toBe(1);
  });
});

describe('a Host header or SNI at the egress gateway that names somewhere else than its cluster', () => {
  it('names the cluster the gateway dialled, so an exception for the claimed name does not allow it', async () => {
    const dir = `${DIR}gateway-host-header/`;
    const res = await runCli(['audit', dir, '--policy', `${dir}policy.yaml`, '--fail-on', 'direct,gateway-only', '-o', 'ndjson']);
    expect(flowsOf(res.stdout, dir).map(([at, , , key, allowed]) => [at, key, allowed])).toEqual([
      ['istio-egressgateway.log:1', 'evil.example.net:443', '-'],
      ['istio-egressgateway.log:2', 'evil.example.net:443', '-'],
      ['istio-egressgateway.log:3', 'api.partner.example:443', 'partner-batch-vm'],
    ]);
    expect(res.code).toBe(1);
  });
});

describe('a user agent that moves the upstream fields of a custom text format', () => {
  const dir = `${DIR}custom-format-user-agent/`;
  const args = ['audit', '--sidecar', `${dir}sidecar.log`, '--format', `@${dir}format.txt`, '-o', 'json'];

  it('is no flow read either way: malformed ambiguous-fields, counted and warned about with the cause', async () => {
    const res = await runCli(args);
    const report = JSON.parse(res.stdout) as { flows: FlowLine[]; coverage: { lines: { malformed: Record<string, number> }; warnings: { code: string; message: string }[] } };
    expect(report.flows.map((f) => [(f.sidecar as Hop).source.line, f.verdict])).toEqual([[2, 'internal']]);
    expect(report.coverage.lines.malformed).toEqual({ 'ambiguous-fields': 1 });
    expect(report.coverage.warnings.find((w) => w.code === 'unparsed-lines')?.message).toContain('(ambiguous-fields 1)');
    expect(report.coverage.warnings.find((w) => w.code === 'ambiguous-lines')?.message).toMatch(/^1 access-log line read two ways \(ambiguous-fields\)/);
  });

  it('fails a run that names unparsed-lines in --fail-on', async () => {
    expect((await runCli([...args, '--fail-on', 'direct,unparsed-lines'])).code).toBe(1);
  });
});

describe('a custom access-log format pushed mid-file', () => {
  const log = `${DIR}format-changed-mid-file/sidecar.log`;
  const CUSTOM = '[%START_TIME%] %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% "%REQ(X-REQUEST-ID)%" "%REQ(TRACEPARENT)%"';

  it('fails by default on the lines it could not read, one of them a direct flow: it passed before', async () => {
    const res = await runCli(['audit', '--sidecar', log]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('2 of 4 lines could not be read as access-log entries (field-count 2)');
    expect(res.stdout).toContain('FAIL: coverage warning in --fail-on: unparsed-lines (exit 1).');
    // the advice names both ways out: every layout with --format (repeatable), or opting out of unparsed-lines
    expect(res.stdout.replace(/\s+/g, ' ')).toContain('Give each layout the log holds with --format (repeatable: each line is read by the first format that reads it)');
    expect(res.stdout.replace(/\s+/g, ' ')).toContain('or leave unparsed-lines out of --fail-on to let such lines pass.');
    expect((await runCli(['audit', '--sidecar', log, '--fail-on', 'direct'])).code).toBe(0); // a list without it opts out
  });

  it('reads the direct flow with the format that wrote it, and still fails on the lines of the other layout', async () => {
    const res = await runCli(['audit', '--sidecar', log, '--format', CUSTOM, '-o', 'ndjson']);
    expect(flowsOf(res.stdout, `${DIR}format-changed-mid-file/`).map(([at, , rule]) => [at, rule])).toEqual([
      ['sidecar.log:3', 'direct/passthrough-cluster'],
      ['sidecar.log:4', 'internal/mesh-service'],
    ]);
    expect(res.code).toBe(1);
  });

  it('reads every line with both formats given (--format repeated), each by the first that reads it, and fails on the direct flow', async () => {
    const res = await runCli(['audit', '--sidecar', log, '--format', 'auto', '--format', CUSTOM, '-o', 'ndjson']);
    expect(res.code).toBe(1);
    const flows = ndjson(res.stdout).filter((o) => o['type'] === 'flow') as unknown as (FlowLine & { sidecar: { format: string; source: { line: number } } })[];
    expect(flows.map((f) => [f.sidecar.source.line, f.sidecar.format, f.verdict, f.rule]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
      [1, 'istio-1.9', 'via-gateway-unconfirmed', 'via-gateway-unconfirmed/no-gateway-entry'],
      [2, 'istio-1.9', 'internal', 'internal/mesh-service'],
      [3, 'custom', 'direct', 'direct/passthrough-cluster'],
      [4, 'custom', 'internal', 'internal/mesh-service'],
    ]);
    const report = ndjson(res.stdout).find((o) => o['type'] === 'report') as unknown as { coverage: { lines: { lines: number; records: number }; warnings: { code: string }[] } };
    expect([report.coverage.lines.lines, report.coverage.lines.records]).toEqual([4, 4]);
    expect(report.coverage.warnings.map((w) => w.code)).not.toContain('unparsed-lines');
    const parsed = await runCli(['parse', log, '--format', CUSTOM, '--format', 'auto']);
    expect(ndjson(parsed.stdout).map((r) => r['format'])).toEqual(['istio-1.9', 'istio-1.9', 'custom', 'custom']);
    expect(parsed.stderr).toContain('4 lines read, 4 records, 0 not access logs, 0 malformed');
  });
});

describe('two JSON layouts in one log, each given with --format', () => {
  const dir = `${DIR}two-json-layouts/`;
  // Each order read one layout's lines with the other's reader, its upstream kept as unknown extras: internal, exit 0.
  it.each([
    ['auto', `@${dir}custom-format.json`],
    [`@${dir}custom-format.json`, 'auto'],
  ])('reads each line by the format that knows its keys (--format %s --format %s) and fails on the direct flow', async (first, second) => {
    const res = await runCli(['audit', '--sidecar', `${dir}sidecar.log`, '--format', first, '--format', second, '-o', 'ndjson']);
    expect(flowsOf(res.stdout, dir).map(([at, verdict, rule, key]) => [at, verdict, rule, key])).toEqual([
      ['sidecar.log:1', 'internal', 'internal/mesh-service', 'httpbin.default:8000'],
      ['sidecar.log:2', 'direct', 'direct/endpoint-outside-mesh', 'external-db.default.svc.cluster.local:3306'],
    ]);
    expect(res.code).toBe(1);
  });
});

describe("an east-west gateway's plain log with failed calls among its entries", () => {
  const dir = `${DIR}east-west-gateway-failed-calls/`;
  it('is read as an ingress gateway by the entries that connected, and fails on what it sent outside the mesh', async () => {
    const res = await runCli(['audit', dir, '--explain', '-o', 'ndjson']);
    expect(res.stderr).toMatch(/cluster2-gw\.log\s+ingress-gateway\s+content:east-west: 2 of 2 entries that connected are passed on by their SNI/);
    expect(flowsOf(res.stdout, dir).filter(([, verdict]) => verdict === 'direct')).toEqual([
      ['cluster2-gw.log:1', 'direct', 'direct/from-ingress-gateway', 'external-db.default.svc.cluster.local:3306', '-'],
      ['cluster2-gw.log:2', 'direct', 'direct/from-ingress-gateway', 'external-db.default.svc.cluster.local:3306', '-'],
    ]);
    expect(res.code).toBe(1);
  });
});

describe("a sidecar's log exported in a shape no envelope reader knows (a Datadog API response saved whole)", () => {
  const dir = `${DIR}unknown-envelope/`;

  it('fails the run on the record that holds an access log (unknown-envelope), instead of passing it as not an access log', async () => {
    const res = await runCli(['audit', dir, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { flows: FlowLine[]; coverage: { lines: { malformed: Record<string, number> }; warnings: { code: string; message: string }[] } };
    expect(report.flows.map((f) => f.verdict)).toEqual(['via-gateway', 'via-gateway']);
    expect(report.coverage.lines.malformed).toEqual({ 'unknown-envelope': 1 });
    const unparsed = report.coverage.warnings.find((w) => w.code === 'unparsed-lines')?.message.replace(/\s+/g, ' ');
    expect(unparsed).toContain('(unknown-envelope 1)');
    expect(unparsed).toContain('held an access log where egress-audit does not read one');
    expect(res.code).toBe(1);
  });

  it('fails in SARIF too: a result at the record, so code scanning does not show a clean run that exited 1', async () => {
    const res = await runCli(['audit', dir, '-o', 'sarif']);
    const run = (JSON.parse(res.stdout) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] }).runs[0];
    const located = run?.results.map((r) => [r.ruleId, r.level, r.locations[0]?.physicalLocation.artifactLocation.uri.replace(/.*\//, ''), r.locations[0]?.physicalLocation.region.startLine]);
    expect(located).toEqual([['coverage/unparsed-lines', 'error', 'worker-datadog.json', 1]]);
    expect(res.code).toBe(1);
  });

  it('says on the per-input note that no line was read, not that access logging is off', async () => {
    const res = await runCli(['audit', '--sidecar', `${dir}sleep.log`, '--sidecar', `${dir}worker-datadog.json`, '--gateway', `${dir}istio-egressgateway.log`]);
    expect(res.stdout.replace(/\s+/g, ' ')).not.toContain('access logging is off');
    expect(res.code).toBe(1);
  });
});

describe("a sidecar's log saved as gcloud logging read prints it (YAML, saved as .yaml) beside the other logs", () => {
  const dir = `${DIR}unknown-envelope-yaml/`;

  it('is walked into and fails the run on its entry (unknown-envelope), while the configuration beside it is still left out', async () => {
    const res = await runCli(['audit', dir, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { coverage: { lines: { malformed: Record<string, number> }; streams: { name: string }[]; warnings: { code: string; message: string }[] } };
    expect(report.coverage.streams.map((s) => s.name.slice(dir.length)).sort()).toEqual(['istio-egressgateway.log', 'sleep.log', 'worker.yaml']);
    expect(report.coverage.lines.malformed).toEqual({ 'unknown-envelope': 1 });
    expect(report.coverage.warnings.find((w) => w.code === 'unparsed-lines')?.message.replace(/\s+/g, ' ')).toContain('gcloud logging read --format=json');
    expect(res.code).toBe(1);
  });

  it('fails named outright too, as its upstream_cluster line is no YAML dump of the agent', async () => {
    const res = await runCli(['audit', '--sidecar', `${dir}sleep.log`, '--sidecar', `${dir}worker.yaml`, '--gateway', `${dir}istio-egressgateway.log`]);
    expect(res.stdout).toContain('(unknown-envelope 1)');
    expect(res.code).toBe(1);
  });
});

describe("a sidecar's JSON access log exported as CSV (CloudWatch Logs Insights' table download) beside the other logs", () => {
  it('fails the run on the row that holds the entry (unknown-envelope), instead of passing it as not an access log', async () => {
    const dir = `${DIR}unknown-envelope-csv/`;
    const res = await runCli(['audit', dir, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { flows: FlowLine[]; coverage: { lines: { malformed: Record<string, number> } } };
    expect(report.flows.map((f) => f.verdict)).toEqual(['via-gateway', 'via-gateway']);
    expect(report.coverage.lines.malformed).toEqual({ 'unknown-envelope': 1 });
    expect(res.code).toBe(1);
  });
});

describe("a sidecar's log exported as XML (Splunk's output_mode=xml) or saved as HTML beside the other logs", () => {
  it.each([
    ['unknown-envelope-xml', 'worker-splunk.xml', 12],
    ['unknown-envelope-html', 'worker-logs.html', 7],
  ])('%s: is walked into and fails the run on the line holding the entry (unknown-envelope), instead of PASS', async (name, file, line) => {
    const dir = `${DIR}${name}/`;
    const res = await runCli(['audit', dir, '-o', 'json']);
    const report = JSON.parse(res.stdout) as { flows: FlowLine[]; coverage: { lines: { malformed: Record<string, number> }; streams: { name: string }[]; warnings: { code: string; message: string }[] } };
    expect(report.coverage.streams.map((s) => s.name.slice(dir.length)).sort()).toEqual(['istio-egressgateway.log', 'sleep.log', file]);
    expect(report.flows.map((f) => f.verdict)).toEqual(['via-gateway', 'via-gateway']);
    expect(report.coverage.lines.malformed).toEqual({ 'unknown-envelope': 1 });
    expect(report.coverage.warnings.find((w) => w.code === 'unparsed-lines')?.message.replace(/\s+/g, ' ')).toContain("XML or HTML such as Splunk's output_mode=xml");
    expect(res.code).toBe(1);
    const sarif = await runCli(['audit', dir, '-o', 'sarif']);
    const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] }).runs[0]?.results;
    expect(results?.map((r) => [r.ruleId, r.locations[0]?.physicalLocation.artifactLocation.uri.replace(/.*\//, ''), r.locations[0]?.physicalLocation.region.startLine])).toEqual([['coverage/unparsed-lines', file, line]]);
  });

  it('fails named outright too, its entry no line of markup to pass over', async () => {
    const dir = `${DIR}unknown-envelope-xml/`;
    const res = await runCli(['audit', `${dir}sleep.log`, `${dir}worker-splunk.xml`, `${dir}istio-egressgateway.log`]);
    expect(res.stdout).toContain('(unknown-envelope 1)');
    expect(res.code).toBe(1);
  });
});
