import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Threads to use: EGRESS_AUDIT_THREADS, or one per core (the main thread mostly waits on I/O). */
export function threadCount(): number {
  const env = Number(process.env['EGRESS_AUDIT_THREADS']);
  return Number.isInteger(env) && env >= 0 ? env : Math.min(availableParallelism(), 4);
}

interface Job<R> {
  resolve(value: R): void;
  reject(error: Error): void;
}

/**
 * Why the pool's threads stopped (a worker that could not load its script, threw, ran out of memory or exited): every
 * job still pending is rejected with it, so that a caller can redo them or fail, never wait on a thread that is gone.
 */
export class WorkerPoolFailure extends Error {
  override readonly name = 'WorkerPoolFailure';
}

/** A worker's failure in a few words, one line: what a user can act on (a missing script names its path). */
function describeFailure(error: Error, script: URL): string {
  const code = (error as NodeJS.ErrnoException).code;
  const path = script.protocol === 'file:' ? fileURLToPath(script) : script.href.slice(0, 80);
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'a worker thread ran out of memory';
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') return `the worker script ${path} is missing`;
  return `a worker thread failed (${(error.message.split('\n')[0] ?? '').slice(0, 200)})`;
}

/**
 * A fixed set of worker threads running one kind of task. Each worker answers its tasks in order,
 * so a caller that awaits results in submission order gets them in input order. When any worker fails,
 * the whole pool stops: every pending job is rejected once with `failure`, later answers are ignored, and
 * later tasks are rejected at once, so that no job hangs and none is answered twice.
 */
export class WorkerPool<T, R> {
  private readonly workers: { worker: Worker; queue: Job<R>[] }[] = [];
  private closing = false;
  /** Why the threads stopped, or null while they run. */
  failure: WorkerPoolFailure | null = null;

  constructor(
    private readonly script: URL,
    size: number,
  ) {
    for (let i = 0; i < size && this.failure === null; i++) {
      let worker: Worker;
      try {
        // A small young generation keeps each worker's memory low; its garbage is short-lived anyway.
        worker = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      } catch (error) {
        this.fail(describeFailure(error as Error, script));
        break;
      }
      const slot = { worker, queue: [] as Job<R>[] };
      worker.on('message', (result: R) => {
        if (this.failure === null) slot.queue.shift()?.resolve(result);
      });
      worker.on('error', (error) => this.fail(describeFailure(error, this.script)));
      // A worker that exits on its own (process.exit in it, a fatal error without an 'error' event) would leave its jobs unanswered.
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(`a worker thread exited (code ${code})`);
      });
      this.workers.push(slot);
    }
  }

  private fail(why: string): void {
    if (this.failure !== null || this.closing) return;
    this.failure = new WorkerPoolFailure(why);
    for (const slot of this.workers) for (const job of slot.queue.splice(0)) job.reject(this.failure);
    void this.close();
  }

  /** Sends a task to the least busy worker; `transfer` hands buffers over without a copy. */
  run(task: T, transfer: ArrayBuffer[] = []): Promise<R> {
    if (this.failure !== null) return Promise.reject(this.failure);
    let slot = this.workers[0] as (typeof this.workers)[number];
    for (const w of this.workers) if (w.queue.length < slot.queue.length) slot = w;
    return new Promise<R>((resolve, reject) => {
      slot.queue.push({ resolve, reject });
      slot.worker.postMessage(task, transfer);
    });
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
