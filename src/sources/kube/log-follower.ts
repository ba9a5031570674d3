/**
 * One pod's istio-proxy log as one LogStream, reconnects hidden inside: follow with timestamps, resume
 * from the cursor after an end or a drop, re-check the pod after every end (a restart means a new
 * instance: read the old one's tail with `previous=true`, then follow the new one), wait while the
 * container is not running, back off with jitter on errors. Each line is delivered exactly once (the
 * ResumeGate). On a graceful stop a connected follow reads on up to the stop (log-reader.ts) and one
 * that was not connected reads once more without following: what was logged before the stop is counted.
 */
import type { LogStream, RoleAssignment, StreamInfo } from '../../types.js';
import type { FollowerDeps } from './follower-deps.js';
import { alikeFailure, describeAction, LASTING_FAILURES, type ApiAction, type KubeApiError } from './api-errors.js';
import { InputError } from '../../errors.js';
import { sleep } from '../../sleep.js';
import { Backoff, quietRetry, retryWait } from './backoff.js';
import { nextStep, type FollowStep } from './follow-step.js';
import { IDLE_MS, LogReader, type Outcome } from './log-reader.js';
import { logTimeToMs } from './log-time.js';
import { endedSince, podFacts, PROXY_CONTAINER, proxyStreamName, type KubePod, type PodFacts } from './pod-facts.js';
import type { SlotLease } from './stream-slots.js';

type Phase = 'queued' | 'connecting' | 'following' | 'waiting' | 'failing' | 'done';

/** Follows one pod's istio-proxy container. */
export class LogFollower implements LogStream {
  readonly info: StreamInfo;
  private readonly reader: LogReader;
  private readonly backoff = new Backoff(500, 30_000);
  private phase: Phase = 'queued';
  private instance: string | null = null;
  /** The pod's restartCount while `instance` ran: how many instances the container had before it. */
  private instanceRestarts = 0;
  /** The instance whose last request ended cleanly once it was over, so it was read to its end (null: none yet). */
  private drainedInstance: string | null = null;
  /**
   * Instances of the container that could not be read, in whole or in part: it restarted more than once
   * while its stream was down, and the API serves only the current and the previous instance.
   */
  unreadInstances = 0;
  /**
   * True when the pod was deleted while its stream was down (dropped or failing): the API serves no log of a deleted
   * pod, so anything its last instance logged after the last line read could not be read (it may have logged nothing more).
   */
  deletedUnread = false;
  /** The container restarted and its previous instance has not been read to the end yet. */
  private previousOwed = false;
  private everConnected = false;
  /** The last failed request and its error, null once one went through: the stream's failure is said by it, apart from the pod, with the streams that failed alike. */
  private lastFailure: { error: KubeApiError; action: ApiAction } | null = null;
  /** The last failure said on stderr (a failure is said once, not at every retry). */
  private told: string | null = null;
  /** The last request ended cleanly: a line it left unfinished is the instance's last, once the instance is over. */
  private endedClean = false;
  /** The last request could not be sent for want of descriptors (ulimit -n): the slot goes back and the stream waits for another. */
  private starved = false;

  constructor(
    private readonly pod: PodFacts,
    role: RoleAssignment,
    private readonly priority: number,
    private readonly deps: FollowerDeps,
  ) {
    const { namespace, name } = pod.ref;
    this.info = { name: proxyStreamName(pod.key), kind: 'pod', pod: name, namespace, container: PROXY_CONTAINER, labels: pod.ref.labels, role, size: null };
    this.reader = new LogReader(deps, namespace, name);
    // Restarted before it was first seen, after the audit window began (--since): the old instance is read too.
    const proxy = pod.proxy;
    this.previousOwed = proxy !== null && proxy.restartCount > 0 && endedSince(proxy.previousFinishedAt, logTimeToMs(deps.start.at));
  }

  /** `namespace/name`. */
  get label(): string {
    return this.pod.key;
  }

