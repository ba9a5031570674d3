// A record of parse's is longer than its line: JSON writes a backslash as two bytes and a control character as six
// (`\u001b`). An audit read a records stream with the lines' own --max-line-length, so the record of a long line (a
// client's 34 KB path of backslashes) was counted too long and its flow never judged: a direct flow passed, exit 0.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** A sidecar's PassthroughCluster request whose path is `path`: direct. */
function directLine(path: string): string {
  return `[2024-06-26T03:30:14.684Z] "GET /${path} HTTP/1.1" 200 - via_upstream - "-" 0 2381 12 12 "-" "curl/8.8.0" "599df0d8" "x.example.com" "183.2.172.185:80" PassthroughCluster 10.244.96.245:47908 183.2.172.185:80 10.244.96.245:47906 - allow_any`;
}

describe("parse's records of long lines, read back", () => {
  it.each([
    ['a 34 KB path of backslashes (each two bytes in JSON)', '\\'.repeat(34_000)],
    ['a 15 KB path of ESC characters (each six bytes in JSON)', '\u001b'.repeat(15_000)],
  ])('are audited as their lines are: %s', async (_name, path) => {
    const dir = tempDir('ea-records-long-');
    const log = join(dir, 'sidecar.log');
    writeFileSync(log, `${directLine('short')}\n${directLine(path)}\n`);
    const fromLog = await runCli(['audit', log, '-o', 'json']);
    expect(fromLog.code).toBe(1);
    const records = (await runCli(['parse', log])).stdout;
    expect(records.length).toBeGreaterThan(65_536); // longer than the default --max-line-length
    const res = await runCli(['audit', '-', '-o', 'json'], { input: records });
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout) as { summary: { verdicts: Record<string, number> }; coverage: { lines: { tooLong: number } } };
    expect(report.summary.verdicts['direct']).toBe(2); // was 1: the long line's record was too long, its flow never judged
    expect(report.coverage.lines.tooLong).toBe(0);
  });
});
