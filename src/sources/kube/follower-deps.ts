/** What every LogFollower of a run shares: the API, the pod registry, the stream slots, the counters, the timers. */
import type { ReaderDeps } from './log-reader.js';
import type { PodRegistry } from './pod-registry.js';
import type { SharedCauses } from './shared-causes.js';
import type { StreamSlots } from './stream-slots.js';

/** Counters shared by all followers (dashboard header, report). */
export interface LiveStats {
  reconnects: number;
  following: number;
}

/** What every follower shares (its LogReader's share included). */
export interface FollowerDeps extends ReaderDeps {
  registry: PodRegistry;
  slots: StreamSlots;
  /** Bounds the concurrent final reads at a graceful stop. */
  sweeps: StreamSlots;
  stats: LiveStats;
  notice(message: string): void;
  /** Failures every stream gets alike (credentials refused): said once, counted per stream. */
  causes: SharedCauses;
}
