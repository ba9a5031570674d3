// Policy errors as a CI log shows them: exit 3, file:line:col, and the value that is wrong (escaped).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const DEMO = fileURLToPath(new URL('../../fixtures/demo', import.meta.url));
const HEAD = 'apiVersion: egress-audit/v1\nkind: EgressPolicy\n';

let dir = '';
beforeAll(() => {
  dir = tempDir('ea-policy-errors-');
});

/** Runs an audit of the demo under a policy of `text`, saved as `name`, with `flags`. */
async function auditWith(name: string, text: string, ...flags: string[]): Promise<{ code: number | null; stdout: string; stderr: string; file: string }> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const res = await runCli(['audit', DEMO, '--policy', file, '-o', 'json', ...flags]);
  return { code: res.code, stdout: res.stdout, stderr: res.stderr, file };
}

describe('policy errors through the CLI', () => {
  it('quotes each wrong port as written, a number bare and a string in quotes, control characters escaped', async () => {
    const { code, stderr, file } = await auditWith('ports.yaml', `${HEAD}allow:\n  - id: a\n    reason: A vendor (SEC-1).\n    hosts: [a.example]\n    ports: [70000, "70000", 0, "9-\\x1b[2J", "9-1", 1.5]\n`);
    expect(code).toBe(3);
    expect(stderr.split('\n').filter((l) => l !== '')).toEqual([
      `egress-audit: ${file}:7:13: allow[0].ports[0]: 70000 must be a port (1-65535) or a range such as "8000-8100"`,
      `${file}:7:20: allow[0].ports[1]: "70000" must be a port (1-65535) or a range such as "8000-8100"`,
      `${file}:7:29: allow[0].ports[2]: 0 must be a port (1-65535) or a range such as "8000-8100"`,
      `${file}:7:32: allow[0].ports[3]: "9-\\e[2J" must be a port (1-65535) or a range such as "8000-8100"`,
      `${file}:7:45: allow[0].ports[4]: "9-1" must be a range from a lower to a higher port`,
      `${file}:7:52: allow[0].ports[5]: 1.5 must be a port (1-65535) or a range such as "8000-8100", not a fraction`,
    ]);
    expect(stderr).not.toContain('\x1b');
  });

  it('quotes a wrong expires and clusterDomain as written, control characters escaped', async () => {
    const { code, stderr, file } = await auditWith('dates.yaml', `${HEAD}mesh:\n  clusterDomain: "corp.\\x1b]0;pwned\\x07local"\nallow:\n  - id: a\n    reason: A vendor (SEC-1).\n    hosts: [a.example]\n    expires: "31/12/2027\\x1b[2J"\n`);
    expect(code).toBe(3);
    expect(stderr.split('\n').filter((l) => l !== '')).toEqual([
      `egress-audit: ${file}:4:18: mesh.clusterDomain: "corp.\\e]0;pwned\\x07local" must be a DNS domain such as cluster.local`, // the value was not said
      `${file}:9:14: allow[0].expires: "31/12/2027\\e[2J" must be a date (YYYY-MM-DD)`,
    ]);
    expect(stderr).not.toMatch(/[\x07\x1b]/);
  });

  it('refuses an alias bomb at the alias that passed the limit, naming its anchor\'s line', async () => {
    const bomb = `${HEAD}mesh:\n  cidrs: &a [10.0.0.0/8]\n` + ['b', 'c', 'd'].map((name, i) => `x${i}: &${name} [${Array(10).fill(`*${['a', 'b', 'c'][i] ?? ''}`).join(', ')}]\n`).join('');
    const { code, stderr, file } = await auditWith('bomb.yaml', bomb);
    expect(code).toBe(3);
    // &b is 11 copies of [10.0.0.0/8] (itself and 10 aliases); &c's 10th copy (line 6's 9th *b) holds 110.
    expect(stderr).toBe(
      `egress-audit: ${file}:6:41: *b: aliases expand the document past 100 copies of anchored nodes (&b on line 5), as a YAML alias bomb does to exhaust memory; a policy file is refused so: write the values out\n`,
    );
  });

  it('accepts an exception verdict this run does not report (one policy for a strict audit and a plain one), naming it unused and why', async () => {
    const policy = `${HEAD}allow:\n  - id: gw-ok\n    reason: Through the gateway anyway (SEC-2).\n    verdicts: [via-gateway, internal, via-gateway]\n    hosts: [storage.googleapis.com]\n`;
    // The demo's direct findings fail either way (exit 1); the policy is valid, whatever --fail-on says.
    const plain = await auditWith('verdicts.yaml', policy);
    expect(plain.code).toBe(1);
    // Nothing said of the policy on stderr (exceptions-unused is in the report): only the result line -o json leaves it.
    expect(plain.stderr).toMatch(/^egress-audit: FAIL: \d+ failing findings \(direct \d+\) \(exit 1\)\.\n$/);
    const report = JSON.parse(plain.stdout) as { coverage: { warnings: { code: string; message: string }[] } };
    const unused = report.coverage.warnings.find((w) => w.code === 'exceptions-unused');
    expect(unused?.message).toContain(`gw-ok (${plain.file}:4: via-gateway, internal are not findings in this run, and an exception allows only findings (--fail-on +via-gateway,+internal makes them so))`);
    // Where --fail-on makes them findings, the exception allows the demo's flows through the gateway to that host.
    const named = await auditWith('verdicts.yaml', policy, '--fail-on', '+via-gateway,+internal');
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/^egress-audit: FAIL: \d+ failing findings \([^)]*\) \(exit 1\)\.\n$/);
    const strict = JSON.parse(named.stdout) as { coverage: { warnings: { code: string }[] } };
    expect(strict.coverage.warnings.map((w) => w.code)).not.toContain('exceptions-unused');
  });

  it('shows a lone surrogate in a quoted value as U+FFFD on stderr, as the table and the reports show it, not as \\ud800', async () => {
    const { code, stderr, file } = await auditWith('surrogate.yaml', `${HEAD}allow:\n  - id: a\n    reason: A vendor (SEC-1).\n    hosts: ["bad\\ud800host\\x07.example"]\n`);
    expect(code).toBe(3);
    expect(stderr).toContain(`${file}:6:13: allow[0].hosts[0]: "bad\ufffdhost\\x07.example" has the label "bad\ufffdhost\\x07"`);
    expect(stderr).not.toContain('\\ud800');
  });
});
