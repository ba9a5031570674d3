// The report model of an audit is plain data, as writers, the dashboard and tests take it: a structured clone of it
// (what a worker or a snapshot would get) compares equal to it, with nothing in it that a clone turns into another thing.
// Report.heldByBaseline, a live Set of the policy stage, was not (a clone copied it, but the report was not data like the rest).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAudit } from '../../src/commands/audit.js';
import type { Report } from '../../src/report/model.js';
import { auditOptions } from '../helpers/program.js';
import { tempFolders } from '../helpers/temp-folders.js';

const DEMO = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url));

/** The reports the runs of this file ended with (finishRun's own result). */
const reports: Report[] = [];

vi.mock('../../src/run/finish.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/run/finish.js')>();
  return {
    ...real,
    finishRun: async (...args: Parameters<typeof real.finishRun>) => {
      const finished = await real.finishRun(...args);
      reports.push(finished.report);
      return finished;
    },
  };
});

const tempDir = tempFolders();

/** True when `value` holds nothing but plain objects, arrays, strings, numbers, booleans and null. */
function plain(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(plain);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every(plain);
}

describe('the report model of a demo audit', () => {
  beforeEach(() => {
    reports.length = 0;
    // Written and let go: a writer waits for its chunks' callbacks.
    const swallow = ((_chunk: unknown, encoding?: unknown, done?: unknown): boolean => {
      const callback = typeof encoding === 'function' ? encoding : done;
      if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
      return true;
    }) as typeof process.stdout.write;
    vi.spyOn(process.stdout, 'write').mockImplementation(swallow);
    vi.spyOn(process.stderr, 'write').mockImplementation(swallow);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('survives structuredClone and compares equal, with a --baseline too (heldByBaseline a sorted list)', async () => {
    const baseline = join(tempDir('ea-plain-'), 'baseline.json');
    await runAudit([DEMO], await auditOptions(['-o', 'json', '--write-baseline', baseline]));
    await runAudit([DEMO], await auditOptions(['-o', 'json', '--baseline', baseline]));
    expect(reports).toHaveLength(2);
    const held = reports[1]?.heldByBaseline;
    expect(held?.length).toBeGreaterThan(0);
    expect(held).toEqual([...(held ?? [])].sort());
    for (const report of reports) {
      expect(plain(report)).toBe(true);
      expect(structuredClone(report)).toEqual(report);
    }
  });
});
