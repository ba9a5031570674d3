/**
 * Reads one optional resource of the cluster as far as RBAC allows, kept current: all namespaces are tried first and,
 * when RBAC refuses that, the watched namespaces (and the egress gateways') one by one. A transient failure (429, 5xx,
 * a dropped connection) of a first request is retried with back-off, and following waits for it (up to the first-read
 * wait): a flow decided without the resource may be misjudged. Past that wait the lists are retried on while following
 * runs. Whatever could not be read is kept for the owner's coverage warning. Shared by ServiceEntries, Services and EndpointSlices.
 */
import { sleep } from '../../sleep.js';
import type { Verdict } from '../../types.js';
import { KubeApiError, type ApiAction } from './api-errors.js';
import { Backoff, retryWait } from './backoff.js';
import { Informer } from './informer.js';
import type { KubeHttp } from './kube-http.js';
import type { KubeObject, WatchEventType } from './list-watch.js';
import type { WatchPlan } from './plan.js';

/** How long following waits at the start for a resource a transient failure keeps from being read. */
export const FIRST_READ_WAIT_MS = 30_000;

/** A failure that trying again soon may get past: a 429 or 5xx answer, a dropped or refused connection, descriptors all in use. */
export function transient(error: unknown): error is KubeApiError {
  return error instanceof KubeApiError && (error.kind === 'unavailable' || error.kind === 'unreachable' || error.kind === 'descriptors');
}

/** Where the objects of each view (`scope`: `*` or a namespace) go. */
export interface ScopedSink<T> {
  replace(scope: string, items: T[]): void;
  event(scope: string, type: WatchEventType, object: T): void;
}

/** How the first read waits, and whom it tells. */
export interface FirstReadOptions {
  /** FIRST_READ_WAIT_MS, shortened by the whole-path tests. */
  firstReadWaitMs: number;
  /** Tells the person that following waits. */
  notice(message: string): void;
}

/** What a resource read this way is and why following waits for it. */
export interface ScopedResource<T> extends FirstReadOptions {
  /** Plural resource and API group, as RBAC names them (`services`, ``). */
  resource: string;
  group: string;
  /** The collection path of a namespace, or of all namespaces (null). */
  path(namespace: string | null): string;
  /** How people call it in messages (`ServiceEntries`). */
  noun: string;
  /** Why following waits for it after a transient failure (`a flow decided without them could ...`). */
  why: string;
  sink: ScopedSink<T>;
}

/** One resource of the cluster read view by view, and what of it could not be read. */
export class ScopedReads<T extends KubeObject> {
  private readonly informers: Informer<T>[] = [];
  /** Informers whose first list failed transiently: run() lists them first. */
  private readonly unlisted: Informer<T>[] = [];
  private readonly problems: string[] = [];
  /** Scopes (`all namespaces`, `namespace x`) where RBAC refused the list. */
  private readonly forbidden: string[] = [];
  private readonly read: string[] = [];
  /** Views listed at least once (`*` or a namespace): what is known of them is whole. */
  private readonly listed = new Set<string>();
  private readonly failing = new Map<string, string>();
  /** Where the first read failed transiently and has not succeeded yet (`*`, a namespace, or `discovery`). */
  private readonly unread = new Set<string>();
  /** Flows decided while `unread` was not empty, and how many of them were internal. */
  private readonly blind = { flows: 0, internal: 0 };
  private firstFailureSaid = false;

  constructor(
    private readonly api: KubeHttp,
    private readonly plan: WatchPlan,
    private readonly r: ScopedResource<T>,
  ) {}

