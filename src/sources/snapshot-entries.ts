/**
 * The Istio ServiceEntries of an `audit --pods` list (`kubectl get pods,services,endpointslices,serviceentries.networking.istio.io
 * -A -o json`), checked item by item before they fill the ServiceEntryIndex `watch` fills from the API
 * (kube/service-entry-index.ts). A saved list may have been edited or pieced together by hand, and an entry read wrongly
 * (a MESH_EXTERNAL address dropped, a location misread) could let an external address inside a pod range pass as
 * `internal`: so one that cannot be read as a ServiceEntry stops the run (exit 3, naming the file and the item) rather
 * than being left out.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { escapeControl } from '../text/escape.js';
import type { ServiceEntry } from './kube/service-entry-index.js';
import { GROUP, SUPPORTED } from './kube/service-entries.js';
import { apiVersionProblem, isRecord, isStringList, itemError, metadataProblem } from './snapshot-slices.js';

/** The apiVersions read: those `watch` reads (v1, v1beta1, v1alpha3), whichever the cluster served when the list was saved. */
const ENTRY_API_VERSIONS = SUPPORTED.map((v) => `${GROUP}/${v}`);

/** The locations Istio knows (a misspelt one would be read as MESH_INTERNAL, its addresses inside). */
const LOCATIONS = ['MESH_EXTERNAL', 'MESH_INTERNAL'];

/** True for an item that says it is a ServiceEntry, whatever else it holds (serviceEntryItem checks the rest). */
export function isServiceEntryKind(item: unknown): item is Record<string, unknown> {
  return isRecord(item) && item.kind === 'ServiceEntry';
}

/**
 * An address or CIDR range as Istio (Go's parser) writes one. ipaddr.js, which the index reads them with, also takes
 * forms Istio refuses and reads them as other addresses (`10.244.077.7` as 10.244.63.7, `10.244/16` as 10.0.0.244/16).
 */
function isAddressOrRange(text: string): boolean {
  const t = text.trim();
  const slash = t.indexOf('/');
  if (slash < 0) return isIP(t) !== 0;
  const bits = t.slice(slash + 1);
  const kind = isIP(t.slice(0, slash));
  return kind !== 0 && /^\d{1,3}$/.test(bits) && Number(bits) <= (kind === 4 ? 32 : 128) && ipaddr.isValidCIDR(t);
}

/** A DNS name whose last label is no number: one the index cannot mistake for an address (`10.1`, `167772161`). */
const HOST_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_-]*[a-z_-][a-z0-9_-]*\.?$/i;

/**
 * An endpoint's address as Istio takes one: an IP address, a host name (DNS resolution) or a Unix socket. Anything else
 * the index would read as no address, so a MESH_EXTERNAL endpoint (`10.244.77.7:5432`) would be dropped unsaid.
 */
function isEndpointAddress(text: string): boolean {
  const t = text.trim();
  return isIP(t) !== 0 || t.startsWith('unix://') || (t.length <= 253 && HOST_NAME.test(t));
}

/** What is wrong with the spec of a ServiceEntry item, or null when the parts `watch` reads can be read. */
function specProblem(spec: unknown): string | null {
  if (!isRecord(spec)) return 'it has no spec';
  if (!isStringList(spec.hosts) || spec.hosts.length === 0) return 'spec.hosts is missing or not a list of strings';
  // A host names flows in the reports: one no DNS name could be (empty, spaces, control characters) was written by hand.
  const odd = spec.hosts.findIndex((h) => h === '' || /[\s\p{Cc}]/u.test(h));
  if (odd >= 0) return `spec.hosts[${odd}] (${escapeControl(spec.hosts[odd] as string)}) is not a host name`;
  if (spec.addresses !== undefined && spec.addresses !== null) {
    if (!isStringList(spec.addresses)) return 'spec.addresses is not a list of strings';
    const bad = spec.addresses.findIndex((a) => !isAddressOrRange(a));
    if (bad >= 0) return `spec.addresses[${bad}] (${escapeControl(spec.addresses[bad] as string)}) is not an IP address or CIDR range`;
  }
  if (spec.location !== undefined && spec.location !== null && !(typeof spec.location === 'string' && LOCATIONS.includes(spec.location))) {
    return `spec.location ${typeof spec.location === 'string' ? escapeControl(spec.location) : 'that is not a string'} is neither ${LOCATIONS.join(' nor ')}`;
  }
  const endpoints = spec.endpoints;
  if (endpoints === undefined || endpoints === null) return null;
  if (!Array.isArray(endpoints)) return 'spec.endpoints is not a list';
  for (const [i, endpoint] of endpoints.entries()) {
    if (!isRecord(endpoint)) return `spec.endpoints[${i}] is not an object`;
    // An endpoint may have no address (one reached through another network's gateway), or a host name (DNS resolution).
    if (endpoint.address === undefined || endpoint.address === null) continue;
    if (typeof endpoint.address !== 'string') return `spec.endpoints[${i}].address is not a string`;
    if (!isEndpointAddress(endpoint.address)) return `spec.endpoints[${i}].address (${escapeControl(endpoint.address)}) is neither an IP address nor a host name`;
  }
  return null;
}

/** What is wrong with a ServiceEntry item, or null when it can be read as one. */
function problem(item: Record<string, unknown>): string | null {
  return apiVersionProblem(item, ENTRY_API_VERSIONS) ?? metadataProblem(item) ?? specProblem(item.spec);
}

/** The ServiceEntry of item `at` (0-based) of the list; exit 3 naming the file, the item and what is wrong when it cannot be read as one. */
export function serviceEntryItem(path: string, at: number, item: Record<string, unknown>): ServiceEntry {
  const wrong = problem(item);
  if (wrong === null) return item as ServiceEntry;
  throw itemError(path, at, 'ServiceEntry', item, wrong);
}
