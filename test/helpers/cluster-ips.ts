// The ClusterIPs Services alone vouch for, with no EndpointSlices read (a Service's selector decides): the engine's and
// the pod index's tests ask it where the slices do not matter.
import { VouchedClusterIps } from '../../src/sources/kube/cluster-ips.js';
import { EndpointSliceIndex } from '../../src/sources/kube/endpoint-slice-index.js';
import type { ServiceIndex } from '../../src/sources/kube/service-index.js';

/** A VouchedClusterIps over `services` with no slices read in any namespace. */
export function selectorClusterIps(services: ServiceIndex): VouchedClusterIps {
  return new VouchedClusterIps(services, new EndpointSliceIndex(), { covers: () => false }, () => undefined, []);
}
