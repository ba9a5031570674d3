/** An audit pipeline over sidecar streams with default settings, for tests of what drives it. */
import { resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { offlineContext } from '../../src/engine/index.js';
import { AuditPipeline } from '../../src/pipeline/audit-pipeline.js';
import type { AuditSettings, Flow } from '../../src/types.js';

/** Default settings (window 5 s, at most 1,000 pending entries). */
export const PIPELINE_SETTINGS: AuditSettings = { meshCidrs: [], clusterDomain: 'cluster.local', gatewayHosts: ['*egressgateway*'], gatewayNamespaces: [], windowMs: 5000, maxPending: 1000 };

/** A pipeline that treats every stream as a sidecar's and hands each flow to `onFlow`. */
export function sidecarPipeline(onFlow: (flow: Flow) => void = () => undefined): AuditPipeline {
  return new AuditPipeline({
    spec: resolveFormat('auto') as FormatSpec,
    maxLineLength: 65536,
    settings: PIPELINE_SETTINGS,
    context: offlineContext(PIPELINE_SETTINGS, []),
    roleOf: () => 'sidecar',
    withJson: false,
    onFlow,
  });
}
