/**
 * One pods/log request through the resume gate (`timestamps=true`, from the window's start or `sinceTime` at the cursor), as an
 * async generator of whole new lines. The HTTP request ends only at the hard stop: at a graceful stop a
 * follow keeps reading until it has delivered what was logged up to the stop, or goes quiet (caught
 * up), so a stream that lagged behind loses nothing to log rotation.
 */
import type { IncomingMessage } from 'node:http';
import type { ApiAction, KubeApiError } from './api-errors.js';
import type { KubeHttp } from './kube-http.js';
import { PROXY_CONTAINER } from './pod-facts.js';
import { ResumeGate, type ReadStart } from './resume-gate.js';
import { SharedTicker } from './shared-ticker.js';
import { testDelayFrom } from './test-delay.js';

/** A follow that sent nothing for this long has no backlog left (and, after a stop, is done). */
export const IDLE_MS = 1000;
/**
 * A follow still open and silent this long after the API said its container instance is over is taken
 * as dead (a node or an upstream path gone without FIN/RST): kubelet ends a live follow within about 5 s
 * of the container stopping (`stateCheckPeriod`), and ending a live one by mistake costs one reconnect
 * (the resume gate loses no line and counts none twice). Silence alone never ends a follow. A run's
 * delay is FollowTimers.deadFollowMs: this, unless a test shortens it (deadFollowMsFrom).
 */
export const DEAD_FOLLOW_MS = 10_000;

/**
 * The dead-follow delay `watch` runs with: DEAD_FOLLOW_MS, or EGRESS_AUDIT_TEST_DEAD_FOLLOW_MS from `env`
 * (tests only, a whole number of ms above 0): the whole-path test runs the CLI as a child process, and a
 * 10 s wait there would be a slow test.
 */
export function deadFollowMsFrom(env: NodeJS.ProcessEnv): number {
  return testDelayFrom(env, 'EGRESS_AUDIT_TEST_DEAD_FOLLOW_MS', DEAD_FOLLOW_MS);
}

/**
 * A chunk that took this long to come after the reader asked for it was sent as it was logged: a backlog comes back
 * to back, bar a stall of a slow link (Envoy flushes its access log once a second, so even a busy sidecar's lines
 * come in bursts).
 */
const CAUGHT_UP_WAIT_MS = 250;

/** How long a follower queued for a slot goes without looking at its pod again (it looks at each change of it too). */
export const RELOOK_MS = 30_000;

/** The timers a run's follows share: one wake-up per period for them all, on the clock the run was made under. */
export interface FollowTimers {
  /** How long a follow whose instance is over may stay silent before it is taken as dead. */
  deadFollowMs: number;
  /** Every open follow's dead-follow check. */
  deadFollow: SharedTicker;
  /** After a graceful stop, every follow's check for quiet (drainAtStop). */
  drain: SharedTicker;
  /** Every follower queued for a slot looks at its pod again (a timer each was hundreds of timers with hundreds queued). */
  relook: SharedTicker;
}

/** A run's follow timers (one set per run: a module-wide timer would outlive a test's clock). */
export function followTimers(deadFollowMs = DEAD_FOLLOW_MS): FollowTimers {
  return { deadFollowMs, deadFollow: new SharedTicker(deadFollowMs / 10), drain: new SharedTicker(IDLE_MS / 4), relook: new SharedTicker(RELOOK_MS) };
}

/** What a reader needs from its run. */
export interface ReaderDeps {
  api: KubeHttp;
  start: ReadStart;
  maxLineLength: number;
  /** Aborts everything, final reads included. */
  hardStop: AbortSignal;
  timers: FollowTimers;
}

/** How a request ended. */
export interface Outcome {
  /** `preempted`: the request was cut because its stream slot went to a more important stream (stream-slots.ts). */
  kind: 'ended' | 'dropped' | 'failed' | 'stopped' | 'preempted';
  bytes: number;
  ms: number;
  error?: KubeApiError;
}

