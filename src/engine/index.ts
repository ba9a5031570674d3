/**
 * The engine's public surface: join + verdicts + role inference.
 *
 * Decisions the spec left open (see also each module's header):
 * - A group (sidecar entry, gateway entry, SNI inner line, retry attempts) is released only once log
 *   time has passed the end of every member plus the window (or on eviction / finish): matching is
 *   a stable matching over a strict ranking, so flows do not depend on arrival order.
 * - PassthroughCluster to an IP inside the mesh is `internal` (rule internal/passthrough-to-mesh); with no
 *   mesh ranges given, only a sidecar's own address read in its log is (a private address is not, by itself).
 * - A joined pair whose gateway entry refused the traffic (RBAC/ext_authz, NR/NC, a 4xx/5xx
 *   direct_response, BlackHoleCluster) is `blocked` with a `blocked/gateway-*` rule.
 * - A gateway TCP line that carried a sidecar's HTTP requests (carrier.ts) is the gateway entry of each
 *   request's flow, and of no flow of its own; the flows' bytes are the requests'.
 */
export { createEngine } from './engine.js';
export { offlineContext } from './context.js';
export { gatewayNamespaceMatcher } from './cluster.js';
export { gatewayNamespaceRole, gatewayNamespacesText, gatewayPodOutside, gatewaysByContent, inferRoles, learnGatewayIps, refusedGatewayPods, type GatewaysByContent } from './roles.js';
export { learnMeshIps, learnPodIps } from './learned-pods.js';
export { canonicalKey, canonicalName } from './net.js';
export { claimedIp, placeChars, unidentifiedDestination } from './destination.js';
export { renamedWorkload } from './workload.js';
export { asciiName, NON_ASCII, unicodeGlobProblem } from './idn.js';
export { PairMemo } from './cache.js';
export type { Engine, EngineCounters, RoleSample } from './types.js';
