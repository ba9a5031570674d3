/** What every LogFollower of a run shares: the API, the pod registry, the stream slots, the counters. */
import type { KubeHttp } from './kube-http.js';
import type { LogTime } from './log-time.js';
import type { PodRegistry } from './pod-registry.js';
import type { StreamSlots } from './stream-slots.js';

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
