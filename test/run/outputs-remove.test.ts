// A run that completes no report removes an earlier run's report at a --report path (CI uploading it with `if: always()`
// must not take it for this run's). One that cannot be removed was passed over in silence, and the removals after a
// report that could not be opened were not awaited: said after the error that ended the run, or not at all.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { AuditCommonOptions } from '../../src/run/options.js';
import { openOutputs, removeEarlierReportsNamedIn } from '../../src/run/outputs.js';
import { tempFolders } from '../helpers/temp-folders.js';
import { buildReport, flow, render } from '../report/helpers.js';

/** The paths whose unlinkSync fails as in a directory the run may not write (root ignores modes, so it is mocked). */
const undeletable = vi.hoisted(() => new Set<string>());
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const unlinkSync = (path: import('node:fs').PathLike): void => {
    if (undeletable.has(String(path))) throw Object.assign(new Error(`EACCES: permission denied, unlink '${String(path)}'`), { code: 'EACCES' });
    fs.unlinkSync(path);
  };
  return { ...fs, default: { ...fs, unlinkSync }, unlinkSync };
});

const tempDir = tempFolders();
const KEPT = "it holds an earlier run's report and this run did not complete one: do not take it for this run's report";

let stderr: string[];
beforeEach(() => {
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0);
});
afterEach(() => {
  vi.restoreAllMocks();
  undeletable.clear();
});

/** An earlier run's JSON report at `path` (told as one by its content). */
async function earlierReport(path: string): Promise<string> {
  writeFileSync(path, await render('json', [], buildReport([flow()])));
  return path;
}

function options(report: AuditCommonOptions['report']): AuditCommonOptions {
  return { policy: null, meshCidr: [], clusterDomain: null, gatewayHost: [], gatewayNamespaces: [], windowMs: 5000, maxPending: 1000, output: 'table', report, failOn: ['direct'], baseline: null, writeBaseline: null, color: false };
}

describe("an earlier run's report that cannot be removed", () => {
  it('is named, with why, after a usage error', async () => {
    const path = await earlierReport(join(tempDir('ea-remove-'), 'r.json'));
    undeletable.add(path);
    await removeEarlierReportsNamedIn(['audit', 'logs/', '--report', `json=${path}`]);
    expect(existsSync(path)).toBe(true);
    expect(stderr).toEqual([`egress-audit: cannot remove ${path} (permission denied): ${KEPT}\n`]);
  });

  it('is named when a report cannot be opened: the one opened before it and those after, each before the error ends the run', async () => {
    const dir = tempDir('ea-remove-');
    const before = await earlierReport(join(dir, 'a.json'));
    const after = await earlierReport(join(dir, 'c.json'));
    const removable = await earlierReport(join(dir, 'd.json'));
    undeletable.add(before).add(after);
    const report = options([
      { format: 'json', path: before },
      { format: 'junit', path: join(dir, 'missing', 'b.xml') },
      { format: 'json', path: after },
      { format: 'json', path: removable },
    ]);
    const opened = openOutputs(report, null);
    await expect(opened).rejects.toBeInstanceOf(InputError);
    // Said by the time openOutputs rejects, in the flags' order: the caller prints its error next.
    expect(stderr).toEqual([
      `egress-audit: cannot remove ${before} (permission denied): ${KEPT}\n`,
      `egress-audit: cannot remove ${after} (permission denied): ${KEPT}\n`,
      `egress-audit: removed ${removable}: it was an earlier run's report and this run did not complete one\n`,
    ]);
    expect([existsSync(before), existsSync(after), existsSync(removable)]).toEqual([true, true, false]);
  });
});

describe("an earlier run's report reached through a symbolic link (reports are written through links)", () => {
  // It was left, said to be no report of egress-audit's, after a usage error and after a report that could not be
  // opened: CI reading the link took the earlier run's report for this run's. An opened one was removed through it.
  it('is removed, through the link, after a usage error and after a report that could not be opened', async () => {
    const dir = tempDir('ea-remove-');
    mkdirSync(join(dir, 'real'));
    const target = await earlierReport(join(dir, 'real', 'r.json'));
    const link = join(dir, 'r.json');
    symlinkSync(target, link);
    await removeEarlierReportsNamedIn(['audit', 'logs/', '--report', `json=${link}`]);
    expect(stderr).toEqual([`egress-audit: removed ${link}: it was an earlier run's report and this run did not complete one\n`]);
    expect(existsSync(target)).toBe(false);

    stderr.length = 0;
    await earlierReport(target);
    await expect(openOutputs(options([{ format: 'junit', path: join(dir, 'missing', 'b.xml') }, { format: 'json', path: link }]), null)).rejects.toBeInstanceOf(InputError);
    expect(stderr).toEqual([`egress-audit: removed ${link}: it was an earlier run's report and this run did not complete one\n`]);
    expect(existsSync(target)).toBe(false);
  });

  it('leaves a file that is no report alone, link or not', async () => {
    const dir = tempDir('ea-remove-');
    const log = join(dir, 'app.log');
    writeFileSync(log, 'not a report\n');
    symlinkSync(log, join(dir, 'r.json'));
    await removeEarlierReportsNamedIn(['audit', 'logs/', '--report', `json=${join(dir, 'r.json')}`]);
    expect(existsSync(log)).toBe(true);
    expect(stderr.join('')).toContain('as it was: it does not hold a report');
  });
});
