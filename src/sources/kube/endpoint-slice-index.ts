/**
 * What the cluster's EndpointSlices say a Service's ClusterIP leads to. kube-proxy sends a connection to a ClusterIP on
 * to an endpoint of any slice labelled with the Service's name (`kubernetes.io/service-name`), whoever wrote it: the
 * EndpointSlice controller (the pods a selector picks), the mirroring controller (hand-written Endpoints), or a person.
 * So the slices, not the selector, say whether a call to the ClusterIP stays inside the mesh. A slice of addressType
 * FQDN (a name, not an address) counts as leading outside; a slice without the label belongs to no Service.
 */
import ipaddr from 'ipaddr.js';
import { canonicalIp } from '../../engine/context.js';
import { objectKey, ScopedObjects } from './scoped-objects.js';

/** The label that ties a slice to its Service (discovery.k8s.io/v1 `LabelServiceName`). */
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The parts of a discovery.k8s.io/v1 EndpointSlice that are read. */
export interface KubeEndpointSlice {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  addressType?: string;
  endpoints?: { addresses?: string[] }[] | null;
}

/** Where a Service's slices lead: their endpoint addresses (canonical), and whether any slice leads somewhere no address names. */
export interface ServiceEndpoints {
  addresses: string[];
  /** An FQDN slice, or an address that is not one. */
  unnamed: boolean;
}

/** What is kept of a slice. */
interface Known {
  /** `namespace/service`. */
  service: string;
  addresses: string[];
  unnamed: boolean;
}

/** All EndpointSlices of every view (`scope`) that belong to a Service, and `changes` bumped on every change. */
export class EndpointSliceIndex extends ScopedObjects<KubeEndpointSlice, Known> {
  /** The slices of each Service (`namespace/name` → slice key → slice), as of `groupedAt`. */
  private readonly grouped = new Map<string, Map<string, Known>>();
  private groupedAt = -1;

  constructor() {
    super(read, (slice) => slice.service);
  }

  /** Where the slices of one Service (`namespace/name`) lead, all merged; undefined when it has none. */
  endpointsOf(service: string): ServiceEndpoints | undefined {
    this.regroup();
    const slices = this.grouped.get(service);
    return slices === undefined ? undefined : merged(slices.values());
  }

  /** Brings `grouped` up to date: by the events since, or all over again after a relist. */
  private regroup(): void {
    if (this.groupedAt === this.changes) return;
    const events = this.changesSince(this.groupedAt);
    if (events === null) {
      this.grouped.clear();
      for (const [key, slice] of this.entries()) this.group(key, slice);
    } else {
      // A slice is grouped under the Service it had at `groupedAt`, its first `before`: leaving every `before` takes it out.
      for (const { key, before } of events) if (before !== undefined) this.ungroup(key, before);
      for (const { key } of events) {
        const slice = this.get(key);
        if (slice !== undefined) this.group(key, slice);
      }
    }
    this.groupedAt = this.changes;
  }

  private group(key: string, slice: Known): void {
    const slices = this.grouped.get(slice.service);
    if (slices === undefined) this.grouped.set(slice.service, new Map([[key, slice]]));
    else slices.set(key, slice);
  }

  private ungroup(key: string, service: string): void {
    const slices = this.grouped.get(service);
    if (slices === undefined) return;
    slices.delete(key);
    if (slices.size === 0) this.grouped.delete(service);
  }
}

/** Where some slices lead together. */
function merged(slices: Iterable<Known>): ServiceEndpoints {
  const out: ServiceEndpoints = { addresses: [], unnamed: false };
  for (const s of slices) {
    out.addresses.push(...s.addresses);
    out.unnamed ||= s.unnamed;
  }
  return out;
}

/** The name of the Service a slice belongs to, or null for one that belongs to none (kube-proxy ignores it, and so does the index). */
export function serviceNameOf(slice: KubeEndpointSlice): string | null {
  const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return service === undefined || service === '' ? null : service;
}

/** What is kept of a slice: null for one that belongs to no Service. */
function read(slice: KubeEndpointSlice): Known | null {
  const service = serviceNameOf(slice);
  if (service === null) return null;
  const fqdn = slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6';
  const listed = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  const addresses = fqdn ? [] : listed.filter((a) => typeof a === 'string' && ipaddr.isValid(a)).map(canonicalIp);
  const unnamed = (fqdn && listed.length > 0) || addresses.length !== listed.length;
  return { service: objectKey(slice.metadata?.namespace, service), addresses, unnamed };
}
