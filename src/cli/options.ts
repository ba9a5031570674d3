/** Typed options of each command, as commander hands them over after validation. */
import type { LogWindow } from '../pipeline/log-window.js';
import type { WatchSince } from './log-time.js';
import type { AuditCommonOptions } from '../run/options.js';
import type { WatchFilterOptions } from '../sources/kube/plan.js';

/** Re-exported so the CLI's modules take every option type from here; the run and the report own them. */
export type { AuditCommonOptions } from '../run/options.js';
export { OUTPUT_FORMATS, type OutputFormat } from '../report/formats.js';

/** Options shared by every command that reads log lines. */
export interface ReadOptions {
  /** Each `auto`, a format name (`istio-1.9`, `envoy`, `istio-json`, ...), a format string, or `@FILE`; a line is read by the first that reads it. @default ['auto'] */
  format: readonly string[];
  /** Lines longer than this many bytes are skipped and counted. @default DEFAULT_MAX_LINE_LENGTH (1 MiB) */
  maxLineLength: number;
}

/** `egress-audit parse`. */
export interface ParseOptions extends ReadOptions {
  strict: boolean;
  /** List every per-input note at the end: only the first few of each kind are said as they come. */
  explain: boolean;
}

/** Output formats of `rules`: a person's list, JSON for tools, or the Markdown of docs/rules.md. */
export type RulesFormat = 'table' | 'json' | 'markdown';

/** The formats `rules -o` accepts. */
export const RULES_FORMATS: readonly RulesFormat[] = ['table', 'json', 'markdown'];

/** `egress-audit audit`. */
export interface AuditOptions extends ReadOptions, AuditCommonOptions {
  sidecar: string[];
  gateway: string[];
  ingress: string[];
  /** Pod name globs (or NAMESPACE/GLOB) whose lines are a sidecar's, an egress gateway's or an ingress gateway's, wherever they are named. */
  sidecarPod: string[];
  gatewayPod: string[];
  ingressPod: string[];
  /** Containers whose lines are a proxy's access log besides istio-proxy (--proxy-container): other named containers' lines are not audited. */
  proxyContainer: string[];
  /** A saved `kubectl get pods,services,endpointslices,serviceentries... -A -o json|yaml`: who had each IP, the mesh ranges, Services and ServiceEntries. */
  pods: string | null;
  explain: boolean;
  dashboard: boolean;
  /** Replay pace for --dashboard: 0 = as fast as possible, 1 = log-time pace, 10 = ten times faster. */
  speed: number;
  /** --since/--until: only flows that started in this log time are reported (null: all). */
  window: LogWindow | null;
}

/** `egress-audit watch`. */
export interface WatchOptions extends AuditCommonOptions, ReadOptions, WatchFilterOptions {
  context: string | null;
  kubeconfig: string | null;
  /** --since: where the logs start (null: with new lines). */
  since: WatchSince | null;
  durationMs: number | null;
  maxStreams: number;
}
