import type { RecordView } from '../../parsers/index.js';
import type { StreamInfo } from '../types.js';
import { PROXY_CONTAINER } from '../sources/kube/pod-facts.js';

/**
 * Only the proxy's own container writes its access log: a pod's application container prints what it likes on its
 * stdout, lines shaped like its sidecar's among them, and an audit that took those as the proxy's would let the app
 * invent flows, its pod's own addresses and gateway entries (a false pass). Inputs that name each line's container
 * (kubelet paths, `kubectl logs --prefix`, stern, a log pipeline's records, parse's records read back) have only
 * their proxy containers' lines audited; a line whose container nothing names (a plain file, stdin) is audited as it is.
 */

/** The proxy containers by default: Istio's, sidecars and gateways alike (the one `watch` follows). */
export const DEFAULT_PROXY_CONTAINERS: readonly string[] = [PROXY_CONTAINER];

/**
 * The container a record's line came from as far as anything names it, or null: a record of parse's names its own
 * log's (its `source.container`); any other line its stream's (a kubelet path, which no line can change), else its
 * envelope's (whose outermost layer, the tool's, names it first).
 */
function lineContainer(view: RecordView, info: StreamInfo): string | null {
  const env = view.envelope;
  if (env === null) return info.container;
  return env.source !== null ? env.container : (info.container ?? env.container);
}

/** The containers whose lines are the proxy's access log: one lookup per entry, on the audit's hot path. */
export class ProxyContainers {
  private readonly names: ReadonlySet<string>;

  constructor(names: readonly string[] = DEFAULT_PROXY_CONTAINERS) {
    this.names = new Set(names);
  }

  /** The proxy containers, sorted (for messages). */
  get list(): string[] {
    return [...this.names].sort();
  }

  /** The container of a record's line when one is named and it is no proxy's (its entry is not the proxy's to audit), else null. */
  other(view: RecordView, info: StreamInfo): string | null {
    const container = lineContainer(view, info);
    return container === null || this.names.has(container) ? null : container;
  }
}
