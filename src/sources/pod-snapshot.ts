/**
 * Pods from a saved `kubectl get pods -A -o json` (or `-o yaml`), for offline audits of files that do
 * not name their pods (a log pipeline's export, say): the same IP → pod, namespace and workload map and
 * the same mesh ranges (the pod IPs' /16 and /64) that `watch` gets from the API server, read from the
 * snapshot instead, and the same coverage holes: pods of the mesh's namespaces (those where some pod has
 * a sidecar) without one, and pods whose annotations keep outbound traffic from their sidecar. The
 * snapshot should be taken around the time the logs were, since pod IPs are reused.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { roleFromLabels } from '../engine/roles.js';
import { describeReadError, InputError } from '../errors.js';
import type { CoverageWarning } from '../report/model.js';
import { canonicalIp } from '../engine/context.js';
import type { EngineContext } from '../types.js';
import { excludedTrafficWarning, withoutSidecarWarning } from './kube/live-coverage.js';
import { excludesOutbound, podFacts, type KubePod, type PodFacts } from './kube/pod-facts.js';
import { liveContext, PodIpIndex } from './kube/pod-index.js';

/** What a snapshot held. */
export interface PodSnapshot {
  index: PodIpIndex;
  /** Pods read (with a name and namespace). */
  pods: number;
  /** Pod IPs named (host-network pods name none). */
  ips: number;
  /** Pods labelled `istio=egressgateway`. */
  gateways: number;
  /** Items that were not pods (a `kubectl get all` list, say), left out. */
  skipped: number;
  /**
   * IPs (canonical) that name no pod because two pods of equal standing claim them: two running pods
   * (a snapshot pieced together from two clusters or two times), or two finished pods and no running
   * one (a Job's pod and a later one). Which of them made a connection is not known, so neither is named.
   */
  ambiguous: Set<string>;
  /** The coverage holes the pod specs show. */
  warnings: CoverageWarning[];
}

const NO_EXTERNAL = { isExternal: () => false };

function isPodList(doc: unknown): doc is { items: unknown[] } {
  return typeof doc === 'object' && doc !== null && Array.isArray((doc as { items?: unknown }).items);
}

function isPod(item: unknown): item is KubePod & { kind?: string } {
  if (typeof item !== 'object' || item === null) return false;
  const kind = (item as { kind?: unknown }).kind;
  return (kind === undefined || kind === 'Pod') && typeof (item as { metadata?: unknown }).metadata === 'object';
}

/** `-o json` (read by JSON.parse: a cluster's pod list runs to megabytes) or `-o yaml`; exit 3 naming the line when it is neither. */
function parseJsonOrYaml(path: string, text: string): unknown {
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const at = /position (\d+)/.exec((error as Error).message);
      const line = at === null ? 1 : text.slice(0, Number(at[1])).split('\n').length;
      throw new InputError(`--pods ${path}:${line}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first !== undefined) {
    throw new InputError(`--pods ${path}:${first.linePos?.[0]?.line ?? 1}: not valid YAML (${first.message.split('\n')[0]})`);
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

/** Pods without a sidecar in namespaces where other pods have one, and pods that exclude outbound traffic from theirs. */
function coverageHoles(pods: readonly PodFacts[]): CoverageWarning[] {
  const meshNamespaces = new Set(pods.filter((p) => p.proxy !== null).map((p) => p.ref.namespace));
  const without = pods.filter((p) => p.proxy === null && meshNamespaces.has(p.ref.namespace)).map((p) => p.key);
  const excluded = pods
    .filter((p) => p.proxy !== null && excludesOutbound(p))
    .map((p) => ({ ref: p.ref, ...p.excludedOutbound }));
  return [withoutSidecarWarning(without, 'in the mesh namespaces of --pods'), excludedTrafficWarning(excluded)].filter((w): w is CoverageWarning => w !== null);
}

/** Reads a Pod, PodList or List of pods; exit 3 naming the file (and line) when it is not one. */
export async function loadPodSnapshot(path: string): Promise<PodSnapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`--pods ${path}: ${describeReadError(error)}`);
  }
  const root = parseJsonOrYaml(path, text);
  // A bare array of pods is what `kubectl get pods -A -o json | jq .items` prints.
  const items: unknown[] = Array.isArray(root) ? root : isPodList(root) ? root.items : [root];
  const snapshot: PodSnapshot = { index: new PodIpIndex(), pods: 0, ips: 0, gateways: 0, skipped: 0, ambiguous: new Set(), warnings: [] };
  const all: PodFacts[] = [];
  for (const item of items) {
    const facts = isPod(item) ? podFacts(item) : null;
    if (facts === null) {
      snapshot.skipped++;
      continue;
    }
    all.push(facts);
    const gateway = roleFromLabels(facts.ref.labels)?.role === 'egress-gateway';
    snapshot.index.upsert(facts, gateway);
    snapshot.pods++;
    if (gateway) snapshot.gateways++;
    if (!facts.hostNetwork) snapshot.ips += facts.ips.length;
  }
  if (snapshot.pods === 0) {
    throw new InputError(`--pods ${path}: no pod in it (give the output of kubectl get pods -A -o json)`);
  }
  snapshot.ambiguous = ambiguousIps(all);
  snapshot.warnings = coverageHoles(all);
  return snapshot;
}

/**
 * IPs that two pods of the same standing claim (the index keeps whichever was listed last): two pods
 * not finished, or two finished pods and no pod that is not. A running pod still wins over finished
 * ones that show its IP (their IP was handed on), as in the index. Host-network pods name no IP.
 */
function ambiguousIps(pods: readonly PodFacts[]): Set<string> {
  const claims = new Map<string, { live: Set<string>; finished: Set<string> }>();
  for (const p of pods) {
    if (p.hostNetwork) continue;
    for (const ip of new Set(p.ips.map(canonicalIp))) {
      let c = claims.get(ip);
      if (c === undefined) claims.set(ip, (c = { live: new Set(), finished: new Set() }));
      (p.finished ? c.finished : c.live).add(p.uid);
    }
  }
  const ambiguous = new Set<string>();
  for (const [ip, c] of claims) if (c.live.size > 1 || (c.live.size === 0 && c.finished.size > 1)) ambiguous.add(ip);
  return ambiguous;
}

/** The offline context, told by the snapshot who had each IP and where the mesh is (the logs' own learning fills the gaps). */
export function snapshotContext(snapshot: PodSnapshot, offline: EngineContext): EngineContext {
  const ctx = liveContext(snapshot.index, offline, NO_EXTERNAL);
  const { ambiguous } = snapshot;
  if (ambiguous.size === 0) return ctx;
  // An IP the snapshot cannot tie to one pod is named only by what the logs themselves show (a file naming its pod).
  return { ...ctx, podByIp: (ip) => (ambiguous.has(canonicalIp(ip)) ? offline.podByIp(ip) : ctx.podByIp(ip)) };
}
