/**
 * What to do with a container's log after its stream ended or failed, decided from a fresh look at the
 * pod (kubernetes-api.md §3: an end of stream never means "container gone"): follow it again (maybe a new
 * instance after a restart), read what is left once and stop, wait for it to start, or stop.
 */
import type { PodFacts } from './pod-facts.js';

/** The follower's next move. */
export type FollowStep =
  | { kind: 'follow'; containerId: string | null; restartCount: number }
  | { kind: 'last-read'; containerId: string | null; restartCount: number }
  | { kind: 'wait'; why: string }
  | { kind: 'stop'; why: string; podGone?: true };

/** Decides from the pod as it is now (`null`: the pod is gone) for the pod instance `uid` being followed. */
export function nextStep(pod: PodFacts | null, uid: string): FollowStep {
  if (pod === null || pod.uid !== uid) return { kind: 'stop', why: 'the pod was deleted', podGone: true };
  const proxy = pod.proxy;
  if (proxy === null) return { kind: 'stop', why: 'the pod has no istio-proxy container' };
  if (!pod.scheduled) return { kind: 'wait', why: 'the pod is not scheduled on a node yet' };
  const instance = { containerId: proxy.containerId, restartCount: proxy.restartCount };
  if (proxy.state === 'running') return { kind: 'follow', ...instance };
  if (proxy.state === 'terminated') {
    if (pod.finished || pod.deleting) return { kind: 'last-read', ...instance };
    return { kind: 'wait', why: `istio-proxy terminated (${proxy.reason ?? 'no reason given'}) and should restart` };
  }
  if (pod.finished) return { kind: 'stop', why: 'the pod has finished' };
  return { kind: 'wait', why: `istio-proxy is ${proxy.state === 'waiting' ? `waiting (${proxy.reason ?? 'no reason given'})` : 'not reported yet'}` };
}
