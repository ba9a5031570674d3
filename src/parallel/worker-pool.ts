import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

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
 * A fixed set of worker threads running one kind of task. Each worker answers its tasks in order,
 * so a caller that awaits results in submission order gets them in input order.
 */
export class WorkerPool<T, R> {
  private readonly workers: { worker: Worker; queue: Job<R>[] }[] = [];

  constructor(script: URL, size: number) {
    for (let i = 0; i < size; i++) {
      // A small young generation keeps each worker's memory low; its garbage is short-lived anyway.
      const worker = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      const slot = { worker, queue: [] as Job<R>[] };
      worker.on('message', (result: R) => slot.queue.shift()?.resolve(result));
      worker.on('error', (error) => {
        for (const job of slot.queue.splice(0)) job.reject(error);
      });
      this.workers.push(slot);
    }
  }

  /** Sends a task to the least busy worker; `transfer` hands buffers over without a copy. */
  run(task: T, transfer: ArrayBuffer[] = []): Promise<R> {
    let slot = this.workers[0] as (typeof this.workers)[number];
    for (const w of this.workers) if (w.queue.length < slot.queue.length) slot = w;
    return new Promise<R>((resolve, reject) => {
      slot.queue.push({ resolve, reject });
      slot.worker.postMessage(task, transfer);
    });
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
