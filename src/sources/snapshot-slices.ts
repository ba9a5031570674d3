/**
 * The EndpointSlices of an `audit --pods` list (`kubectl get pods,services,endpointslices -A -o json`), checked item by
 * item before they fill the EndpointSliceIndex `watch` fills from the API (kube/endpoint-slice-index.ts). The API server
 * never serves a malformed slice, but a saved list may have been edited or pieced together by hand, and a slice read
 * wrongly could vouch for a ClusterIP that leads outside: so one that is not a discovery.k8s.io/v1 EndpointSlice stops
 * the run (exit 3, naming the file and the item) rather than being left out.
 */
import { InputError } from '../errors.js';
import { escapeControl, shownName } from '../text/escape.js';
import type { KubeEndpointSlice } from './kube/endpoint-slice-index.js';

/** The only version read: what kubectl prints since Kubernetes 1.21 (v1beta1 was removed in 1.25). */
const SLICE_API_VERSION = 'discovery.k8s.io/v1';

/** True for an item that says it is an EndpointSlice, whatever else it holds (endpointSliceItem checks the rest). */
export function isEndpointSliceKind(item: unknown): item is Record<string, unknown> {
  return isRecord(item) && item.kind === 'EndpointSlice';
}

/** An object that is not a list: what a saved item's parts must be before they are read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A list of strings (an address list, a host list). */
export function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** The exit-3 error for item `at` (0-based) of the list, a `kind` that cannot be read: the file, the item, its name and what is wrong. */
export function itemError(path: string, at: number, kind: string, item: Record<string, unknown>, wrong: string): InputError {
  const meta = isRecord(item.metadata) ? item.metadata : {};
  const named = typeof meta.name === 'string' ? ` ${typeof meta.namespace === 'string' ? `${meta.namespace}/` : ''}${meta.name}` : '';
  return new InputError(`--pods ${shownName(path)}: item ${at + 1} (${kind}${escapeControl(named)}): ${wrong}`);
}

/** What is wrong with an item's apiVersion, when it gives one that is none of `read`, or null; `how` says how to save the item in one that is. */
export function apiVersionProblem(item: Record<string, unknown>, read: readonly string[], how = ''): string | null {
  if (item.apiVersion === undefined || (typeof item.apiVersion === 'string' && read.includes(item.apiVersion))) return null;
  return `apiVersion ${typeof item.apiVersion === 'string' ? escapeControl(item.apiVersion) : 'that is not a string'} is not read (only ${read.join(', ')}${how})`;
}

/** What is wrong with an item's metadata (a name and a namespace, its key), or null. */
export function metadataProblem(item: Record<string, unknown>): string | null {
  const meta = item.metadata;
  if (!isRecord(meta)) return 'it has no metadata';
  if (typeof meta.name !== 'string' || meta.name === '') return 'metadata.name is missing or not a string';
  if (typeof meta.namespace !== 'string' || meta.namespace === '') return 'metadata.namespace is missing or not a string';
  return null;
}

/** What is wrong with an EndpointSlice item, or null when it can be read as one. */
function problem(item: Record<string, unknown>): string | null {
  const version = apiVersionProblem(item, [SLICE_API_VERSION], ': save them with kubectl get endpointslices.v1.discovery.k8s.io -A -o json');
  if (version !== null) return version;
  const unnamed = metadataProblem(item);
  if (unnamed !== null) return unnamed;
  const meta = item.metadata as Record<string, unknown>;
  if (meta.labels !== undefined && meta.labels !== null && !(isRecord(meta.labels) && Object.values(meta.labels).every((v) => typeof v === 'string'))) {
    return 'metadata.labels is not a map of strings';
  }
  if (typeof item.addressType !== 'string') return 'addressType is missing or not a string';
  const endpoints = item.endpoints;
  if (endpoints === undefined || endpoints === null) return null;
  if (!Array.isArray(endpoints)) return 'endpoints is not a list';
  for (const [i, endpoint] of endpoints.entries()) {
    if (!isRecord(endpoint)) return `endpoints[${i}] is not an object`;
    if (!isStringList(endpoint.addresses)) return `endpoints[${i}].addresses is missing or not a list of strings`;
  }
  return null;
}

/** The slice of item `at` (0-based) of the list; exit 3 naming the file, the item and what is wrong when it cannot be read as one. */
export function endpointSliceItem(path: string, at: number, item: Record<string, unknown>): KubeEndpointSlice {
  const wrong = problem(item);
  if (wrong === null) return item as KubeEndpointSlice;
  throw itemError(path, at, 'EndpointSlice', item, wrong);
}
