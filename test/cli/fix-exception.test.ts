import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const SCENARIOS = join(FIXTURES, 'scenarios');

interface Flow {
  verdict: string;
  rule: string;
  fingerprint: string;
  remediation: string | null;
  allowedBy: { id: string } | null;
}

/** The exception a remediation suggests, as the YAML flow mapping between its backquotes. */
const SUGGESTED = /under `allow:` in the policy file, `(\{id: <name>, reason: <why>, [^`]*\})`/;

async function flowsOf(dir: string, policy: string[] = []): Promise<Flow[]> {
  const res = await runCli(['audit', dir, '-o', 'json', '--fail-on', 'none', ...policy]);
  expect(res.stderr).not.toContain('internal error');
  expect(res.code, res.stderr).toBe(0);
  return (JSON.parse(res.stdout) as { flows: Flow[] }).flows;
}

describe('the exception a finding suggests, copied into a policy file, allows that finding', () => {
  const inputs = [join(FIXTURES, 'demo'), ...readdirSync(SCENARIOS).filter((n) => !n.includes('.')).map((n) => join(SCENARIOS, n))];

  it.each(inputs.map((dir) => [dir.slice(FIXTURES.length), dir]))('%s', async (_name, dir) => {
    const before = await flowsOf(dir);
    const suggested = new Map<string, string>();
    const owners = new Set<string>();
    let findings = 0;
    for (const flow of before) {
      if (!(flow.remediation ?? '').includes('`allow:`')) continue;
      const text = flow.remediation?.match(SUGGESTED)?.[1];
      expect(text, `${flow.rule}: ${flow.remediation}`).toBeDefined();
      if (!suggested.has(text as string)) suggested.set(text as string, `fix-${suggested.size}`);
      owners.add(flow.fingerprint);
      findings++;
    }
    const lines = ['apiVersion: egress-audit/v1', 'kind: EgressPolicy', 'allow:', ...[...suggested].map(([text, id]) => `  - ${text.replace('<name>', id).replace('<why>', 'accepted in a test')}`)];
    const policy = join(tempDir('ea-fix-exception-'), 'policy.yaml');
    writeFileSync(policy, suggested.size === 0 ? 'apiVersion: egress-audit/v1\nkind: EgressPolicy\n' : `${lines.join('\n')}\n`);
    const after = await flowsOf(dir, ['--policy', policy]);
    // Each flow a suggestion was made for is allowed (by its own, or by an earlier one that covers it too), and a
    // flow without one stays as it was: no suggested exception reaches beyond the findings it was made for.
    for (const flow of after) {
      if (owners.has(flow.fingerprint)) expect(flow.allowedBy?.id, `${flow.rule} ${flow.fingerprint}`).toMatch(/^fix-\d+$/);
      else expect(flow.allowedBy, `${flow.rule} ${flow.fingerprint}`).toBeNull();
    }
    expect(after.filter((f) => f.allowedBy !== null)).toHaveLength(findings);
  });
});

describe("flows to several addresses under one claimed name", () => {
  /** Sidecar lines sending `pypi.org` (its SNI, only the client's claim) through PassthroughCluster to `count` addresses. */
  function passthrough(count: number, newestFirst = false): string {
    const dir = tempDir('ea-fix-addresses-');
    const lines = Array.from({ length: count }, (_, i) => {
      const to = `151.101.0.${i + 1}:443`;
      return `[2026-11-02T09:00:00.${String(i).padStart(3, '0')}Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "${to}" PassthroughCluster 10.244.1.18:${40000 + i} ${to} 10.244.1.18:${50000 + i} pypi.org -`;
    });
    writeFileSync(join(dir, 'sidecar.log'), `${(newestFirst ? lines.reverse() : lines).join('\n')}\n`);
    return join(dir, 'sidecar.log');
  }

  interface Found {
    fingerprint: string;
    destination: string;
    address?: string;
    remediation: string;
    failing: boolean;
    count: number;
  }

  async function findingsOf(file: string, policy: string[] = []): Promise<Found[]> {
    const res = await runCli(['audit', '--sidecar', file, '-o', 'json', ...policy]);
    return (JSON.parse(res.stdout) as { findings: Found[] }).findings;
  }

  it('are a finding per address (the name proves nothing), each suggesting the exception for its own, which allows its flows only', async () => {
    const file = passthrough(3);
    const findings = await findingsOf(file);
    expect(findings.map((f) => [f.destination, f.address, f.count]).sort()).toEqual([
      ['pypi.org:443', '151.101.0.1', 1],
      ['pypi.org:443', '151.101.0.2', 1],
      ['pypi.org:443', '151.101.0.3', 1],
    ]);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(3);
    const first = findings.find((f) => f.address === '151.101.0.1') as Found;
    const text = first.remediation.match(SUGGESTED)?.[1] ?? '';
    expect(text).toBe('{id: <name>, reason: <why>, cidrs: [151.101.0.1], ports: [443], from: {cidrs: [10.244.1.18]}}');
    const policy = join(tempDir('ea-fix-addresses-'), 'policy.yaml');
    writeFileSync(policy, `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - ${text.replace('<name>', 'pypi').replace('<why>', 'a test')}\n`);
    const after = await findingsOf(file, ['--policy', policy]);
    expect(after.map((f) => [f.address, f.failing]).sort()).toEqual([
      ['151.101.0.1', false],
      ['151.101.0.2', true],
      ['151.101.0.3', true],
    ]);
  });

  it('name the address dialled, not a claimed name that reads as an IP (an SNI 1.2.3.4 sent to 5.6.7.8), so the exception allows the flow', async () => {
    const dir = tempDir('ea-fix-sni-ip-');
    const file = join(dir, 'sidecar.log');
    writeFileSync(file, '[2026-11-02T09:00:00.000Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "5.6.7.8:443" PassthroughCluster 10.244.1.18:40000 5.6.7.8:443 10.244.1.18:50000 1.2.3.4 -\n');
    const [found] = await findingsOf(file);
    expect(found?.remediation).toContain('here the client named 1.2.3.4 and dialled 5.6.7.8.');
    const text = found?.remediation.match(SUGGESTED)?.[1] ?? '';
    expect(text).toBe('{id: <name>, reason: <why>, cidrs: [5.6.7.8], ports: [443], from: {cidrs: [10.244.1.18]}}');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - ${text.replace('<name>', 'sni-ip').replace('<why>', 'a test')}\n`);
    expect((await findingsOf(file, ['--policy', policy])).map((f) => f.failing)).toEqual([false]);
  });

  it('give the same findings whatever order their flows came in', async () => {
    const shown = (findings: Found[]): unknown[] => findings.map((f) => [f.fingerprint, f.address, f.count, f.remediation]);
    const forward = shown(await findingsOf(passthrough(12)));
    expect(forward).toHaveLength(12);
    expect(shown(await findingsOf(passthrough(12, true)))).toEqual(forward);
  });
});

