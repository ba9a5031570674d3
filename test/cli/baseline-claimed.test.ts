// A flow to a name only the client claimed (its Host header or SNI through PassthroughCluster or a wildcard cluster)
// was fingerprinted by that name alone: a baseline holding one such finding held a direct flow to any address that
// claimed the name (exit 0), and SARIF merged both into one alert. A Host header that is an IP literal was shown as
// the destination, where the log said the bytes went to another address.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** A sidecar's HTTP request through PassthroughCluster to `ip`, claiming `host`. */
function passthrough(host: string, ip: string): string {
  return `[2024-06-26T03:30:14.684Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 2381 12 12 "-" "curl/8.8.0" "599df0d8-0c22-9daa-820e-b4b03dd12db1" "${host}" "${ip}:80" PassthroughCluster 10.42.0.7:47908 ${ip}:80 10.42.0.7:47906 - allow_any`;
}

function log(dir: string, name: string, line: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${line}\n`);
  return path;
}

interface Report {
  findings: { destination: string; address?: string; fingerprint: string; baselined: boolean; failing: boolean }[];
}

describe('a baseline of a finding to a name the client claimed', () => {
  it('holds that address only: the same name claimed towards another address is a new finding, and fails', async () => {
    const dir = tempDir('ea-baseline-claimed-');
    const known = log(dir, 'known.log', passthrough('api.dropboxapi.com', '162.125.68.19'));
    const other = log(dir, 'other.log', passthrough('api.dropboxapi.com', '45.33.32.156'));
    const baseline = join(dir, 'baseline.json');
    expect((await runCli(['audit', '--sidecar', known, '--write-baseline', baseline])).code).toBe(1);
    expect(readFileSync(baseline, 'utf8')).toContain('"destination":"api.dropboxapi.com:80","address":"162.125.68.19"');
    expect((await runCli(['audit', '--sidecar', known, '--baseline', baseline])).code).toBe(0);
    const res = await runCli(['audit', '--sidecar', other, '--baseline', baseline, '-o', 'json']);
    expect(res.code).toBe(1); // was 0: one fingerprint for both
    const [finding] = (JSON.parse(res.stdout) as Report).findings;
    expect(finding).toMatchObject({ destination: 'api.dropboxapi.com:80', address: '45.33.32.156', baselined: false, failing: true });
    const table = (await runCli(['audit', '--sidecar', other, '--baseline', baseline])).stdout;
    expect(table).toContain('FAIL     direct 10.42.0.7 -> api.dropboxapi.com:80 at 45.33.32.156  1 flow');
  });

  it('is keyed by the address the log says, when the claimed Host is an IP literal of another address', async () => {
    const dir = tempDir('ea-baseline-claimed-ip-');
    const res = await runCli(['audit', '--sidecar', log(dir, 'ip.log', passthrough('162.125.68.19', '45.33.32.156')), '-o', 'json']);
    const [finding] = (JSON.parse(res.stdout) as Report).findings;
    expect(finding?.destination).toBe('45.33.32.156:80'); // was 162.125.68.19:80, the Host header's word
    expect(finding?.address).toBeUndefined(); // an address, not a claim
  });

  it('leaves the fingerprint of a finding to a named cluster as it was (a baseline of it still holds it)', async () => {
    const dir = tempDir('ea-baseline-named-');
    const line = '[2024-06-26T03:30:14.684Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 2381 12 12 "-" "curl/8.8.0" "599df0d8-0c22-9daa-820e-b4b03dd12db1" "api.stripe.com" "54.187.174.169:443" outbound|443||api.stripe.com 10.42.0.7:47908 54.187.174.169:443 10.42.0.7:47906 - default';
    const res = await runCli(['audit', '--sidecar', log(dir, 'named.log', line), '-o', 'json']);
    const [finding] = (JSON.parse(res.stdout) as Report).findings;
    expect(finding).toMatchObject({ destination: 'api.stripe.com:443', fingerprint: 'bdd17ee9eb9f02e6' }); // as a8b7841 gave it
    expect(finding?.address).toBeUndefined();
  });
});

describe('a baseline of a finding whose log does not say where its flows went', () => {
  // An accessLogFormat without %UPSTREAM_HOST% and %DOWNSTREAM_LOCAL_ADDRESS%: a passthrough flow is named by its Host
  // header alone, or by nothing (`unknown`), with no address. Such a finding is every such flow of its caller, wherever
  // each went: a baseline entry for it held the next day's direct flow to anywhere (exit 0).
  const FORMAT = '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% "%REQ(:AUTHORITY)%" %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS% %UPSTREAM_LOCAL_ADDRESS%';
  const line = (day: string, authority: string, port: number): string =>
    `[2026-11-${day}T10:00:00.000Z] "GET / HTTP/1.1" 200 - 0 2381 "${authority}" PassthroughCluster 10.42.0.7:47906 10.42.0.7:${port}`;

  it('is not recorded, says why, and an entry an older version wrote does not hold the flows', async () => {
    const dir = tempDir('ea-baseline-unlocated-');
    const today = join(dir, 'today.log');
    writeFileSync(today, `${line('02', 'api.github.com', 47908)}
${line('02', '-', 47910)}
`);
    const baseline = join(dir, 'baseline.json');
    const res = await runCli(['audit', '--format', FORMAT, '--sidecar', today, '--write-baseline', baseline]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain('2 failing findings were not recorded: the log does not say where their flows went');
    expect((JSON.parse(readFileSync(baseline, 'utf8')) as { findings: unknown[] }).findings).toEqual([]);
    // An entry for the same findings (as written before: its fields give back its fingerprint) holds nothing either.
    const report = JSON.parse((await runCli(['audit', '--format', FORMAT, '--sidecar', today, '-o', 'json'])).stdout) as { findings: (Report['findings'][number] & { rule: string; sourceWorkload: string; namespace: null })[] };
    const entries = report.findings.map(({ fingerprint, rule, destination, sourceWorkload, namespace }) => ({ fingerprint, verdict: 'direct', rule, destination, namespace, sourceWorkload }));
    writeFileSync(baseline, JSON.stringify({ schema: 'egress-audit/baseline@1', findings: entries }));
    const tomorrow = join(dir, 'tomorrow.log');
    writeFileSync(tomorrow, `${line('03', 'api.github.com', 47912)}
${line('03', '-', 47914)}
`);
    const later = await runCli(['audit', '--format', FORMAT, '--sidecar', tomorrow, '--baseline', baseline, '-o', 'json']);
    expect(later.code, later.stderr).toBe(1); // was 0: both held
    expect((JSON.parse(later.stdout) as Report).findings.map((f) => [f.destination, f.baselined, f.failing]).sort()).toEqual([
      ['api.github.com', false, true],
      ['unknown', false, true],
    ]);
  });
});

describe('an exception naming a host, at the egress gateway', () => {
  it('does not allow a gateway-only flow whose name the caller only claimed (PassthroughCluster, a wildcard cluster), as at a sidecar', async () => {
    const dir = tempDir('ea-gateway-claimed-');
    const lines = [
      '[2022-02-19T09:31:17.147Z] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "45.33.32.156:443" PassthroughCluster 10.108.0.55:49356 10.108.0.55:443 192.168.10.7:33706 api.partner.example -',
      '[2022-02-19T09:31:18.147Z] "- - -" 0 - - - "-" 85 844 12 - "-" "-" "-" "-" "45.33.32.156:443" outbound|443||*.partner.example 10.108.0.55:49357 10.108.0.55:443 192.168.10.7:33707 api.partner.example -',
      '[2022-02-19T09:31:19.147Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 612 29 28 "-" "curl/7.64.0" "7f1c8b0e-3d2a-9b4c-8e6f-0a1b2c3d4e51" "api.partner.example" "45.33.32.156:80" PassthroughCluster 10.108.0.55:49358 10.108.0.55:8080 192.168.10.7:33708 - -',
    ];
    const gateway = join(dir, 'egress-gateway.log');
    writeFileSync(gateway, `${lines.join('\n')}\n`);
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: partner\n    reason: a test\n    verdicts: [gateway-only]\n    hosts: [api.partner.example, "*.partner.example"]\n    from:\n      cidrs: [192.168.10.0/24]\n');
    const res = await runCli(['audit', '--gateway', gateway, '--policy', policy, '--fail-on', 'gateway-only', '-o', 'json']);
    expect(res.code).toBe(1); // was 0: all three allowed by `partner`
    const report = JSON.parse(res.stdout) as { flows: { allowedBy: unknown }[]; coverage: { warnings: { code: string }[] } };
    expect(report.flows.map((f) => f.allowedBy)).toEqual([null, null, null]);
    expect(report.coverage.warnings.map((w) => w.code)).toContain('claimed-host-not-trusted');
  });
});
