// Istio's ambient mode has no sidecars: ztunnel logs each connection (`connection complete`, plain or JSON), which is no
// Envoy access log. An ambient user who fed ztunnel's log got exit 4 and was told that access logging was off and to
// switch it on with a Telemetry resource: advice that cannot help, as nothing in ambient mode writes the sidecar entries
// the audit reads. Its lines are now counted apart (among those that are not access logs) and named as ztunnel's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { errorText, reportValidator } from '../report/validate.js';

const DIR = 'fixtures/ambient/';
const PLAIN = `${DIR}ztunnel.log`;
const JSON_LOG = `${DIR}ztunnel.json`;
const SIDECAR_RUN = 'fixtures/scenarios/seed-000-via-gateway-tcp';

interface Report {
  summary: { exitCode: number };
  coverage: {
    lines: { lines: number; records: number; notAccessLog: number; malformed: Record<string, number>; tooLong: number; ztunnel?: number };
    warnings: { code: string; message: string }[];
  };
}

/** The access lines of a ztunnel fixture: each holds `connection complete`. */
function accessLines(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('connection complete')).length;
}

async function auditJson(args: string[]): Promise<{ code: number | null; report: Report }> {
  const res = await runCli(['audit', ...args, '-o', 'json']);
  const report = JSON.parse(res.stdout) as Report;
  const validate = reportValidator();
  expect(validate(report), errorText(validate)).toBe(true);
  return { code: res.code, report };
}

function message(report: Report, code: string): string | undefined {
  return report.coverage.warnings.find((w) => w.code === code)?.message;
}

describe("ztunnel's access log (ambient mode)", () => {
  it.each([
    ['plain', PLAIN],
    ['JSON (LOG_FORMAT=json)', JSON_LOG],
  ])('%s: counted as ztunnel lines among those not access logs, said as ztunnel\'s, exit 4', async (_shape, file) => {
    const { code, report } = await auditJson([file]);
    expect(code).toBe(4);
    const { lines } = report.coverage;
    expect(lines.ztunnel).toBe(accessLines(file));
    expect(lines.notAccessLog).toBe(lines.lines); // every line accounted for, in one bucket
    const noRecords = message(report, 'no-records');
    expect(noRecords).toContain(`${file} (ztunnel's log (Istio ambient mode), whose access lines egress-audit does not read: ztunnel-logs says why)`);
    expect(noRecords).not.toContain('access logging is off');
    expect(noRecords).not.toContain('Telemetry resource');
    const ztunnel = message(report, 'ztunnel-logs');
    expect(ztunnel).toContain(`ztunnel's access log (Istio ambient mode`);
    expect(ztunnel).toContain('egress-audit reads sidecar-mode Envoy access logs only');
    expect(ztunnel).toContain('Nothing was audited.');
    expect(ztunnel).toContain("that Envoy's own access log (an egress gateway's given with --gateway), for the gateway's side only");
    expect(ztunnel).toContain('what it cannot prove is that the workloads sent all their external traffic there');
  });

  it('says so in the table, its skipped line counting ztunnel\'s lines', async () => {
    const res = await runCli(['audit', PLAIN]);
    expect(res.code).toBe(4);
    expect(res.stdout).toContain(`skipped     not an access log 4 (ztunnel's 3), malformed 0, too long 0`);
    expect(res.stdout).toContain('[ztunnel-logs]');
    expect(res.stdout).not.toContain('access logging is off');
  });

  it('beside sidecar logs: warned about, not a silent input, the run judged as without it', async () => {
    const alone = await auditJson([SIDECAR_RUN]);
    const { code, report } = await auditJson([SIDECAR_RUN, PLAIN]);
    expect(code).toBe(alone.code);
    const { lines } = report.coverage;
    expect(lines.ztunnel).toBe(3);
    expect(lines.records).toBe(alone.report.coverage.lines.records);
    expect(lines.records + lines.notAccessLog + lines.tooLong + Object.values(lines.malformed).reduce((a, b) => a + b, 0)).toBe(lines.lines);
    expect(message(report, 'ztunnel-logs')).toContain(`in ${PLAIN} (3): not audited`);
    expect(message(report, 'ztunnel-logs')).toContain("The ambient workloads' egress was not audited");
    expect(message(report, 'silent-inputs')).toBeUndefined();
    // Asked for, it fails the run.
    expect((await auditJson([SIDECAR_RUN, PLAIN, '--fail-on', '+ztunnel-logs'])).code).toBe(1);
  });

  it.each([
    ['plain', PLAIN, 4, 3],
    ['JSON', JSON_LOG, 2, 2],
  ])("parse (%s): its summary says the input is ztunnel's log", async (_shape, file, lines, ztunnel) => {
    const res = await runCli(['parse', file]);
    expect(res.stderr).toContain(`egress-audit parse: ${lines} lines read, 0 records, ${lines} not access logs, 0 malformed, 0 too long; this is ztunnel's log (Istio ambient mode, ${ztunnel} access lines), which egress-audit does not read: it reads sidecar-mode Envoy access logs only`);
  });

  it('parse beside access logs: counts them among the lines not access logs', async () => {
    const res = await runCli(['parse', PLAIN, SIDECAR_RUN]);
    expect(res.stderr).toContain("3 lines are ztunnel's access log (Istio ambient mode), counted as not access logs: egress-audit reads sidecar-mode Envoy access logs only");
  });
});
