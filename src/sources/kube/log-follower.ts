/**
 * One pod's istio-proxy log as one LogStream, reconnects hidden inside: follow with timestamps, resume
 * from the cursor after an end or a drop, re-check the pod after every end (a restart means a new
 * instance: read the old one's tail with `previous=true`, then follow the new one), wait while the
 * container is not running, back off with jitter on errors. Each line is delivered exactly once (the
 * ResumeGate). On a graceful stop it reads once more without following, so everything logged before the
 * stop is in the report.
 */
import type { IncomingMessage } from 'node:http';
import type { LogStream, RoleAssignment, StreamInfo } from '../../types.js';
import type { ApiAction, FailureKind, KubeApiError } from './api-errors.js';
import { Backoff, sleep } from './backoff.js';
import { nextStep, type FollowStep } from './follow-step.js';
import type { KubeHttp } from './kube-http.js';
import type { LogTime } from './log-time.js';
import { podFacts, PROXY_CONTAINER, type KubePod, type PodFacts } from './pod-facts.js';
import type { PodRegistry } from './pod-registry.js';
import { ResumeGate } from './resume-gate.js';
import type { StreamSlots } from './stream-slots.js';

/** A stream still sending lines older than its connection time minus this is catching up on its backlog. */
const CATCH_UP_SLACK_MS = 2000;
/** A stream that sent nothing for this long after connecting has no backlog left. */
const IDLE_MS = 1000;
/** Failures that retrying soon will not fix: they do not hold back log time. */
const LASTING: FailureKind[] = ['forbidden', 'unauthorized', 'tls'];

/** Counters shared by all followers (dashboard header, report). */
export interface LiveStats {
  reconnects: number;
  following: number;
}

/** What every follower shares. */
export interface FollowerDeps {
  api: KubeHttp;
  registry: PodRegistry;
  slots: StreamSlots;
  /** Bounds the concurrent final reads at a graceful stop. */
  sweeps: StreamSlots;
  stats: LiveStats;
  startAt: LogTime;
  maxLineLength: number;
  /** Aborts everything, final reads included. */
  hardStop: AbortSignal;
  notice(message: string): void;
}

type Phase = 'queued' | 'connecting' | 'catching-up' | 'live' | 'waiting' | 'failing' | 'done';

interface Outcome {
  kind: 'ended' | 'dropped' | 'failed' | 'stopped';
  bytes: number;
  ms: number;
  error?: KubeApiError;
}

/** Follows one pod's istio-proxy container. */
export class LogFollower implements LogStream {
  readonly info: StreamInfo;
  private readonly gate: ResumeGate;
  private readonly backoff = new Backoff(500, 30_000);
  private readonly logPath: string;
  private readonly logAction: ApiAction;
  private phase: Phase = 'queued';
  private instance: string | null = null;
  private connectedAt = 0;
  private lastByteAt = 0;
  private everConnected = false;
  private lastError: KubeApiError | null = null;