  /** True once the follower has stopped for good. */
  get done(): boolean {
    return this.phase === 'done';
  }

  /**
   * Log time (ms) up to which this stream has delivered every line; Infinity when it holds nothing back.
   * A connected stream that is still receiving (a backlog, or a server that lags) is complete up to its
   * cursor (short of a chunk its consumer has not worked yet); one whose server has sent nothing for IDLE_MS while it
   * was being read has caught up.
   */
  completeUpTo(now: number): number {
    const cursor = this.reader.deliveredMs();
    if (this.phase === 'following') return this.reader.idleMs(now) < IDLE_MS ? cursor : Number.POSITIVE_INFINITY;
    if (this.phase === 'connecting') return cursor;
    // A lasting failure does not hold back log time: retrying soon will not fix it.
    if (this.phase === 'failing' && this.lastFailure !== null && !LASTING_FAILURES.includes(this.lastFailure.error.kind)) return cursor;
    return Number.POSITIVE_INFINITY;
  }

  /** True when the hard stop cut this stream, once read, before it had delivered what was logged up to the stop. */
  get cutShort(): boolean {
    return this.reader.cut && !this.neverAnswered;
  }

  /**
   * The hard stop ended a request of a stream that no request had ever been answered for (a kubelet that
   * hangs): nothing of its log was read, which is a failure of the stream (exit 3), not a cut.
   */
  private get neverAnswered(): boolean {
    return !this.everConnected && this.reader.unansweredMs !== null;
  }

  /** The last failure still in force, if any. */
  get failure(): string | null {
    return this.failedRequest?.error.message ?? null;
  }

  /** The failed request behind `failure`, if any. */
  private get failedRequest(): { error: KubeApiError; action: ApiAction } | null {
    return this.phase === 'failing' ? this.lastFailure : null;
  }

  async *chunks(signal: AbortSignal): AsyncIterable<Uint8Array> {
    let lease = await this.slot(signal);
    try {
      if (lease === null) return;
      this.phase = 'connecting';
      let step = this.viewStep();
      while (!signal.aborted && step.kind !== 'stop') {
        if (step.kind === 'wait') {
          lease = await this.pause(signal, lease);
          if (lease === null) break;
        } else {
          const finished = yield* this.read(step, signal, lease.signal);
          if (finished) break;
          if (this.starved) {
            // No descriptor to open the stream with: no error of this container's. The slots hold further streams back
            // (said once); this one waits for a free slot, then reads on from the cursor, no line lost.
            this.starved = false;
            this.deps.slots.exhausted(lease, this.everConnected);
            this.phase = 'queued';
            await sleep(this.backoff.next(), signal); // with no stream held at all, the next try must not come at once
            lease = await this.slot(signal);
            if (lease === null) break;
            this.phase = 'connecting';
          } else if (lease.signal.aborted) {
            // The slot went to a more important stream (an egress gateway): wait for a free one, then read on from the cursor.
            this.phase = 'queued';
            lease = await this.slot(signal);
            if (lease === null) break;
            this.phase = 'connecting';
          }
        }
        step = await this.recheck(signal);
        if (step.kind === 'stop' && step.podGone === true && !this.endedClean && this.everConnected && !signal.aborted) this.countDeleted();
        if (!signal.aborted && this.instanceOver(step)) {
          // a stop says nothing about the instance
          if (this.endedClean) this.drainedInstance = this.instance;
          yield* this.lastLine();
        }
      }
      if (signal.aborted && !this.reader.drained) yield* this.finalRead();
      const failed = this.failedRequest;
      if (failed !== null) throw this.endedWith(failed.error.message, alikeFailure(failed.error, failed.action));
      if (this.neverAnswered) {
        const waited = Math.round((this.reader.unansweredMs as number) / 1000);
        throw this.endedWith(`cannot ${describeAction(this.reader.action)}: the API server had not answered the log request ${waited}s after it was sent when the run ended (a kubelet or node that does not respond?), so nothing of this log was read`, null);
      }
    } finally {
      this.phase = 'done';
      this.deps.causes.cleared(this.label); // ended: it holds no cause in force (one that comes back is said again)
      if (lease !== null) this.deps.slots.release(lease);
    }
  }

