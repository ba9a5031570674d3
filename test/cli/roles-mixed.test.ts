// mixed-roles: an input holding a sidecar's log and its egress gateway's log, `cat`ed together, is
// flagged even when the gateway's entries show nothing but a refusal (no upstream to leave the mesh by).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { errorText, reportValidator, sarifValidator } from '../report/validate.js';

const tempDir = tempFolders();

const SCENARIO = new URL('../../fixtures/scenarios/blocked-at-gateway-rbac/', import.meta.url);
let dir = '';
let sidecar = '';
let gateway = '';

type Warning = { code: string; message: string };

function warnings(stdout: string): Warning[] {
  return (JSON.parse(stdout) as { coverage: { warnings: Warning[] } }).coverage.warnings;
}

beforeAll(() => {
  dir = tempDir('ea-roles-mixed-');
  sidecar = readFileSync(new URL('sidecar.log', SCENARIO), 'utf8');
  gateway = readFileSync(new URL('egress-gateway.log', SCENARIO), 'utf8');
});

describe('egress-audit audit: a gateway\'s refusals mixed into a sidecar\'s log', () => {
  it.each([
    ['sidecar first', () => sidecar + gateway, 2],
    ['gateway first', () => gateway + sidecar, 1],
  ])('flags the input as mixed-roles (%s), naming the gateway\'s line', async (name, content, line) => {
    const file = join(dir, `all-${name.replace(' ', '-')}.log`);
    writeFileSync(file, content());
    const res = await runCli(['audit', file, '-o', 'json']);
    const mixed = warnings(res.stdout).find((w) => w.code === 'mixed-roles');
    expect(mixed?.message).toContain(`(read as a sidecar; 1 of 2 entries read like an egress gateway's, e.g. line ${line}: it arrived on 10.244.2.7, the egress gateway address`);
    expect(res.code).toBe(1); // mixed-roles fails the run by default
  });

  it('is a located SARIF error result when it alone fails the run, so code scanning shows why (before: a notification only, no alert)', async () => {
    const file = join(dir, 'all-sarif.log');
    writeFileSync(file, sidecar + gateway);
    const sarifPath = join(dir, 'mixed.sarif');
    const res = await runCli(['audit', file, '-o', 'json', '--report', `sarif=${sarifPath}`], { cwd: dir });
    expect(res.code).toBe(1);
    const json = JSON.parse(res.stdout) as { summary: { failing: number }; coverage: { warnings: (Warning & { at?: unknown })[] } };
    expect(json.summary.failing).toBe(0); // no finding fails: the warning alone does
    const validateReport = reportValidator();
    expect(validateReport(json), errorText(validateReport)).toBe(true);
    expect(json.coverage.warnings.find((w) => w.code === 'mixed-roles')?.at).toEqual([{ file, line: 2 }]);
    type Run = { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; partialFingerprints: Record<string, string> }[] };
    const log = JSON.parse(readFileSync(sarifPath, 'utf8')) as { runs: Run[] };
    const validateSarif = sarifValidator();
    expect(validateSarif(log), errorText(validateSarif)).toBe(true);
    const run = log.runs[0] as Run;
    const result = run.results.find((r) => r.ruleId === 'coverage/mixed-roles');
    expect(result?.level).toBe('error');
    expect(result?.locations[0]?.physicalLocation).toEqual({ artifactLocation: { uri: 'all-sarif.log', uriBaseId: '%SRCROOT%' }, region: { startLine: 2 } });
    expect(run.tool.driver.rules[result?.ruleIndex ?? -1]?.id).toBe('coverage/mixed-roles');
    // The same input again: the same alert identity.
    const again = await runCli(['audit', file, '-o', 'sarif'], { cwd: dir });
    const twice = (JSON.parse(again.stdout) as { runs: Run[] }).runs[0]?.results.find((r) => r.ruleId === 'coverage/mixed-roles');
    expect(twice?.partialFingerprints).toEqual(result?.partialFingerprints);
    // Not listed in --fail-on: no result, the warning stays a notification.
    const waived = await runCli(['audit', file, '-o', 'sarif', '--fail-on', 'direct'], { cwd: dir });
    expect(waived.code).toBe(0);
    expect((JSON.parse(waived.stdout) as { runs: Run[] }).runs[0]?.results.map((r) => r.ruleId)).not.toContain('coverage/mixed-roles');
  });

  it('does not flag a sidecar\'s own entries: its refusals arrive on the original destination, and an app dialling the gateway pod IP leaves by PassthroughCluster', async () => {
    const own = [
      sidecar.trimEnd(),
      '[2024-02-12T09:41:28.100Z] "- - -" 0 UH - - "-" 0 0 0 - "-" "-" "-" "-" "-" BlackHoleCluster - 45.9.148.3:3333 10.244.1.33:55415 - -',
      '[2024-02-12T09:41:28.200Z] "GET /x HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "-" "curl/8.5.0" "1b2c3d4e-0000-4000-8000-000000000001" "files.untrusted.example" "-" - - 240.240.0.9:80 10.244.1.33:38210 - -',
      '[2024-02-12T09:41:28.300Z] "- - -" 0 - - - "-" 10 20 1 - "-" "-" "-" "-" "10.244.2.7:15021" PassthroughCluster 10.244.1.33:40000 10.244.2.7:15021 10.244.1.33:39998 - -',
      '',
    ].join('\n');
    const file = join(dir, 'sidecar-only.log');
    writeFileSync(file, own);
    const res = await runCli(['audit', file, '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(warnings(res.stdout).map((w) => w.code)).not.toContain('mixed-roles');
  });
});

describe("egress-audit audit: a sidecar's direct entry among many of an egress gateway's", () => {
  /** `n` lines of seed 000's egress gateway (in on its own 10.108.0.55:2234, out from 10.108.0.55), a second apart, each from its own caller port. */
  const gatewayLines = (n: number): string[] =>
    Array.from({ length: n }, (_, i) => {
      const at = new Date(Date.parse('2022-02-19T09:31:17.147Z') + i * 1000).toISOString();
      return `[${at}] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.108.0.55:${20000 + i} 10.108.0.55:2234 10.108.0.56:${30000 + i} - -`;
    });
  /** A sidecar's PassthroughCluster entry: in on the original destination, out from the pod's own address. */
  const direct = '[2022-02-19T09:31:18.000Z] "- - -" 0 - - - "-" 805 15199 158 - "-" "-" "-" "-" "104.102.54.251:443" PassthroughCluster 172.17.34.35:45584 104.102.54.251:443 172.17.34.35:45582 cloud.ibm.com -';

  it.each([
    ['first', (g: string[]) => [direct, ...g]],
    ['last', (g: string[]) => [...g, direct]],
  ])('flags the input whatever the share (one in 201, %s): read as a gateway\'s, its direct egress passed as gateway-only, exit 0', async (_where, mix) => {
    const file = join(dir, `gateway-and-one-direct-${_where}.log`);
    writeFileSync(file, `${mix(gatewayLines(200)).join('\n')}\n`);
    const res = await runCli(['audit', file, '-o', 'json']);
    const mixed = warnings(res.stdout).find((w) => w.code === 'mixed-roles');
    expect(mixed?.message).toContain("(read as an egress gateway; 1 of 201 entries read like a sidecar's, e.g. line");
    expect(mixed?.message).toContain('it leaves the mesh from another address than it arrived on, as a sidecar does');
    expect(res.code).toBe(1);
  });

  it('finds it past the entries checked one by one (4,096), where one in eight is sampled', async () => {
    const file = join(dir, 'gateway-long-and-one-direct.log');
    writeFileSync(file, `${[...gatewayLines(5000), direct].join('\n')}\n`); // entry 5,001: not one the sample takes
    const res = await runCli(['audit', file, '-o', 'json']);
    const mixed = warnings(res.stdout).find((w) => w.code === 'mixed-roles');
    expect(mixed?.message).toContain("(read as an egress gateway; 1 of 4210 sampled entries (of 5001) read like a sidecar's, e.g. line 5001");
    expect(res.code).toBe(1);
  });

  it('takes a dual-stack gateway\'s entry (in on its IPv6 address, out from its IPv4 one) for an odd line, below the share', async () => {
    const dual = '[2022-02-19T09:31:18.000Z] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "192.168.0.78:1234" outbound|1234||my.server.com 10.108.0.55:45584 [2001:db8::55]:2234 [2001:db8::56]:45582 - -';
    const file = join(dir, 'gateway-dual-stack.log');
    writeFileSync(file, `${[...gatewayLines(200), dual].join('\n')}\n`);
    const res = await runCli(['audit', file, '-o', 'json', '--fail-on', 'none']);
    expect(warnings(res.stdout).map((w) => w.code)).not.toContain('mixed-roles');
  });
});
