import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const IDN = fileURLToPath(new URL('../../fixtures/policy/idn-baseline', import.meta.url));
const OLD = join(IDN, 'baseline-before-punycode.json');

interface Report {
  findings: { destination: string; baselined: boolean; failing: boolean }[];
}

describe('egress-audit audit --baseline: a baseline written before hosts were keyed in punycode', () => {
  it('still holds its international hosts (Unicode, upper case with root dot, full-width dot, an SNI, a look-alike)', async () => {
    const res = await runCli(['audit', join(IDN, 'sidecar.log'), '--baseline', OLD, '-o', 'json']);
    const report = JSON.parse(res.stdout) as Report;
    // The ServiceEntry host is held. The others are names only the client claimed (PassthroughCluster): their findings
    // are now the address's too, which a baseline of that time does not hold, so they come back as new (fingerprint.ts).
    expect(report.findings.map((f) => [f.destination, f.baselined, f.failing]).sort()).toEqual([
      ['api.example.com:80', false, true],
      ['xn--bcher-kva.example:80', true, false],
      ['xn--bcher-kva.example:8080', false, true],
      ['xn--pple-43d.com:80', false, true],
      ['xn--strae-oqa.example:443', false, true],
    ]);
    expect(res.code).toBe(1);
  });

  it('re-writes it with the punycode keys and today\'s fingerprints, which a later run holds as written', async () => {
    const again = join(tempDir('ea-idn-baseline-'), 'baseline.json');
    const res = await runCli(['audit', join(IDN, 'sidecar.log'), '--baseline', OLD, '--write-baseline', again]);
    expect(res.code).toBe(1); // the claimed names' findings, new (above)
    const text = readFileSync(again, 'utf8');
    expect(text).toContain('"destination":"xn--bcher-kva.example:8080"');
    expect(text).not.toMatch(/[^\x00-\x7f]/);
    expect((await runCli(['audit', join(IDN, 'sidecar.log'), '--baseline', again])).code).toBe(0);
  });
});