  /**
   * The error the stream ends with (`alike`: its cause apart from the pod), through the run's credential scrubber as every
   * notice on stderr is: it leaves the process in the report (coverage.streams[].error, the stream-errors warning), where
   * a token an API error body or a URL carried must not appear either.
   */
  private endedWith(message: string, alike: string | null): InputError {
    const scrub = (text: string): string => this.deps.api.scrub(text);
    return new InputError(scrub(message), alike === null ? null : scrub(alike));
  }

  /** Reads per the step; true when there is nothing more to read (a last read went through). */
  private async *read(step: Exclude<FollowStep, { kind: 'wait' | 'stop' }>, signal: AbortSignal, preempted: AbortSignal): AsyncGenerator<Buffer, boolean> {
    if (this.instance !== null && step.containerId !== null && step.containerId !== this.instance) {
      this.previousOwed = true;
      this.countUnread(step.restartCount);
    }
    if (step.containerId !== null && step.containerId !== this.instance) {
      this.instance = step.containerId;
      this.instanceRestarts = step.restartCount;
    }
    if (this.previousOwed) {
      // A restart: the old instance's tail (what a drop kept from us) comes from previous=true.
      const prev = yield* this.reader.read({ previous: 'true' }, null, preempted);
      this.endedClean = prev.kind === 'ended';
      if (prev.kind === 'ended') yield* this.lastLine(); // that instance is over
      if (prev.kind === 'ended' || prev.error?.kind === 'bad-request') this.previousOwed = false;
      else {
        await this.settle(prev, signal);
        return false;
      }
    }
    const outcome = yield* this.follow(signal, step.kind === 'follow' ? { follow: 'true' } : {}, preempted);
    this.endedClean = outcome.kind === 'ended';
    await this.settle(outcome, signal);
    const finished = step.kind === 'last-read' && (outcome.kind === 'ended' || (outcome.kind === 'failed' && !this.starved));
    if (finished) yield* this.lastLine(); // a terminated instance, read to its end
    return finished;
  }

  /**
   * The container runs as a new instance, `restartCount` restarts in: `previous=true` serves the one before it,
   * so the instances between that one and the last read (and the rest of the last read, unless it was read to
   * its end) are lost. Restarts before the follower first read the container are not counted: that is --since's
   * business (only the previous instance is read, docs/watch.md Limits).
   */
  private countUnread(restartCount: number): void {
    const between = restartCount - this.instanceRestarts - 1;
    const lost = between - (this.drainedInstance === this.instance ? 1 : 0);
    if (lost <= 0) return;
    this.unreadInstances += lost;
    this.deps.notice(`the istio-proxy container of ${this.label} restarted ${between + 1} times while its log stream was down, and the API serves only the current and the previous instance: ${lost === 1 ? 'the log of 1 instance' : `the logs of ${lost} instances`} could not be read, in whole or in part (the report says so under instances-unread)`);
  }

  /** The pod was deleted while its stream was down: said now, and in the report (instances-unread); was silent. */
  private countDeleted(): void {
    this.deletedUnread = true;
    this.deps.notice(`the pod ${this.label} was deleted while its log stream was down, and the API serves no log of a deleted pod: anything its istio-proxy logged after the last line read (if any) could not be read (the report says so under instances-unread)`);
  }

  /**
   * True when the instance the last request read has ended for good (the pod is gone or finished, the
   * container is not running, or runs as a new instance), so a line it left unfinished stays so.
   */
  private instanceOver(step: FollowStep): boolean {
    if (step.kind === 'stop' || step.kind === 'wait') return true;
    return step.containerId !== null && this.instance !== null && step.containerId !== this.instance;
  }

