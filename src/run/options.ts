/** What an `audit` or `watch` run is given, owned by the run so that run/ does not depend on the CLI that fills it. */
import type { OutputFormat } from '../report/formats.js';

/** Options shared by `audit` and `watch`: settings, policy, outputs, exit code. */
export interface AuditCommonOptions {
  policy: string | null;
  meshCidr: string[];
  clusterDomain: string | null;
  gatewayHost: string[];
  /** `audit --gateway-namespace` (repeatable): the namespaces egress gateways live in; empty: the policy's, else any. */
  gatewayNamespaces: string[];
  windowMs: number;
  maxPending: number;
  /** -o; null means "table, or the dashboard on a terminal". */
  output: OutputFormat | null;
  /** --report FORMAT=PATH, repeatable. */
  report: { format: OutputFormat; path: string }[];
  /** Verdict names that fail the run; empty for `--fail-on none`. @default ['direct'] */
  failOn: string[];
  baseline: string | null;
  writeBaseline: string | null;
  color: boolean;
}
