import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

const VIA = fileURLToPath(new URL('../../fixtures/scenarios/seed-000-via-gateway-tcp/', import.meta.url));

/** ESC, BEL and the C1 CSI: what a terminal acts on. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("commander's own errors quote argv with control characters escaped", () => {
  it('an unknown option (a file name starting with - that a glob put on the command line)', async () => {
    const res = await runCli(['audit', '--\u001b]0;pwned\u0007.log']);
    expect(res.code).toBe(2);
    expect(res.stderr).not.toMatch(CONTROL);
    expect(res.stderr).toContain("error: unknown option '--\\e]0;pwned\\x07.log'");
  });

  it('an unknown command, and a newline inside it cannot start a line of its own', async () => {
    const res = await runCli(['\u001b[2Jaudit\nFAKE: all clear']);
    expect(res.code).toBe(2);
    expect(res.stderr).not.toMatch(CONTROL);
    expect(res.stderr.split('\n').some((l) => l.startsWith('FAKE'))).toBe(false);
    expect(res.stderr).toContain("error: unknown command '\\e[2Jaudit\\nFAKE: all clear'");
  });

  it("keeps commander's own line breaks: the suggestion and the help hint", async () => {
    const res = await runCli(['audit', '--windw', '5s']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe("error: unknown option '--windw'\n(Did you mean --window?)\n(run with --help for usage)\n");
  });
});

describe('flags that would be ignored', () => {
  it('--speed without --dashboard is a usage error (exit 2), not a replay that never happens', async () => {
    const res = await runCli(['audit', '--speed', '10', VIA]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--speed only applies with --dashboard');
    expect(res.stdout).toBe('');
  });

  it('--speed with --dashboard is accepted (off a terminal the table is written instead, and said)', async () => {
    const res = await runCli(['audit', '--dashboard', '--speed', '10', VIA]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('--dashboard needs a terminal on stdout');
  });
});
