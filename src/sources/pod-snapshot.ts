/**
 * Pods from a saved `kubectl get pods -A -o json` (or `-o yaml`), for offline audits of files that do
 * not name their pods (a log pipeline's export, say): the same IP → pod, namespace and workload map and
 * the same mesh ranges (the pod IPs' /16 and /64) that `watch` gets from the API server, read from the
 * snapshot instead, and the same coverage holes: pods of the mesh's namespaces (those where some pod has
 * a sidecar) without one, and pods whose annotations keep outbound traffic from their sidecar. Services and
 * EndpointSlices in the same list (`kubectl get pods,services,endpointslices -A -o json`) say what `watch` reads them
 * for: a ClusterIP is inside the mesh when every endpoint of its Service's slices is (cluster-ips.ts, the same
 * VouchedClusterIps), or, for a Service with no slice listed, when it has a selector; and a Service whose selector picks
 * an egress gateway pod is that gateway's Service. Istio ServiceEntries in it too (`...,serviceentries.networking.istio.io`)
 * fill the ServiceEntryIndex `watch` fills: the addresses and endpoint IPs of MESH_EXTERNAL entries are outside the mesh
 * even inside a pod range, and an IP one entry lists is named by its host. The snapshot should be taken around the time
 * the logs were, since pod IPs are reused. A list with Services with a selector and no slice was saved without them,
 * and says so (endpointslices-unreadable); one naming an item twice is read as snapshot-duplicates.ts says.
 */