  /** After a clean end of an instance that is over: its unfinished last line, once. */
  private *lastLine(): Generator<Buffer> {
    if (!this.endedClean) return;
    this.endedClean = false;
    const before = this.reader.gate.cursorMs();
    const line = this.reader.gate.flush();
    if (line !== null) yield* this.reader.handOut(line, before);
  }

  /** A follow request: counts as following while connected. */
  private async *follow(signal: AbortSignal, extra: Record<string, string>, preempted: AbortSignal): AsyncGenerator<Buffer, Outcome> {
    let connected = false;
    try {
      return yield* this.reader.read(extra, {
        graceful: signal,
        connected: () => {
          connected = true;
          this.connected();
        },
        instanceOver: () => this.instanceOver(this.viewStep()),
        deadFollow: () => this.deps.notice(`the log stream of ${this.label} stayed open and silent ${this.deps.timers.deadFollowMs / 1000}s after the API said that istio-proxy instance was over (stopped, restarted or deleted): taking its connection as dead and reading the log again`),
      }, preempted);
    } finally {
      if (connected) {
        this.deps.stats.following--;
        if (this.phase !== 'done') this.phase = 'connecting';
      }
    }
  }

  private connected(): void {
    if (this.everConnected) this.deps.stats.reconnects++;
    this.phase = 'following';
    this.everConnected = true;
    this.lastFailure = null;
    this.told = null;
    this.deps.causes.cleared(this.label);
    this.deps.stats.following++;
  }

  /** After a request: remember failures, back off where retrying at once would not help. */
  private async settle(outcome: Outcome, signal: AbortSignal): Promise<void> {
    if (outcome.kind === 'stopped' || outcome.kind === 'preempted') return;
    if (outcome.kind === 'failed' && outcome.error?.kind === 'descriptors') {
      this.starved = true; // chunks() gives the slot back; never a failure of this container's
      return;
    }
    if (outcome.kind === 'failed' && outcome.error !== undefined) {
      const { kind, retryAfterS } = outcome.error;
      // An API server shedding load (Retry-After) is waited out here, the one place a log request is retried.
      if (kind !== 'bad-request' && kind !== 'not-found') this.fail(outcome.error, this.reader.action, quietRetry(this.backoff, retryAfterS));
      await sleep(retryWait(this.backoff, retryAfterS), signal);
      return;
    }
    if (outcome.kind === 'ended' && outcome.bytes === 0 && outcome.ms < 1000) await sleep(this.backoff.next(), signal);
    else if (outcome.kind === 'dropped') await sleep(this.backoff.next(), signal);
    else this.backoff.reset();
  }

  /**
   * Records a failure of request `action` (the dashboard and the report see it); `quiet`: not (yet) worth a line on
   * stderr. One every stream gets alike (credentials refused) is said by the run's shared causes, once.
   */
  private fail(error: KubeApiError, action: ApiAction, quiet = false): void {
    if (!this.deps.causes.failed(error, action, this.label) && !quiet && this.told !== error.message) {
      this.deps.notice(error.message);
      this.told = error.message;
    }
    this.lastFailure = { error, action };
    this.phase = 'failing';
  }

  /** The step the informer's view of the pod gives (no request: for decisions that must not wait on the API). */
  private viewStep(): FollowStep {
    return nextStep(this.deps.registry.get(this.pod.key)?.facts ?? null, this.pod.uid);
  }

