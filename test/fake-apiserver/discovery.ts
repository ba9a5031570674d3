/**
 * Discovery documents kubectl and client-node read (notes §5): legacy `/api`, `/api/v1`, `/apis` with the
 * discovery.k8s.io group (v1 only, as since Kubernetes 1.25) and the networking.istio.io group, their versions, and `/version`. Plain `application/json` only: kubectl 1.33 asks for
 * aggregated discovery first and falls back when the reply is plain JSON (notes §5).
 */
import { ENDPOINT_SLICES, NAMESPACES, PODS, SERVICE_ENTRIES, SERVICES, type ResourceDef } from './resources.js';

/** The networking.istio.io group name. */
export const ISTIO_GROUP = 'networking.istio.io';

/** The discovery.k8s.io group name (EndpointSlices), always served in v1. */
export const DISCOVERY_GROUP = 'discovery.k8s.io';

function resourceEntry(def: ResourceDef): Record<string, unknown> {
  const e: Record<string, unknown> = {
    name: def.plural, singularName: def.singular, namespaced: def.namespaced, kind: def.kind,
    verbs: def.verbs, storageVersionHash: Buffer.from(def.plural).toString('base64').slice(0, 11),
  };
  if (def.shortNames.length > 0) e.shortNames = def.shortNames;
  if (def.categories) e.categories = def.categories;
  return e;
}

/** `GET /api`. */
export function apiVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** `GET /api/v1`. */
export function coreResources(): unknown {
  return {
    kind: 'APIResourceList', groupVersion: 'v1',
    resources: [
      resourceEntry(NAMESPACES),
      resourceEntry(PODS),
      { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
      resourceEntry(SERVICES),
    ],
  };
}

function groupOf(name: string, versions: readonly string[]): Record<string, unknown> {
  const gv = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: gv, preferredVersion: gv[0] };
}

/** `GET /apis`: discovery.k8s.io, and the Istio group when any version is served. */
export function apiGroupList(istioVersions: readonly string[]): unknown {
  const groups = [groupOf(DISCOVERY_GROUP, ['v1']), ...(istioVersions.length > 0 ? [groupOf(ISTIO_GROUP, istioVersions)] : [])];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `GET /apis/{group}` for a served group and its versions. */
export function apiGroup(name: string, versions: readonly string[]): unknown {
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupOf(name, versions) };
}

/** `GET /apis/discovery.k8s.io/v1`. */
export function discoveryResources(): unknown {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${DISCOVERY_GROUP}/v1`, resources: [resourceEntry(ENDPOINT_SLICES)] };
}

/** `GET /apis/networking.istio.io/{version}`. */
export function istioResources(version: string): unknown {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${ISTIO_GROUP}/${version}`,
    resources: [resourceEntry(SERVICE_ENTRIES)] };
}

/** `GET /version` (a `version.Info`). */
export function versionInfo(minor: number): unknown {
  return {
    major: '1', minor: String(minor), gitVersion: `v1.${minor}.0`, gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.24.0', compiler: 'gc', platform: 'linux/amd64',
  };
}