  /** The first-read patience of a start: `signal`, a graceful stop, or the wait being over. */
  patience(signal: AbortSignal, stopWaiting: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, stopWaiting, AbortSignal.timeout(this.r.firstReadWaitMs)]);
  }

  /** A request that failed for good before any list (discovery): `transientWhat` names it when a retry might have got past it. */
  failed(message: string, transientWhat: string | null): void {
    if (transientWhat !== null) this.unread.add(transientWhat);
    this.problems.push(message);
  }

  /** Lists all namespaces, or when RBAC refuses that the plan's namespaces one by one; never throws (what fails is remembered). */
  async listAll(patience: AbortSignal, signal: AbortSignal): Promise<void> {
    const all = await this.tryScope(null, patience, signal);
    if (all === 'forbidden' && this.plan.sidecarNamespaces !== null) {
      const namespaces = [...new Set([...this.plan.sidecarNamespaces, ...(this.plan.gatewayNamespaces ?? [])])];
      for (const ns of namespaces) await this.tryScope(ns, patience, signal);
    }
  }

  /** `request`, tried again after transient failures (back-off with jitter, or the server's Retry-After) until `patience` aborts. */
  async firstTry<R>(request: () => Promise<R>, patience: AbortSignal): Promise<R> {
    const backoff = new Backoff(500, 30_000);
    for (;;) {
      try {
        return await request();
      } catch (error) {
        if (!transient(error) || patience.aborted) throw error;
        if (!this.firstFailureSaid) {
          this.firstFailureSaid = true;
          this.r.notice(`${error.message}: trying again; following waits up to ${this.r.firstReadWaitMs / 1000}s for the ${this.r.noun}, since ${this.r.why}`);
        }
        await sleep(retryWait(backoff, error.retryAfterS), patience);
        if (patience.aborted) throw error;
      }
    }
  }

  private async tryScope(namespace: string | null, patience: AbortSignal, signal: AbortSignal): Promise<'ok' | 'forbidden' | 'failed' | 'pending'> {
    const scope = namespace ?? '*';
    const action: ApiAction = { verb: 'list', resource: this.r.resource, group: this.r.group, namespace };
    const where = namespace === null ? 'all namespaces' : `namespace ${namespace}`;
    const informer = new Informer<T>(this.api, { action, path: this.r.path(namespace), query: {} }, {
      replace: (items) => {
        this.listed.add(scope);
        this.r.sink.replace(scope, items);
        if (this.unread.delete(scope)) this.read.push(where); // read at last, while following
      },
      event: (type, object) => this.r.sink.event(scope, type, object),
      health: (error) => {
        if (error === null) this.failing.delete(scope);
        else this.failing.set(scope, error.message);
      },
    });
    try {
      await this.firstTry(() => informer.list(signal), patience);
      this.informers.push(informer);
      this.read.push(where);
      return 'ok';
    } catch (error) {
      const e = error as KubeApiError;
      if (e instanceof KubeApiError && e.kind === 'forbidden') {
        this.forbidden.push(where);
        return 'forbidden';
      }
      if (transient(e) && !signal.aborted) {
        // Listed on (then watched) by run(), with the informer's back-off; the failure stays in the warning until then.
        this.unread.add(scope);
        this.failing.set(scope, e.message);
        this.unlisted.push(informer);
        return 'pending';
      }
      this.problems.push(e.message);
      return 'failed';
    }
  }

  /** Watches every view that could be listed (and lists first those a transient failure held up), until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.map((i) => i.run(signal)), ...this.unlisted.map((i) => i.listThenRun(signal))]);
  }

  /** Counts a flow decided while some of the resource is still unread. */
  decided(verdict: Verdict): void {
    if (this.unread.size === 0) return;
    this.blind.flows++;
    if (verdict === 'internal') this.blind.internal++;
  }

  /** True once all namespaces, or this one, have been listed: what the sink holds of `namespace` is then all there is. */
  covers(namespace: string): boolean {
    return this.listed.has('*') || this.listed.has(namespace);
  }

  /** True while some view whose first read failed transiently has not been read yet. */
  get someUnread(): boolean {
    return this.unread.size > 0;
  }

  /** The first-read wait in seconds, for messages. */
  get waitSeconds(): number {
    return this.r.firstReadWaitMs / 1000;
  }

  /** Flows decided before everything was read (and how many of them were internal). */
  get blindFlows(): { flows: number; internal: number } {
    return { ...this.blind };
  }

  /** What could not be read, RBAC's refusal first (naming the rule docs/rbac.yaml grants); empty when all was read. */
  issues(): string[] {
    const issues = [...this.problems, ...this.failing.values()];
    if (this.forbidden.length > 0) {
      const read = this.read.length > 0 ? ` (read only in ${this.read.join(', ')})` : '';
      const qualified = this.r.group === '' ? this.r.resource : `${this.r.resource}.${this.r.group}`;
      issues.unshift(`RBAC refused to list them in ${this.forbidden.join(', ')}${read}: the ClusterRole needs ${qualified}: list, watch (see docs/rbac.yaml)`);
    }
    return issues;
  }
}