describe('a fix longer than the table and Markdown show of a sentence', () => {
  it('keeps its start and its end, the exception to copy, and leaves out the middle', async () => {
    // A real DNS name of 251 characters (at most 253), named four times in the fix: it runs past the 1,024 characters shown.
    const host = `${Array.from({ length: 4 }, (_, i) => `${String(i)}${'a'.repeat(60)}`).join('.')}.com`;
    const dir = tempDir('ea-fix-long-');
    writeFileSync(
      join(dir, 'sidecar.log'),
      `[2023-05-15T12:05:33.870Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 19783 87 86 "-" "curl/7.88.1" "c2a5f1f0-21b1-9f0a-8a07-3e6f1d5b7c90" "${host}" "142.250.204.36:443" outbound|443||${host} 10.244.1.20:48772 142.250.204.36:443 10.244.1.20:48770 - default\n`,
    );
    const json = JSON.parse((await runCli(['audit', '--sidecar', join(dir, 'sidecar.log'), '-o', 'json'])).stdout) as { findings: { remediation: string }[] };
    const fix = json.findings[0]?.remediation ?? '';
    expect(fix.length).toBeGreaterThan(1024);
    const suggestion = `\`{id: <name>, reason: <why>, hosts: [${host}], ports: [443], from: {cidrs: [10.244.1.20]}}\``;
    expect(fix).toContain(suggestion);
    // The table wraps a long host inside the name: compared without white space.
    const table = (await runCli(['audit', '--sidecar', join(dir, 'sidecar.log')])).stdout.replace(/\s+/g, '');
    expect(table).toContain('fixRoute');
    expect(table).toContain(`{id:<name>,reason:<why>,hosts:[${host}],ports:[443],from:{cidrs:[10.244.1.20]}}`);
    expect(table).toMatch(/…\(\+\d+characters\)…/);
    const markdown = (await runCli(['audit', '--sidecar', join(dir, 'sidecar.log'), '-o', 'markdown'])).stdout;
    expect(markdown).toContain('**Fix:** Route');
    expect(markdown).toContain(`{id: &lt;name&gt;, reason: &lt;why&gt;, hosts: \\[${host}\\]`);
  });
});