import { constants } from 'node:buffer';
import { stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { roleFromLabels } from '../engine/roles.js';
import { describeReadError, InputError } from '../errors.js';
import type { CoverageWarning } from '../report/model.js';
import { canonicalIp } from '../engine/context.js';
import type { EngineContext } from '../types.js';
import { excludedTrafficWarning, withoutSidecarWarning } from './kube/live-coverage.js';
import { excludesOutbound, podFacts, type KubePod, type PodFacts } from './kube/pod-facts.js';
import { PodIpIndex } from './kube/pod-index.js';
import { ServiceIndex, type KubeService } from './kube/service-index.js';
import { clusterContext, type ClusterContext } from './kube/cluster-context.js';
import { EndpointSliceIndex, serviceNameOf, type KubeEndpointSlice } from './kube/endpoint-slice-index.js';
import { endpointSliceItem, isEndpointSliceKind } from './snapshot-slices.js';
import { isServiceEntryKind, serviceEntryItem } from './snapshot-entries.js';
import { ServiceEntryIndex, type ServiceEntry } from './kube/service-entry-index.js';
import { objectKey } from './kube/scoped-objects.js';
import { onceEach, type ListedItem } from './snapshot-duplicates.js';
import { readTextFile } from './read-text.js';
import { warnOnStderr } from './file-source.js';
import { escapeControl, shownName } from '../text/escape.js';

/** The one command that saves everything `--pods` reads (pods, Services, EndpointSlices, ServiceEntries), for every hint that names it. */
export const PODS_LIST_COMMAND = 'kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json';

/** What a snapshot held. */
export interface PodSnapshot {
  index: PodIpIndex;
  /** Pods read (with a name and namespace). */
  pods: number;
  /** Pod IPs named (host-network pods name none). */
  ips: number;
  /** Pods labelled `istio=egressgateway`. */
  gateways: number;
  /** The Services listed beside the pods (none unless asked for: `kubectl get pods,services`). */
  services: ServiceIndex;
  /** Those Services as listed, by `namespace/name`: --explain judges one apart from another holding its ClusterIP. */
  serviceItems: ReadonlyMap<string, KubeService>;
  /** The cluster-domain hosts of the Services whose selector picks an egress gateway pod, sorted. */
  gatewayServices: string[];
  /** The EndpointSlices listed beside the pods (none unless asked for: `kubectl get pods,services,endpointslices`) that belong to a Service. */
  slices: EndpointSliceIndex;
  /** EndpointSlice items read, those naming no Service among them. */
  slicesListed: number;
  /** EndpointSlice items without the `kubernetes.io/service-name` label: kube-proxy ignores them, and so does the index. */
  slicesWithoutService: number;
  /** The Istio ServiceEntries listed beside the pods (none unless asked for: `kubectl get ...,serviceentries.networking.istio.io`). */
  serviceEntries: ServiceEntryIndex;
  /** Items that were neither pods, Services, EndpointSlices nor ServiceEntries (a `kubectl get all` list, say), left out. */
  skipped: number;
  /**
   * IPs (canonical) that name no pod because two pods of equal standing claim them: two running pods
   * (a snapshot pieced together from two clusters or two times), or two finished pods and no running
   * one (a Job's pod and a later one). Which of them made a connection is not known, so neither is named.
   */
  ambiguous: Set<string>;
  /** What the list plainly left out that weakens the audit (EndpointSlices), in one line to say at once; null when nothing. */
  gap: string | null;
  /** The coverage holes the pod specs show, and the gap. */
  warnings: CoverageWarning[];
}

function isPodList(doc: unknown): doc is { items: unknown[] } {
  return typeof doc === 'object' && doc !== null && Array.isArray((doc as { items?: unknown }).items);
}

function isPod(item: unknown): item is KubePod & { kind?: string } {
  if (typeof item !== 'object' || item === null) return false;
  const kind = (item as { kind?: unknown }).kind;
  return (kind === undefined || kind === 'Pod') && typeof (item as { metadata?: unknown }).metadata === 'object';
}

function isService(item: unknown): item is KubeService {
  return typeof item === 'object' && item !== null && (item as { kind?: unknown }).kind === 'Service' && typeof (item as { metadata?: unknown }).metadata === 'object';
}

/** `-o json` (read by JSON.parse: a cluster's pod list runs to megabytes) or `-o yaml`; exit 3 naming the line when it is neither. */
function parseJsonOrYaml(path: string, text: string): unknown {
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const at = /position (\d+)/.exec((error as Error).message);
      const line = at === null ? 1 : text.slice(0, Number(at[1])).split('\n').length;
      throw new InputError(`--pods ${shownName(path)}:${line}: not valid JSON (${escapeControl((error as Error).message.split('\n')[0] ?? '')})`);
    }
  }
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first !== undefined) {
    throw new InputError(`--pods ${shownName(path)}:${first.linePos?.[0]?.line ?? 1}: not valid YAML (${escapeControl(first.message.split('\n')[0] ?? '')})`);
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

/** The longest text one string can hold (~512 MiB): a pod list is parsed whole, as one string. */
const MAX_TEXT = constants.MAX_STRING_LENGTH;

function tooLarge(path: string, size: number | null): InputError {
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
  const what = size === null ? 'more' : `${mib(size)} MiB, more`;
  return new InputError(
    `--pods ${shownName(path)}: ${what} than the ${mib(MAX_TEXT)} MiB a pod list can be read as (list the namespaces the logs come from only: kubectl get pods -n NAMESPACE -o json)`,
  );
}

/**
 * The snapshot's text; exit 3 naming the file when it cannot be read, or is too large to be read as one string. A byte
 * sequence that is no character is read as U+FFFD and said on stderr, not refused: kubectl writes valid UTF-8, and what
 * a verdict reads of a pod (names, namespaces, labels, IPs) Kubernetes keeps to ASCII, so a re-encoding, which changes
 * only bytes that are not ASCII, leaves it alone (a name damaged otherwise shows its U+FFFD in the report), while the
 * cluster the list was saved from may be gone, and the list with it.
 */
async function readSnapshot(path: string): Promise<string> {
  const size = await stat(path).then((s) => (s.isFile() ? s.size : null), () => null);
  if (size !== null && size > MAX_TEXT) throw tooLarge(path, size);
  try {
    const { text, invalid } = await readTextFile(path, MAX_TEXT);
    if (invalid !== null) {
      warnOnStderr(`--pods ${path}:${invalid} (the first such bytes), read as U+FFFD and the list read on: kubectl writes valid UTF-8, so the file was changed after it was saved; pods' names, labels and IPs are ASCII, so such bytes are most likely free text such as an annotation (save the list again with ${PODS_LIST_COMMAND} to be sure)`);
    }
    return text;
  } catch (error) {
    // A FIFO (--pods <(kubectl ...)) has no size to check first.
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') throw tooLarge(path, null);
    throw new InputError(`--pods ${shownName(path)}: ${escapeControl(describeReadError(error))}`);
  }
}

/**
 * Reads a Pod, PodList or List of pods (and Services, EndpointSlices, ServiceEntries); exit 3 naming the file (and line, or item) when it is not one.
 * `gatewayNamespace` (engine/cluster.ts's gatewayNamespaceMatcher) says where a pod labelled as an egress gateway may
 * be one; `clusterDomain` names a gateway Service's host.
 */
export async function loadPodSnapshot(path: string, gatewayNamespace: (namespace: string | null) => boolean, clusterDomain: string): Promise<PodSnapshot> {
  const text = await readSnapshot(path);
  const root = parseJsonOrYaml(path, text);
  // A bare array of pods is what `kubectl get pods -A -o json | jq .items` prints.
  const items: unknown[] = Array.isArray(root) ? root : isPodList(root) ? root.items : [root];
  const snapshot: PodSnapshot = {
    index: new PodIpIndex(), pods: 0, ips: 0, gateways: 0, services: new ServiceIndex(), serviceItems: new Map(), gatewayServices: [], slices: new EndpointSliceIndex(), slicesListed: 0,
    slicesWithoutService: 0, serviceEntries: new ServiceEntryIndex(), skipped: 0, ambiguous: new Set(), gap: null, warnings: [],
  };
  const all: PodFacts[] = [];
  const listedServices: ListedItem<KubeService>[] = [];
  const listedSlices: ListedItem<KubeEndpointSlice>[] = [];
  const listedEntries: ListedItem<ServiceEntry>[] = [];
  for (const [at, item] of items.entries()) {
    if (isService(item)) {
      listedServices.push({ at, item });
      continue;
    }
    if (isEndpointSliceKind(item)) {
      listedSlices.push({ at, item: endpointSliceItem(path, at, item) });
      continue;
    }
    if (isServiceEntryKind(item)) {
      listedEntries.push({ at, item: serviceEntryItem(path, at, item) });
      continue;
    }
    const facts = isPod(item) ? podFacts(item) : null;
    if (facts === null) {
      snapshot.skipped++;
      continue;
    }
    all.push(facts);
    snapshot.pods++;
    if (!facts.hostNetwork) snapshot.ips += facts.ips.length;
  }
  if (snapshot.pods === 0) {
    throw new InputError(`--pods ${shownName(path)}: no pod in it (give the output of ${PODS_LIST_COMMAND})`);
  }
  const services = onceEach(path, 'Service', listedServices, PODS_LIST_COMMAND);
  const slices = onceEach(path, 'EndpointSlice', listedSlices, PODS_LIST_COMMAND);
  const entries = onceEach(path, 'ServiceEntry', listedEntries, PODS_LIST_COMMAND);
  const owners = ipOwners(all);
  const gatewayPods: PodFacts[] = [];
  for (const facts of all) {
    const gateway = roleFromLabels(facts.ref.labels)?.role === 'egress-gateway' && gatewayNamespace(facts.ref.namespace);
    if (gateway) gatewayPods.push(facts);
    // Each pod is indexed under the IPs it owns only: every lookup (pod, gateway) then answers from one owner.
    snapshot.index.upsert({ ...facts, ips: facts.ips.filter((ip) => owners.get(canonicalIp(ip)) === facts) }, gateway);
  }
  for (const [ip, owner] of owners) {
    if (owner !== null) continue;
    snapshot.ambiguous.add(ip);
    snapshot.index.addRange(ip);
  }
  snapshot.gateways = gatewayPods.length;
  snapshot.services.replace('snapshot', services);
  snapshot.serviceItems = new Map(services.map((svc) => [objectKey(svc.metadata?.namespace, svc.metadata?.name), svc]));
  snapshot.slices.replace('snapshot', slices);
  snapshot.slicesListed = slices.length;
  snapshot.serviceEntries.replace('snapshot', entries);
  snapshot.slicesWithoutService = slices.filter((s) => serviceNameOf(s) === null).length;
  const domain = clusterDomain.toLowerCase().replace(/\.$/, '');
  snapshot.gatewayServices = snapshot.services.selectingHosts(gatewayPods.map((p) => ({ namespace: p.ref.namespace, labels: p.ref.labels })), domain);
  snapshot.gap = missingSlices(path, snapshot.services.selecting, slices.length, entries.length);
  snapshot.warnings = [...coverageHoles(all), ...(snapshot.gap === null ? [] : [{ code: 'endpointslices-unreadable' as const, message: snapshot.gap }])];
  return snapshot;
}

/**
 * What a list holding Services with a selector and no EndpointSlice left out, or null. Such a list cannot be a cluster's
 * whole one (the controller writes a slice for every Service with a selector, even one that picks no pod): it was saved
 * without slices, so the selector alone judges the ClusterIPs, blind to a slice written by hand to an outside address.
 * No ServiceEntry in a list is said only then, and as a condition: a cluster may well have none, and a full list of
 * such a cluster would raise a warning nothing could silence, so otherwise --explain alone says it.
 */
function missingSlices(path: string, selecting: number, slices: number, entries: number): string | null {
  if (selecting === 0 || slices > 0) return null;
  const nor = entries > 0 ? '' : '; it holds no ServiceEntry either: if the cluster has any, a MESH_EXTERNAL address inside a pod range counts as inside the mesh';
  return `--pods ${shownName(path)} lists ${selecting === 1 ? 'a Service' : `${selecting} Services`} with a selector and no EndpointSlice, so it was saved without them: a ClusterIP is judged by its Service's selector alone, which misses a slice written by hand to an address outside the mesh (a call to it through PassthroughCluster passes as internal)${nor}; save the whole list with ${PODS_LIST_COMMAND}`;
}

/**
 * The one pod each IP (canonical) names, for every lookup of the snapshot (which pod, whether a gateway):
 * the running pod that claims it (a finished pod's IP may have been handed on), else the one finished
 * pod; null when two pods of equal standing claim it (two running pods, a snapshot pieced together from
 * two clusters or times; or two finished pods and no running one), as which of them made a connection
 * is not known. The same pod listed twice is one claim. Host-network pods name no IP.
 */
function ipOwners(pods: readonly PodFacts[]): Map<string, PodFacts | null> {
  const claims = new Map<string, { live: Map<string, PodFacts>; finished: Map<string, PodFacts> }>();
  for (const p of pods) {
    if (p.hostNetwork) continue;
    for (const ip of new Set(p.ips.map(canonicalIp))) {
      let c = claims.get(ip);
      if (c === undefined) claims.set(ip, (c = { live: new Map(), finished: new Map() }));
      const standing = p.finished ? c.finished : c.live;
      if (!standing.has(p.uid)) standing.set(p.uid, p);
    }
  }
  const owners = new Map<string, PodFacts | null>();
  for (const [ip, c] of claims) {
    const peers = c.live.size > 0 ? c.live : c.finished;
    owners.set(ip, peers.size === 1 ? ([...peers.values()][0] as PodFacts) : null);
  }
  return owners;
}

/** The offline context of a snapshot, the ClusterIPs it vouches for, and their judge (what --explain says of them). */
export interface SnapshotContext extends ClusterContext {
  snapshot: PodSnapshot;
}

/**
 * `watch` judges a namespace's Services by their slices once it has read that namespace's slices, and by the selector
 * where it has not, or where a Service has none. A saved list was read whole: its slices stand for every namespace, and
 * a Service with none listed (a list saved without them, or a Service the controller has not written one for) keeps
 * the selector rule, per Service, as it does under `watch`.
 */
const WHOLE_LIST = { covers: (): boolean => true };

/**
 * The offline context, told by the snapshot who had each IP, where the mesh is (less what MESH_EXTERNAL ServiceEntries
 * name), which addresses are ClusterIPs (judged by the listed slices with the engine's endpoint test, as `watch` judges
 * them) and which Services are egress gateways', wired by the function that wires `watch`'s; the logs' own learning fills
 * the gaps, among them the contested IPs, which the index does not hold (a file naming its pod, a gateway's own log
 * showing its address).
 */
export function snapshotContext(snapshot: PodSnapshot, offline: EngineContext): SnapshotContext {
  const hosts = new Set(snapshot.gatewayServices);
  const cluster = clusterContext({
    pods: snapshot.index, flags: offline, serviceEntries: snapshot.serviceEntries, services: snapshot.services, slices: snapshot.slices, sliceCoverage: WHOLE_LIST,
    ...(hosts.size === 0 ? {} : { gatewayHosts: { version: 0, has: (host: string) => hosts.has(host) } }),
  });
  return { ...cluster, snapshot };
}

/**
 * How the snapshot's ClusterIPs were judged, for --explain: those vouched for by their Service's slices, or by its
 * selector where none is listed; those left out by their own Service's rule (slices leading outside, no selector); and
 * those left out although their Service's rule vouches, as another Service holding the same ClusterIP is not vouched for.
 */
export interface ClusterIpJudgement {
  bySlices: { vouched: number; outside: string[] };
  bySelector: { selecting: number; without: number };
  /** Services vouched for by their own rule whose ClusterIP another Service holds too, and is not (keys, sorted). */
  heldByAnother: string[];
}

/** How each Service with a ClusterIP was judged: by the engine's VouchedClusterIps, and by the same rule for it alone where that says otherwise. */
export function clusterIpJudgement({ snapshot, clusterIps, vouchedAmong }: SnapshotContext): ClusterIpJudgement {
  const judged: ClusterIpJudgement = { bySlices: { vouched: 0, outside: [] }, bySelector: { selecting: 0, without: 0 }, heldByAnother: [] };
  const vouchedAlone = (key: string, ips: readonly string[]): boolean => {
    const alone = new ServiceIndex();
    const item = snapshot.serviceItems.get(key);
    alone.replace('explain', item === undefined ? [] : [item]);
    const judge = vouchedAmong(alone);
    return ips.every((ip) => judge.isClusterIp(ip));
  };
  for (const svc of snapshot.services.withClusterIps()) {
    const bySlices = snapshot.slices.endpointsOf(svc.key) !== undefined;
    if (svc.ips.every((ip) => clusterIps.isClusterIp(ip))) {
      if (bySlices) judged.bySlices.vouched++;
      else judged.bySelector.selecting++;
    } else if (vouchedAlone(svc.key, svc.ips)) judged.heldByAnother.push(svc.key);
    else if (bySlices) judged.bySlices.outside.push(svc.key);
    else judged.bySelector.without++;
  }
  judged.bySlices.outside.sort();
  judged.heldByAnother.sort();
  return judged;
}
