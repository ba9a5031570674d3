/**
 * What the cluster's EndpointSlices say a Service's ClusterIP leads to. kube-proxy sends a connection to a ClusterIP on
 * to an endpoint of any slice labelled with the Service's name (`kubernetes.io/service-name`), whoever wrote it: the
 * EndpointSlice controller (the pods a selector picks), the mirroring controller (hand-written Endpoints), or a person.
 * So the slices, not the selector, say whether a call to the ClusterIP stays inside the mesh. A slice of addressType
 * FQDN (a name, not an address) counts as leading outside; a slice without the label belongs to no Service.
 */
import ipaddr from 'ipaddr.js';
import { canonicalIp } from '../../engine/context.js';
import type { WatchEventType } from './list-watch.js';

/** The label that ties a slice to its Service (discovery.k8s.io/v1 `LabelServiceName`). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

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

interface Known {
  scope: string;
  /** `namespace/service`. */
  service: string;
  addresses: string[];
  unnamed: boolean;
}

/** All EndpointSlices of every view (`scope`) that belong to a Service, and `changes` bumped on every change. */
export class EndpointSliceIndex {
  private readonly slices = new Map<string, Known>();
  /** Goes up on every change, so what is worked out from the slices knows when to work it out again. */
  changes = 0;

  /** How many slices belonging to a Service are known. */
  get size(): number {
    return this.slices.size;
  }

  /** A (re)list of one view. */
  replace(scope: string, items: KubeEndpointSlice[]): void {
    for (const [key, s] of [...this.slices]) if (s.scope === scope) this.slices.delete(key);
    for (const slice of items) this.put(scope, slice);
    this.changes++;
  }

  /** One watch event of one view. */
  event(scope: string, type: WatchEventType, slice: KubeEndpointSlice): void {
    if (type === 'DELETED') this.slices.delete(keyOf(slice));
    else this.put(scope, slice);
    this.changes++;
  }

  /** Every Service with slices (`namespace/name`) and where its slices lead, all slices merged. */
  byService(): Map<string, ServiceEndpoints> {
    const out = new Map<string, ServiceEndpoints>();
    for (const s of this.slices.values()) {
      const seen = out.get(s.service);
      if (seen === undefined) out.set(s.service, { addresses: [...s.addresses], unnamed: s.unnamed });
      else {
        seen.addresses.push(...s.addresses);
        seen.unnamed ||= s.unnamed;
      }
    }
    return out;
  }

  private put(scope: string, slice: KubeEndpointSlice): void {
    const key = keyOf(slice);
    this.slices.delete(key);
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (service === undefined || service === '') return; // no Service's: kube-proxy ignores it
    const fqdn = slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6';
    const listed = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    const addresses = fqdn ? [] : listed.filter((a) => typeof a === 'string' && ipaddr.isValid(a)).map(canonicalIp);
    const unnamed = (fqdn && listed.length > 0) || addresses.length !== listed.length;
    this.slices.set(key, { scope, service: `${slice.metadata?.namespace ?? ''}/${service}`, addresses, unnamed });
  }
}

function keyOf(slice: KubeEndpointSlice): string {
  return `${slice.metadata?.namespace ?? ''}/${slice.metadata?.name ?? ''}`;
}
