// A line with no log time was decided as soon as it reached the head of the join's queue, so whether its gateway partner
// had been read by then hung on the order the inputs were read in: `audit` of fixtures/timeless-line joined it, `audit`
// of `parse`'s records of the same logs (read back as those lines) did not. See the fixture's README.
// An input with no log time at all cannot have its TCP connections joined (sockets pair within --window of a start it
// lacks): the unmatched-entries warning said to raise --window, which could not help; it now names the input and why.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const DIR = fileURLToPath(new URL('../../fixtures/timeless-line', import.meta.url));
const FILES = ['sidecar.log', 'istio-egressgateway.log'];

/** Each flow of an `audit -o ndjson` run in `cwd` as `verdict sidecar-line gateway-line`, sorted. */
async function flows(cwd: string, inputs: string[]): Promise<string[]> {
  const run = await runCli(['audit', ...inputs, '-o', 'ndjson', '--fail-on', 'none'], { cwd });
  expect(run.code, run.stderr).toBe(0);
  type Hop = { source: { line: number } } | null;
  return ndjson(run.stdout)
    .filter((o) => o['type'] === 'flow')
    .map((o) => `${String(o['verdict'])} ${(o['sidecar'] as Hop)?.source.line ?? '-'} ${(o['gateway'] as Hop)?.source.line ?? '-'}`)
    .sort();
}

describe('a line with no log time', () => {
  it("is joined to its gateway partner whether the logs or parse's records of them are audited", async () => {
    const logs = await flows(DIR, FILES);
    expect(logs).toContain('via-gateway 3 3');
    const dir = tempDir('timeless-line-');
    for (const file of FILES) {
      const parsed = await runCli(['parse', join(DIR, file)], { cwd: DIR });
      expect(parsed.code, parsed.stderr).toBe(0);
      writeFileSync(join(dir, `${file}.records.jsonl`), parsed.stdout);
    }
    // Was via-gateway-unconfirmed 3 - and gateway-only - 3.
    expect(await flows(dir, FILES.map((f) => `${f}.records.jsonl`))).toEqual(logs);
  });
});

describe('an egress-gateway log with no log time at all (a custom format without %START_TIME%)', () => {
  const TCP = fileURLToPath(new URL('../../fixtures/scenarios/corpus-tcp-custom-gateway', import.meta.url));

  /** The scenario's gateway log as JSON access-log lines (parse's records without their source), `start_time` dropped unless `keepTime`. */
  async function gatewayJson(dir: string, keepTime: boolean): Promise<string> {
    const parsed = await runCli(['parse', join(TCP, 'egress-gateway.log')]);
    expect(parsed.code, parsed.stderr).toBe(0);
    const lines = ndjson(parsed.stdout).map(({ source: _source, start_time, ...record }) => JSON.stringify(keepTime ? { start_time, ...record } : record));
    const path = join(dir, keepTime ? 'gateway-timed.json' : 'gateway-timeless.json');
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  it('names the input and why its TCP entries stay unjoined, instead of telling to raise --window', async () => {
    const dir = tempDir('timeless-gateway-');
    const audit = async (gateway: string) => {
      const run = await runCli(['audit', '--sidecar', join(TCP, 'sidecar.log'), '--gateway', gateway, '-o', 'json', '--fail-on', 'none']);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as { summary: { verdicts: Record<string, number> }; coverage: { warnings: { code: string; message: string }[] } };
    };
    // With its start times, the same lines join: the time is what the join lacks.
    const timed = await audit(await gatewayJson(dir, true));
    expect(timed.summary.verdicts['via-gateway']).toBe(2);
    const timeless = await audit(await gatewayJson(dir, false));
    expect(timeless.summary.verdicts).toMatchObject({ 'via-gateway': 0, 'via-gateway-unconfirmed': 2, 'gateway-only': 2 });
    const unmatched = timeless.coverage.warnings.find((w) => w.code === 'unmatched-entries')?.message ?? '';
    expect(unmatched).toContain('1 input logged no log time');
    expect(unmatched).toContain('gateway-timeless.json');
    expect(unmatched).toContain('a TCP or TLS connection is paired by its sockets within --window of its start, and no --window helps');
    expect(unmatched).not.toContain('raise --window');
    expect(readFileSync(join(dir, 'gateway-timeless.json'), 'utf8')).not.toContain('start_time');
  });
});
