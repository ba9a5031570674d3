/**
 * The one wiring of a cluster's engine context, for `watch` (the API's indexes, kept current) and `audit --pods` (a saved
 * list's): the ClusterIPs the Services and their slices vouch for (cluster-ips.ts), judged with the engine's own test for
 * an endpoint, and the live context that asks them. Built in one place, so the two cannot come to judge a ClusterIP apart.
 */
import type { EngineContext, GatewayHostSet } from '../../types.js';
import { VouchedClusterIps, type SliceCoverage } from './cluster-ips.js';
import type { EndpointSliceIndex } from './endpoint-slice-index.js';
import { endpointInMesh, liveContext, type PodIpIndex } from './pod-index.js';
import type { ServiceEntryIndex } from './service-entry-index.js';
import type { ServiceIndex } from './service-index.js';

/** What a cluster's context is built from. */
export interface ClusterIndexes {
  pods: PodIpIndex;
  /** What is known besides the cluster (`--mesh-cidr`, policy ranges; under `audit`, what the logs taught). */
  flags: EngineContext;
  serviceEntries: ServiceEntryIndex;
  services: ServiceIndex;
  slices: EndpointSliceIndex;
  /** Where the slices have been read. */
  sliceCoverage: SliceCoverage;
  /** The egress gateway Services known beyond the settings (those selecting a gateway pod); none: the settings' alone. */
  gatewayHosts?: GatewayHostSet;
}

/** The context the engine asks, the ClusterIPs it asks them of, and the same judge for other Services (--explain). */
export interface ClusterContext {
  context: EngineContext;
  clusterIps: VouchedClusterIps;
  /** The ClusterIPs `services` alone vouch for by the same rule, slices and endpoint test: a Service judged apart from another holding its ClusterIP. */
  vouchedAmong(services: ServiceIndex): VouchedClusterIps;
}

/** Why one function: `watch` and `audit --pods` must judge a ClusterIP by one rule, and --explain must say what the engine judged. */
export function clusterContext(c: ClusterIndexes): ClusterContext {
  const inMesh = endpointInMesh(c.pods, c.flags, c.serviceEntries);
  const vouchedAmong = (services: ServiceIndex): VouchedClusterIps => new VouchedClusterIps(services, c.slices, c.sliceCoverage, inMesh, [c.pods, c.serviceEntries]);
  const clusterIps = vouchedAmong(c.services);
  const context = liveContext(c.pods, c.flags, c.serviceEntries, clusterIps);
  return { context: c.gatewayHosts === undefined ? context : { ...context, gatewayHosts: c.gatewayHosts }, clusterIps, vouchedAmong };
}