/** What a follow reports back while it runs. */
export interface FollowHooks {
  /** The graceful stop: from then on, read up to the stop and end. */
  graceful: AbortSignal;
  /** The response head arrived. */
  connected(): void;
  /** True when the API says the container instance being followed is over (deleted, stopped, restarted). */
  instanceOver(): boolean;
  /** The follow was ended as dead (silent for the run's dead-follow delay after its instance was over). */
  deadFollow(): void;
}

/** Reads one container's log, request after request, each line exactly once. */
export class LogReader {
  readonly gate: ResumeGate;
  private readonly path: string;
  /** The log request, for messages about this log. */
  readonly action: ApiAction;
  /** When the server last sent bytes, or this reader last asked it for more (after its consumer took a chunk). */
  private lastHeardAt = 0;
  /**
   * While a chunk is with the consumer, the cursor (ms) before it, else null: the server is not being read, so silence
   * says nothing about it, and the chunk's lines are not delivered until the consumer asks for more.
   */
  private handedOutFrom: number | null = null;
  /** When the graceful stop came (ms), and whether a follow then read everything up to it. */
  stopAt: number | null = null;
  drained = false;
  /** The hard stop cut a request (a follow reading, or any request still waiting for its answer) before it had read up to the graceful stop. */
  cut = false;
  /** How long the request the hard stop ended had waited for its answer (ms), when it had none; else null. */
  unansweredMs: number | null = null;
  /** A follow ended after a graceful stop because it had gone quiet. */
  private quietAtStop = false;
  /**
   * The least (arrival on our clock − the kubelet's stamp of its last line) seen, in ms, over chunks that came while
   * the stream was caught up: how far this node's clock is behind ours, plus the least delivery delay.
   */
  private behindMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly deps: ReaderDeps,
    namespace: string,
    name: string,
  ) {
    this.gate = new ResumeGate(deps.start, deps.maxLineLength);
    this.path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log`;
    this.action = { verb: 'get', resource: 'pods/log', group: '', namespace, name };
  }

  /**
   * How long the server has had nothing for this reader (ms): 0 while the consumer still holds a chunk,
   * so a stream paused by a slow output (or a busy process) never passes for one that has caught up.
   */
  idleMs(now: number): number {
    return this.handedOutFrom !== null ? 0 : now - this.lastHeardAt;
  }

  /**
   * Log time (ms) up to which the consumer has taken every line: the cursor, but while it still holds a chunk (waiting
   * for its turn, or for a slow output) the cursor before that chunk, so log time never passes lines not yet worked.
   */
  deliveredMs(): number {
    return this.handedOutFrom ?? this.gate.cursorMs();
  }

  /** Hands `out` (lines past the cursor `before`) to the consumer: neither idle nor delivered until it asks for more. */
  *handOut(out: Buffer, before: number): Generator<Buffer> {
    this.handedOutFrom = before;
    try {
      yield out;
    } finally {
      this.handedOutFrom = null;
    }
  }

  /** One request (`extra`: `follow`, `previous`); a follow passes `hooks`; `preempted` cuts it (the slot was taken). */
  async *read(extra: Record<string, string>, hooks: FollowHooks | null, preempted?: AbortSignal): AsyncGenerator<Buffer, Outcome> {
    const started = Date.now();
    const done = (kind: Outcome['kind'], bytes: number, error?: KubeApiError): Outcome => ({ kind, bytes, ms: Date.now() - started, ...(error ? { error } : {}) });
    if (hooks !== null && hooks.graceful.aborted) return done('stopped', 0);
    this.gate.resume();
    const cut = (): boolean => preempted?.aborted === true && !this.deps.hardStop.aborted;
    let res: IncomingMessage;
    try {
      const signal = preempted === undefined ? this.deps.hardStop : AbortSignal.any([this.deps.hardStop, preempted]);
      res = await this.deps.api.open(this.action, this.path, { container: PROXY_CONTAINER, timestamps: 'true', ...this.gate.since(Date.now()), ...extra }, signal, true);
    } catch (error) {
      if (cut()) return done('preempted', 0);
      if (!this.deps.hardStop.aborted) return done('failed', 0, error as KubeApiError);
      // The hard stop ended a request still waiting for its answer (a kubelet that hangs): what was logged
      // up to the stop was not read, and the report must say so.
      this.cut = true;
      this.unansweredMs = Date.now() - started;
      return done('stopped', 0);
    }
    this.lastHeardAt = Date.now();
    hooks?.connected();
    const unwatch = hooks === null ? (): void => undefined : this.drainAtStop(res, hooks.graceful);
    const unguard = hooks === null ? (): void => undefined : this.endIfDead(res, hooks);
    let bytes = 0;
    try {
      for await (const chunk of res) {
        // A chunk the server was asked for well before it came (not a request's first) is live, no backlog behind it.
        const came = Date.now(); // one reading for both: the gate's push takes no time worth a second one
        const live = bytes > 0 && came - this.lastHeardAt >= CAUGHT_UP_WAIT_MS;
        bytes += (chunk as Buffer).length;
        const before = this.gate.cursorMs();
        const out = this.gate.push(chunk as Buffer);
        if (out !== null && live) this.behindMs = Math.min(this.behindMs, came - this.gate.cursorMs());
        if (out !== null) yield* this.handOut(out, before);
        this.lastHeardAt = Date.now(); // heard, and (after the consumer) asking again
        if (hooks !== null && this.stopAt !== null && this.gate.cursorMs() >= this.stopAt) {
          this.drained = true;
          return done('stopped', bytes);
        }
        if (hooks !== null && this.stopAt !== null && live && this.pastStopOnNodeClock()) return done('stopped', bytes); // not drained: the final read takes the rest
      }
      return done(cut() ? 'preempted' : 'ended', bytes);
    } catch {
      if (cut()) return done('preempted', bytes);
      if (hooks !== null && this.deps.hardStop.aborted) this.cut = true;
      return done((hooks !== null && this.quietAtStop) || this.deps.hardStop.aborted ? 'stopped' : 'dropped', bytes);
    } finally {
      unwatch();
      unguard();
      res.destroy();
    }
  }

  /**
   * After a graceful stop, with a chunk that came live (no backlog left to lose to a rotation): true when the cursor
   * has passed the stop as this node's clock tells it, the node being behind ours by more than IDLE_MS (its lines are
   * stamped that much earlier). Else a busy container on such a node would reach the stop by our clock only that much
   * later, or be reported cut when the grace ran out first. The estimate can be early by the least delivery delay, so
   * the follow does not count as drained: the follower reads once more without following, which returns what is left.
   */
  private pastStopOnNodeClock(): boolean {
    return this.behindMs > IDLE_MS && this.behindMs !== Number.POSITIVE_INFINITY && this.gate.cursorMs() >= (this.stopAt as number) - this.behindMs;
  }

  /**
   * Ends a follow the API says has nothing more to send (its instance is over) once it has also been
   * silent for the run's dead-follow delay since that news: it ends as a drop, and the follower re-checks the pod.
   */
  private endIfDead(res: IncomingMessage, hooks: FollowHooks): () => void {
    const { deadFollowMs } = this.deps.timers;
    let overSince: number | null = null;
    const stop = this.deps.timers.deadFollow.add(() => {
      const now = Date.now();
      if (!hooks.instanceOver()) {
        overSince = null;
        return;
      }
      overSince ??= now;
      if (now - overSince < deadFollowMs || this.idleMs(now) < deadFollowMs) return;
      stop();
      hooks.deadFollow();
      res.destroy();
    });
    return stop;
  }

  /**
   * After a graceful stop: end the follow once it has been quiet for IDLE_MS. Quiet may also mean this
   * process was too busy to read, so it does not count as drained: the follower then reads once more
   * without following, which returns whatever is still there.
   */
  private drainAtStop(res: IncomingMessage, graceful: AbortSignal): () => void {
    let unwatch = (): void => undefined;
    const onStop = (): void => {
      this.stopAt = Date.now();
      unwatch = this.deps.timers.drain.add(() => {
        if (this.idleMs(Date.now()) < IDLE_MS) return;
        this.quietAtStop = true;
        res.destroy();
      });
    };
    if (graceful.aborted) onStop();
    else graceful.addEventListener('abort', onStop, { once: true });
    return () => {
      graceful.removeEventListener('abort', onStop);
      unwatch();
    };
  }
}
