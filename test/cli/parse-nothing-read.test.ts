// `parse` that read no access-log record exits 4, as an audit of nothing does: `egress-audit parse logs/ | jq ...` in a
// script exited 0 on an empty file, a file of only noise or an empty pipe, and the script read on with no records as if
// the logs held no traffic. Records read among malformed or noise lines still exit 0 (those lines are counted).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const TCP = '[2022-02-19T09:31:17.146Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';
const NOISE = '2020-08-20T03:25:49.580264Z\tinfo\tVersion 1.6.4\nnot a log line at all\n';
const NOTHING = 'egress-audit: no access-log records were read, so no record was written (exit 4)\n';

describe('parse with no access-log record read', () => {
  it('exits 4 on an empty file, saying so after the summary', async () => {
    const dir = tempDir('ea-parse-none-');
    writeFileSync(join(dir, 'empty.log'), '');
    const res = await runCli(['parse', join(dir, 'empty.log')]);
    expect(res.code, res.stderr).toBe(4);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(`egress-audit parse: 0 lines read, 0 records, 0 not access logs, 0 malformed, 0 too long\n${NOTHING}`);
  });

  it('exits 4 on a file of lines that are not access logs', async () => {
    const dir = tempDir('ea-parse-none-');
    writeFileSync(join(dir, 'noise.log'), NOISE);
    const res = await runCli(['parse', join(dir, 'noise.log')]);
    expect(res.code, res.stderr).toBe(4);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('2 lines read, 0 records, 2 not access logs');
    expect(res.stderr).toContain(NOTHING);
  });

  it('exits 4 on nothing piped into -', async () => {
    const res = await runCli(['parse', '-'], { input: '' });
    expect(res.code, res.stderr).toBe(4);
    expect(res.stderr).toContain(NOTHING);
  });

  it('exits 4 on a directory with nothing to read, after saying so', async () => {
    const dir = tempDir('ea-parse-none-');
    mkdirSync(join(dir, 'empty'));
    const res = await runCli(['parse', join(dir, 'empty')]);
    expect(res.code, res.stderr).toBe(4);
    expect(res.stderr).toContain(`${join(dir, 'empty')}: no files to read in this directory`);
    expect(res.stderr).toContain(NOTHING);
  });

  it('exits 4 on lines that are all malformed, and --strict still lists them', async () => {
    const bad = '[2024-03-01T10:00:00.123Z] "GET /x HTTP/1.1" 200\n';
    const plain = await runCli(['parse', '-'], { input: bad });
    expect(plain.code, plain.stderr).toBe(4);
    expect(plain.stderr).toContain('0 records, 0 not access logs, 1 malformed');
    const strict = await runCli(['parse', '--strict', '-'], { input: bad });
    expect(strict.code, strict.stderr).toBe(4);
    expect(strict.stderr).toContain('--strict: lines not read (first 1):\n  -:1: ');
    expect(strict.stderr).toContain(NOTHING);
  });

  it('exits 0 on one record among noise and malformed lines, which the summary counts', async () => {
    const res = await runCli(['parse', '-'], { input: `${NOISE}[2024-03-01T10:00:00.123Z] "GET /x HTTP/1.1" 200\n${TCP}\n` });
    expect(res.code, res.stderr).toBe(0);
    expect(ndjson(res.stdout)).toHaveLength(1);
    expect(res.stderr).toBe('egress-audit parse: 4 lines read, 1 record, 2 not access logs, 1 malformed (truncated 1), 0 too long\n');
  });

  it('exits 3, not 4, when an input could not be read, whatever else was read', async () => {
    const res = await runCli(['parse', '/nonexistent/x.log']);
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).not.toContain(NOTHING);
  });
});