  constructor(
    private readonly pod: PodFacts,
    role: RoleAssignment,
    private readonly priority: number,
    private readonly deps: FollowerDeps,
  ) {
    const { namespace, name } = pod.ref;
    this.info = { name: `pod/${namespace}/${name}/${PROXY_CONTAINER}`, kind: 'pod', pod: name, namespace, container: PROXY_CONTAINER, labels: pod.ref.labels, role, size: null };
    this.gate = new ResumeGate(deps.startAt, deps.maxLineLength);
    this.logPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log`;
    this.logAction = { verb: 'get', resource: 'pods/log', group: '', namespace, name };
  }

  /** `namespace/name`. */
  get label(): string {
    return this.pod.key;
  }

  /** True once the follower has stopped for good. */
  get done(): boolean {
    return this.phase === 'done';
  }

  /** Log time (ms) up to which this stream has delivered every line; Infinity when it holds nothing back. */
  completeUpTo(now: number): number {
    if (this.phase === 'catching-up' && now - this.lastByteAt >= IDLE_MS) this.phase = 'live';
    if (this.phase === 'connecting' || this.phase === 'catching-up') return this.gate.cursorMs();
    if (this.phase === 'failing' && this.lastError !== null && !LASTING.includes(this.lastError.kind)) return this.gate.cursorMs();
    return Number.POSITIVE_INFINITY;
  }

  /** The last failure still in force, if any. */
  get failure(): string | null {
    return this.phase === 'failing' ? (this.lastError?.message ?? null) : null;
  }

  async *chunks(signal: AbortSignal): AsyncIterable<Uint8Array> {
    let holding = await this.deps.slots.acquire(this.priority, this.label, signal);
    try {
      if (!holding) return;
      this.phase = 'connecting';
      let step = nextStep(this.deps.registry.get(this.pod.key)?.facts ?? null, this.pod.uid);
      while (!signal.aborted && step.kind !== 'stop') {
        if (step.kind === 'wait') {
          holding = await this.pause(signal, holding);
          if (!holding) break;
        } else {
          const finished = yield* this.read(step, signal);
          if (finished) break;
        }
        step = await this.recheck(signal);
      }
      if (signal.aborted) yield* this.finalRead();
      if (this.failure !== null) throw new Error(this.failure);
    } finally {
      this.phase = 'done';
      if (holding) this.deps.slots.release();
    }
  }

  /** Reads per the step; true when there is nothing more to read (a last read went through). */
  private async *read(step: Exclude<FollowStep, { kind: 'wait' | 'stop' }>, signal: AbortSignal): AsyncGenerator<Buffer, boolean> {
    if (this.instance !== null && step.containerId !== null && step.containerId !== this.instance) {
      yield* this.request(signal, { previous: 'true' }, false); // the old instance's tail, if a drop hid it
    }
    if (step.containerId !== null) this.instance = step.containerId;
    if (this.everConnected) this.deps.stats.reconnects++;
    const outcome = yield* this.request(signal, step.kind === 'follow' ? { follow: 'true' } : {}, true);
    await this.settle(outcome, signal);
    return step.kind === 'last-read' && (outcome.kind === 'ended' || outcome.kind === 'failed');
  }

  /** One log request through the gate. */
  private async *request(signal: AbortSignal, extra: Record<string, string>, track: boolean): AsyncGenerator<Buffer, Outcome> {
    this.gate.resume();
    const query = { container: PROXY_CONTAINER, timestamps: 'true', sinceTime: this.gate.sinceTime(), ...extra };
    const started = Date.now();
    let res: IncomingMessage;
    try {
      res = await this.deps.api.open(this.logAction, this.logPath, query, signal, true);
    } catch (error) {
      return { kind: signal.aborted ? 'stopped' : 'failed', bytes: 0, ms: Date.now() - started, error: error as KubeApiError };
    }
    if (track) this.connected();
    let bytes = 0;
    try {
      for await (const chunk of res) {
        bytes += (chunk as Buffer).length;
        this.lastByteAt = Date.now();
        const out = this.gate.push(chunk as Buffer);
        if (track && this.phase === 'catching-up' && this.gate.cursorMs() >= this.connectedAt - CATCH_UP_SLACK_MS) this.phase = 'live';
        if (out !== null) yield out;
      }
      return { kind: 'ended', bytes, ms: Date.now() - started };
    } catch {
      return { kind: signal.aborted ? 'stopped' : 'dropped', bytes, ms: Date.now() - started };
    } finally {
      res.destroy();
      if (track) {
        this.deps.stats.following--;
        if (this.phase !== 'done') this.phase = 'connecting';
      }
    }
  }

  private connected(): void {
    this.phase = 'catching-up';
    this.connectedAt = Date.now();
    this.lastByteAt = this.connectedAt;
    this.everConnected = true;
    this.lastError = null;
    this.deps.stats.following++;
  }

  /** After a request: remember failures, back off where retrying at once would not help. */
  private async settle(outcome: Outcome, signal: AbortSignal): Promise<void> {
    if (outcome.kind === 'stopped') return;
    if (outcome.kind === 'failed' && outcome.error !== undefined) {
      const kind = outcome.error.kind;
      if (kind !== 'bad-request' && kind !== 'not-found') this.fail(outcome.error);
      await sleep(this.backoff.next(), signal);
      return;
    }
    if (outcome.kind === 'ended' && outcome.bytes === 0 && outcome.ms < 1000) await sleep(this.backoff.next(), signal);
    else if (outcome.kind === 'dropped') await sleep(this.backoff.next(), signal);
    else this.backoff.reset();
  }

  private fail(error: KubeApiError): void {
    if (this.lastError?.message !== error.message) this.deps.notice(error.message);
    this.lastError = error;
    this.phase = 'failing';
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
      if (e.kind !== 'forbidden') {
        this.fail(e);
        await sleep(this.backoff.next(), signal);
      }
      return nextStep(this.deps.registry.get(this.pod.key)?.facts ?? null, this.pod.uid);
    }
  }

  /** Not running: give the slot back, wait for the pod to change (or a back-off), then queue again. */
  private async pause(signal: AbortSignal, holding: boolean): Promise<boolean> {
    if (this.phase !== 'failing') this.phase = 'waiting';
    if (holding) this.deps.slots.release();
    await this.deps.registry.waitForChange(this.pod.uid, this.backoff.next(), signal);
    if (signal.aborted) return false;
    const got = await this.deps.slots.acquire(this.priority, this.label, signal);
    if (got && this.phase === 'waiting') this.phase = 'connecting';
    return got;
  }

  /** At a graceful stop: one more read without following, so lines logged up to the stop are counted. */
  private async *finalRead(): AsyncGenerator<Buffer> {
    const hard = this.deps.hardStop;
    if (!this.everConnected || this.phase === 'waiting' || this.phase === 'queued' || hard.aborted) return;
    if (!(await this.deps.sweeps.acquire(0, this.label, hard))) return;
    try {
      const outcome = yield* this.request(hard, {}, false);
      if (outcome.kind === 'ended' && this.phase === 'failing') {
        this.phase = 'connecting'; // everything up to the stop was read after all
        this.lastError = null;
      }
    } finally {
      this.deps.sweeps.release();
    }
  }
}
