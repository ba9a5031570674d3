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

describe('input flags whose value names nothing, or too much', () => {
  it.each([
    [['parse', '--format', '@', '-'], '--format: "@" names no file'],
    [['audit', '--format', '@ ', VIA], '--format: "@ " names no file'],
    [['parse', '--format', '', '-'], '--format: "" names no format'],
    [['audit', '--format', '  ', VIA], '--format: "  " names no format'],
    [['parse', '--max-line-length', '99999999999999', '-'], '--max-line-length: "99999999999999" is more than the largest allowed, 256MiB'],
    [['parse', '--max-line-length', '1GiB', '-'], '--max-line-length: "1GiB" is more than the largest allowed'],
    [['parse', '--max-line-length', '1024MiB', '-'], '--max-line-length: "1024MiB" is more than the largest allowed'],
    [['audit', '--window', '0s', VIA], '--window: "0s" is zero: a zero join window can never join'],
    [['audit', '--window', '0ms', VIA], '--window: "0ms" is zero'],
    [['watch', '--duration', '0s'], '--duration: "0s" is zero: a run of no time would stop before it read a line'],
    // A bare 0 is zero in any unit: told it is zero, as 0s is, not that it is no duration.
    [['audit', '--window', '0', VIA], '--window: "0" is zero: a zero join window can never join'],
    [['watch', '--duration', '0'], '--duration: "0" is zero: a run of no time would stop before it read a line'],
    // Another bare number is told what it lacks.
    [['audit', '--window', '5', VIA], '--window: "5" has no unit (use e.g. 5s or 5m; units: ms, s, m, h, d)'],
    [['watch', '--duration', '30'], '--duration: "30" has no unit (use e.g. 30s or 30m'],
    [['watch', '--since', '10'], '--since: "10" has no unit (use e.g. 10s or 10m'],
  ])('%j is a usage error naming the flag (exit 2)', async (args, message) => {
    const res = await runCli(args, { input: '' });
    expect(res.stderr).toContain(message);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.code).toBe(2);
  });

  it('sizes take K, M and G in any spelling, 1024-based, up to 256MiB', async () => {
    const line = '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -\n';
    for (const size of ['256MiB', '256m', '262144KiB', '268435456']) {
      const res = await runCli(['parse', '--max-line-length', size, '-'], { input: line });
      expect(res.code, `${size}: ${res.stderr}`).toBe(0);
    }
    const over = await runCli(['parse', '--max-line-length', '1g', '-'], { input: line });
    expect(over.code).toBe(2);
  });

  it('a --window above zero is taken', async () => {
    const res = await runCli(['audit', '--window', '1ms', '-o', 'json', VIA]);
    expect(res.code, res.stderr).toBe(0);
  });
});
