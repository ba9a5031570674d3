/** The resources the fake serves, with what discovery, lists and field selectors need to know about each. */
import { POD_FIELDS, podFields } from './pods.js';
import type { Json } from './store.js';

/** One served resource. */
export interface ResourceDef {
  group: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  categories?: string[];
  fieldNames: string[];
  fields(obj: Json): Record<string, string>;
}

const META_FIELDS = ['metadata.name', 'metadata.namespace'];

function metaFields(obj: Json): Record<string, string> {
  const m = obj.metadata as { name: string; namespace?: string };
  return { 'metadata.name': m.name, 'metadata.namespace': m.namespace ?? '' };
}

const READ_VERBS = ['get', 'list', 'watch'];

/** `pods` (core/v1). */
export const PODS: ResourceDef = {
  group: '', plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'],
  verbs: READ_VERBS, categories: ['all'], fieldNames: POD_FIELDS, fields: podFields,
};

/** `namespaces` (core/v1, cluster-scoped). */
export const NAMESPACES: ResourceDef = {
  group: '', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'],
  verbs: READ_VERBS, fieldNames: ['metadata.name', 'status.phase'],
  fields: (obj) => ({ 'metadata.name': (obj.metadata as { name: string }).name, 'status.phase': 'Active' }),
};

/** `services` (core/v1; metadata fields selectable, as for most core resources). */
export const SERVICES: ResourceDef = {
  group: '', plural: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'],
  verbs: READ_VERBS, categories: ['all'], fieldNames: META_FIELDS, fields: metaFields,
};

/** `serviceentries` (networking.istio.io; a CRD, so only metadata fields are selectable). */
export const SERVICE_ENTRIES: ResourceDef = {
  group: 'networking.istio.io', plural: 'serviceentries', singular: 'serviceentry', kind: 'ServiceEntry',
  namespaced: true, shortNames: ['se'], verbs: READ_VERBS, categories: ['istio-io', 'networking-istio-io'],
  fieldNames: META_FIELDS, fields: metaFields,
};

/** `endpointslices` (discovery.k8s.io/v1; metadata fields selectable, as the apiserver's default field set). */
export const ENDPOINT_SLICES: ResourceDef = {
  group: 'discovery.k8s.io', plural: 'endpointslices', singular: 'endpointslice', kind: 'EndpointSlice',
  namespaced: true, shortNames: [], verbs: READ_VERBS, fieldNames: META_FIELDS, fields: metaFields,
};

/** Finds the definition for a group + plural, or undefined (→ 404). */
export function findResource(group: string, plural: string): ResourceDef | undefined {
  return [PODS, NAMESPACES, SERVICES, SERVICE_ENTRIES, ENDPOINT_SLICES].find((d) => d.group === group && d.plural === plural);
}

/** The object as served in `version` (Istio's versions share one schema, so only apiVersion changes). */
export function asVersion(def: ResourceDef, version: string, obj: Json): Json {
  if (def.group === '') return obj;
  return { ...obj, apiVersion: `${def.group}/${version}` };
}

/** `apiVersion` for a list of this resource. */
export function apiVersionOf(def: ResourceDef, version: string): string {
  return def.group === '' ? version : `${def.group}/${version}`;
}
