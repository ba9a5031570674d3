/**
 * List, then watch, for as long as the run lasts: resume a closed or dropped watch from the last
 * resourceVersion, relist after a 410 (either form), back off with jitter on errors, and tell the owner
 * when the view of the cluster is failing or healthy again. The first list is the caller's to fail on;
 * one the caller leaves to retry (a transient failure) goes through listThenRun.
 */
import { KubeApiError, type ApiAction } from './api-errors.js';
import { sleep } from '../../sleep.js';
import { Backoff, retryWait } from './backoff.js';
import type { KubeHttp } from './kube-http.js';
import { listAll, watchOnce, type KubeObject, type WatchEventType } from './list-watch.js';

/** Where an informer delivers what it learns. */
export interface InformerSink<T> {
  /** The complete current set (after the first list and every relist): objects not in it are gone. */
  replace(items: T[]): void;
  event(type: WatchEventType, object: T): void;
  /** The latest failure, or null once it works again. */
  health(error: KubeApiError | null): void;
}

/** What to list and watch. */
export interface InformerSpec {
  /** The list action (its verb is switched to `watch` for watches, so 403s name the right permission). */
  action: ApiAction;
  path: string;
  query: Record<string, string>;
}

/** One resource collection kept in sync. */
export class Informer<T extends KubeObject> {
  private rv = '';
  /** Relists after the first list (410s and errors). */
  relists = 0;

  constructor(
    private readonly api: KubeHttp,
    private readonly spec: InformerSpec,
    private readonly sink: InformerSink<T>,
    private readonly backoff = new Backoff(500, 30_000),
  ) {}

  /** The first list; its failure is the caller's (the run cannot start without it). */
  async list(signal: AbortSignal): Promise<void> {
    const result = await listAll<T>(this.api, this.spec.action, this.spec.path, this.spec.query, signal);
    this.rv = result.resourceVersion;
    this.sink.replace(result.items);
  }

  /** After a first list that failed transiently: lists until it works (with back-off), then watches until `signal` aborts. */
  async listThenRun(signal: AbortSignal): Promise<void> {
    await this.relist(signal);
    await this.run(signal);
  }

  /** Watches until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const watchAction: ApiAction = { ...this.spec.action, verb: 'watch' };
    while (!signal.aborted) {
      const started = Date.now();
      try {
        // Healthy again once the server takes the watch, not when it ends: a watch resumed after a drop runs
        // for minutes, and a run stopped meanwhile reported the drop as a lasting failure (exit 3). A watch
        // refused with a plain 410 was not taken: the relist's success clears the failure, not the 410.
        const end = await watchOnce<T>(this.api, watchAction, this.spec.path, this.spec.query, this.rv, signal, (type, obj) => this.sink.event(type, obj), () => this.sink.health(null));
        this.rv = end.resourceVersion;
        if (end.end === 'expired') await this.relist(signal);
        else if (Date.now() - started < 1000) await sleep(this.backoff.next(), signal); // a server that ends watches at once
        else this.backoff.reset();
      } catch (error) {
        if (signal.aborted) return;
        // Always recorded, a Retry-After answer too: the view is not kept current while it waits, which the
        // report must say if the run ends then (the sink tells stderr of lasting failures only).
        this.sink.health(error as KubeApiError);
        await sleep(retryWait(this.backoff, error instanceof KubeApiError ? error.retryAfterS : null), signal);
        if (error instanceof KubeApiError && (error.kind === 'expired' || error.kind === 'bad-request')) await this.relist(signal);
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        this.relists++;
        await this.list(signal);
        this.sink.health(null);
        this.backoff.reset();
        return;
      } catch (error) {
        if (signal.aborted) return;
        this.sink.health(error as KubeApiError);
        await sleep(this.backoff.next(), signal);
      }
    }
  }
}
