import { describe, expect, it } from 'vitest';
import { WorkerPool, WorkerPoolFailure } from '../../src/parallel/worker-pool.js';

/** A worker script as a data: URL (plain JavaScript, no file on disk): answers each number with its double, after `before` runs on it. */
function worker(before: string): URL {
  const code = `import { parentPort } from 'node:worker_threads';
let seen = 0;
parentPort.on('message', (n) => { seen++; ${before}; parentPort.postMessage(n * 2); });`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** Each job's outcome: its answer, or the failure it was rejected with. */
function settleAll(jobs: Promise<number>[]): Promise<(number | Error)[]> {
  return Promise.all(jobs.map((job) => job.catch((error: unknown) => error as Error)));
}

describe('WorkerPool', () => {
  it('answers jobs in submission order', async () => {
    const pool = new WorkerPool<number, number>(worker(''), 2);
    try {
      expect(await Promise.all([1, 2, 3, 4, 5].map((n) => pool.run(n)))).toEqual([2, 4, 6, 8, 10]);
    } finally {
      await pool.close();
    }
  });

  it('rejects every pending job when a worker exits mid-queue without an error event, and every later one', async () => {
    // The third job a worker takes ends it (process.exit in a worker ends the thread, with no 'error' event).
    const pool = new WorkerPool<number, number>(worker('if (seen === 3) process.exit(0)'), 1);
    try {
      const outcomes = await settleAll([1, 2, 3, 4, 5].map((n) => pool.run(n)));
      expect(outcomes.slice(0, 2)).toEqual([2, 4]);
      for (const outcome of outcomes.slice(2)) {
        expect(outcome).toBeInstanceOf(WorkerPoolFailure);
        expect((outcome as Error).message).toBe('a worker thread exited (code 0)');
      }
      await expect(pool.run(6)).rejects.toBeInstanceOf(WorkerPoolFailure);
    } finally {
      await pool.close();
    }
  });

  it('rejects the jobs of every worker, once each, when one of them throws', async () => {
    const pool = new WorkerPool<number, number>(worker("if (n === 3) throw new Error('boom\\n    at somewhere')"), 2);
    try {
      const outcomes = await settleAll([1, 2, 3, 4, 5, 6].map((n) => pool.run(n)));
      const failed = outcomes.filter((o) => o instanceof WorkerPoolFailure);
      expect(failed.length).toBeGreaterThanOrEqual(1);
      expect(outcomes.filter((o) => typeof o === 'number').length + failed.length).toBe(6);
      expect(failed.map((f) => (f as Error).message)).toContain('a worker thread failed (boom)');
      expect(outcomes[2]).toBeInstanceOf(WorkerPoolFailure);
    } finally {
      await pool.close();
    }
  });

  it('says a worker that ran out of memory did', async () => {
    const pool = new WorkerPool<number, number>(worker("throw Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' })"), 1);
    try {
      await expect(pool.run(1)).rejects.toThrow('a worker thread ran out of memory');
    } finally {
      await pool.close();
    }
  });

  it('rejects its jobs when the worker script is missing, naming it', async () => {
    const pool = new WorkerPool<number, number>(new URL('file:///nonexistent/egress-audit/parse-worker.js'), 2);
    try {
      const outcomes = await settleAll([1, 2, 3].map((n) => pool.run(n)));
      for (const outcome of outcomes) expect((outcome as Error).message).toBe('the worker script /nonexistent/egress-audit/parse-worker.js is missing');
    } finally {
      await pool.close();
    }
  });
});