  /** Fresh facts about the pod; when the API cannot be asked, the informer's view. */
  private async recheck(signal: AbortSignal): Promise<FollowStep> {
    const { namespace, name } = this.pod.ref;
    const action: ApiAction = { verb: 'get', resource: 'pods', group: '', namespace, name };
    try {
      const pod = await this.deps.api.getJson<KubePod>(action, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`, {}, signal);
      return nextStep(podFacts(pod), this.pod.uid);
    } catch (error) {
      const e = error as KubeApiError;
      if (signal.aborted) return { kind: 'stop', why: 'stopping' };
      if (e.kind === 'not-found') return nextStep(null, this.pod.uid);
      if (e.kind !== 'forbidden' && e.kind !== 'descriptors') {
        this.fail(e, action);
        await sleep(this.backoff.next(), signal);
      }
      return this.viewStep();
    }
  }

  /** Not running: give the slot back, wait for the pod to change (or a back-off), then queue again. */
  private async pause(signal: AbortSignal, lease: SlotLease): Promise<SlotLease | null> {
    if (this.phase !== 'failing') this.phase = 'waiting';
    this.deps.slots.release(lease);
    await this.deps.registry.waitForChange(this.pod.uid, this.backoff.next(), signal);
    if (signal.aborted) return null;
    const got = await this.slot(signal);
    if (got !== null && this.phase === 'waiting') this.phase = 'connecting';
    return got;
  }

  /**
   * Queues for a slot. One is taken from a sidecar only while the container looks runnable (a gateway in
   * CrashLoopBackOff or still Pending must not cut a sidecar stream at every try); a waiter queued while
   * not runnable looks again at each change of its pod, and once it can run it may take a slot in its
   * place in the queue, so a gateway that comes up takes a slot then rather than waiting for a sidecar
   * stream to end. A pod that is gone or finished has nothing left to read: null, no slot (none taken
   * from a sidecar for nothing), and a waiter whose pod goes while queued (runnable or not) gives up its
   * place, so it stays among the never followed.
   */
  private async slot(signal: AbortSignal): Promise<SlotLease | null> {
    const now = this.viewStep().kind;
    if (now === 'stop') return null;
    // Aborted when the pod goes (the request is withdrawn) or the request is settled (the watch on the pod ends): a granted request no longer listens.
    const over = new AbortController();
    const either = AbortSignal.any([signal, over.signal]);
    const request = this.deps.slots.request(this.priority, this.label, either, now !== 'wait');
    void this.watchWhileQueued(either, () => request.mayPreempt(), () => over.abort());
    try {
      return await request.lease;
    } finally {
      over.abort();
    }
  }

  /**
   * Looks at the pod at each change, and at each tick of the run's one relook timer (every RELOOK_MS), until
   * `signal` aborts: `runnable` while it can run, `gone` (once) when it stops.
   */
  private async watchWhileQueued(signal: AbortSignal, runnable: () => void, gone: () => void): Promise<void> {
    while (!signal.aborted) {
      const tick = new AbortController();
      const untick = this.deps.timers.relook.add(() => tick.abort());
      try {
        await this.deps.registry.waitForChange(this.pod.uid, null, AbortSignal.any([signal, tick.signal]));
      } finally {
        untick();
      }
      if (signal.aborted) return;
      const next = this.viewStep().kind;
      if (next === 'stop') return gone();
      if (next !== 'wait') runnable();
    }
  }

  /** At a graceful stop: one more read without following, so lines logged up to the stop are counted. */
  private async *finalRead(): AsyncGenerator<Buffer> {
    const hard = this.deps.hardStop;
    if (!this.everConnected || this.phase === 'waiting' || this.phase === 'queued') return;
    const sweep = hard.aborted ? null : await this.deps.sweeps.acquire(0, this.label, hard);
    if (sweep === null) {
      this.reader.cut = true;
      return;
    }
    try {
      const outcome = yield* this.reader.read({}, null);
      // Stopped by the hard stop, or not sent for want of descriptors: what was logged up to the stop was not all read.
      if (outcome.kind === 'stopped' || outcome.error?.kind === 'descriptors') this.reader.cut = true;
      if (outcome.kind === 'ended' && this.phase === 'failing') {
        this.phase = 'connecting'; // everything up to the stop was read after all
        this.lastFailure = null;
      }
    } finally {
      this.deps.sweeps.release(sweep);
    }
  }
}
