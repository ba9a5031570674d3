import { jsonText } from './json-format.js';
import type { AccessRecord, Envelope } from './types.js';

/**
 * JSON envelopes: Docker's json-file lines and the records log pipelines export, which carry the proxy's
 * line and the pod that wrote it. Read so that a pipeline's export, where every pod's lines are mixed in
 * one file, gets a role per pod (as a `kubectl logs --prefix` file does) instead of one for the file:
 * - Docker json-file, Fluentd and Fluent Bit: `log` (`_p`/`logtag` P or F for CRI parts; Docker's parts
 *   lack the final newline), `time`/`date`, `stream`, and the Kubernetes filters' `kubernetes.pod_name`,
 *   `namespace_name`, `container_name`, `labels`;
 * - Vector's kubernetes_logs: `message`, `timestamp`, `kubernetes.pod_name`, `pod_namespace`, `pod_labels`;
 * - Filebeat / Elastic Agent (ECS): `message`, `@timestamp`, `kubernetes.pod.name`, `kubernetes.namespace`,
 *   `kubernetes.container.name`, also as the `_source` of an Elasticsearch export, and flat (one dotted key per
 *   field, as Kibana's Discover exports it; OpenTelemetry's `k8s.pod.name` alike);
 * - Loki's `logcli query --output jsonl`: `line`, `timestamp`, `labels.pod`/`namespace`/`container` (Grafana's JSON
 *   download of Loki rows: `line`, `date`, the labels under `fields`);
 * - Google Cloud Logging exports: `textPayload` or `jsonPayload`, `timestamp`, `resource.labels.pod_name`,
 *   `namespace_name`, `container_name`, and pod labels as `labels["k8s-pod/<name>"]`;
 * - CloudWatch Logs Insights results: `@message`, the pod from `@logStream` when Fluent Bit named the stream by its
 *   kubelet file (`...var.log.containers.<pod>_<ns>_<container>-<id>.log`);
 * - Splunk's search export (`output_mode=json`): `result._raw`, `_time`, the pod from `source` (the kubelet file).
 */

/** One JSON envelope's payload: the inner line, and whether it ends a line (false for a CRI/Docker part). */
export interface JsonPart {
  text: string;
  final: boolean;
}

/** Top-level keys of an access log itself: an object with them and no pod metadata is the record, not an envelope. */
const ACCESS_LOG_KEYS = ['start_time', 'upstream_cluster', 'response_flags', 'downstream_remote_address'];
/** An RFC 3339 date-time (its `t` and `z` in either case), as envelopes write their times (kept verbatim, as kubelet's are). */
const RFC3339 = /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:\d\d)$/;
/**
 * Nearly RFC 3339, as Fluentd and Ruby write times: a space for the `T`, an offset without its colon
 * (`%z`: `+0000`), a space before it, or `UTC` (`Time#to_s`). Rewritten to RFC 3339, not dropped.
 */
const LOOSE_TIME = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d(?:\.\d{1,9})?) ?(?:([Zz]|UTC)|([+-]\d\d):?(\d\d))$/;
/**
 * Kubelet's /var/log/containers file, `<pod>_<namespace>_<container>-<64-hex id>.log`, at the end of a record's `source`
 * (Splunk) or `@logStream` (CloudWatch, where Fluent Bit's tag writes the path's slashes as dots); the directory is
 * required, since a pod name may hold dots and would otherwise take in the stream's prefix.
 */
const CONTAINER_FILE = /[/.]containers[/.]([a-z0-9][-a-z0-9.]*)_([a-z0-9][-a-z0-9]*)_([a-z0-9][-a-z0-9]*)-[0-9a-f]{64}\.log$/;
/** Epoch seconds (Fluent Bit's `date`) from 2000 to 2100: anything else is not a log time. */
const EPOCH_RANGE = [946_684_800, 4_102_444_800];

type Json = Record<string, unknown>;

/** The keys a pipeline's record keeps the shipped line under, in the order they are looked for (the batch splitter finds parts by them too). */
export const PAYLOAD_KEYS = ['log', 'message', 'line', 'textPayload', '@message', '_raw'] as const;
/**
 * The keys naming whose line a record holds, as a pipeline writes them (Fluentd/Fluent Bit, Vector, Cloud
 * Logging, promtail and OpenTelemetry-style Loki labels): the envelope reads them, and the batch splitter
 * keys partial lines by them, so both tell pods apart alike.
 */
export const OWNER_KEYS = {
  pod: ['pod', 'pod_name', 'k8s_pod_name'],
  namespace: ['namespace', 'namespace_name', 'pod_namespace', 'k8s_namespace_name'],
  container: ['container', 'container_name', 'k8s_container_name'],
} as const;

/**
 * The same metadata written flat, one dotted key per field: an ECS document as Kibana's Discover exports it or an
 * exporter flattens it (`kubernetes.pod.name`), a Fluent Bit record flattened on the way, and OpenTelemetry's
 * resource attributes (`k8s.pod.name`). Without these, every pod of such an export was one unknown source.
 */
const FLAT_OWNER_KEYS = {
  pod: ['kubernetes.pod.name', 'kubernetes.pod_name', 'k8s.pod.name'],
  namespace: ['kubernetes.namespace', 'kubernetes.namespace_name', 'kubernetes.pod_namespace', 'kubernetes.namespace.name', 'k8s.namespace.name'],
  container: ['kubernetes.container.name', 'kubernetes.container_name', 'k8s.container.name'],
} as const;
/** Where a flat record's pod labels start (`kubernetes.labels.app`, `k8s.pod.label.app`). */
const FLAT_LABEL_PREFIXES = ['kubernetes.labels.', 'kubernetes.pod_labels.', 'k8s.pod.label.', 'k8s.pod.labels.'] as const;

/** Tells an access log written as JSON (the line itself) from a pipeline's record around one. */
export type AccessLogTest = (obj: Json) => boolean;

/** Reads a line a record holds as an access log (its record, or null when it is none): what mergedFrom compares. */
export type AccessLogReader = (text: string) => AccessRecord | null;

/** Istio's JSON access log: any of its telling keys at the top. */
export function hasIstioKeys(obj: Json): boolean {
  return ACCESS_LOG_KEYS.some((key) => key in obj);
}

/** Where an access log says it went: a pipeline that merged a line's keys into its record kept these as the line has them. */
const WHERE_KEYS = ['upstream_cluster', 'upstream_host', 'upstream_local_address', 'downstream_local_address', 'downstream_remote_address', 'authority', 'requested_server_name'] as const;

/**
 * True when `text`, read as an access log, says of where it went what `obj`'s own keys say: a pipeline merged that
 * line into its record (Merge_Log, or a parser's keys). Read only for records that hold both, which pipelines rarely write.
 */
function mergedFrom(obj: Json, text: string, read: AccessLogReader): boolean {
  const line = read(text.trim());
  if (line === null) return false;
  const said = (value: unknown): string | null => (value === undefined || value === null || value === '-' || value === '' ? null : typeof value === 'string' ? value : (jsonText(value) ?? null));
  return WHERE_KEYS.every((key) => !(key in obj) || said(obj[key]) === line[key]);
}

/** `value` when it is a JSON object (not an array, not null), else null: how every envelope reads a nested record. */
export function objectAt(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

/** `value` when it is a non-empty string, else null: an envelope's pod, namespace or time as it names them. */
export function stringAt(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The first of `keys` that holds a non-empty string. */
function firstString(obj: Json | null, ...keys: string[]): string | null {
  if (obj === null) return null;
  for (const key of keys) {
    const s = stringAt(obj[key]);
    if (s !== null) return s;
  }
  return null;
}

/** The string values of a label map (keys with `prefix` only, the prefix dropped), or null when it has none. */
function labelMap(value: unknown, prefix = ''): Record<string, string> | null {
  const obj = objectAt(value);
  if (obj === null) return null;
  let labels: Record<string, string> | null = null;
  for (const [key, v] of Object.entries(obj)) {
    if (typeof v !== 'string' || !key.startsWith(prefix)) continue;
    (labels ??= {})[key.slice(prefix.length)] = v;
  }
  return labels;
}

/** A time in one of LOOSE_TIME's shapes as RFC 3339 (`2024-03-01T10:00:00.5+00:00`), or null. */
function looseTime(text: string): string | null {
  const m = LOOSE_TIME.exec(text);
  if (m === null) return null;
  return `${m[1]}T${m[2]}${m[3] !== undefined ? 'Z' : `${m[4]}:${m[5]}`}`;
}

/** The envelope's write time: an RFC 3339 string verbatim (or rewritten from a near miss), or epoch seconds as UTC; null when neither. */
function timeOf(obj: Json): string | null {
  for (const key of ['time', 'timestamp', '@timestamp', 'date', '_time']) {
    const v = obj[key];
    if (typeof v === 'string') {
      if (RFC3339.test(v)) return v;
      const loose = looseTime(v);
      if (loose !== null) return loose;
    }
    if (typeof v === 'number' && v >= (EPOCH_RANGE[0] as number) && v < (EPOCH_RANGE[1] as number)) return new Date(Math.round(v * 1000)).toISOString();
  }
  return null;
}

/** Fills the envelope's pod, namespace, container and labels from whichever pipeline's metadata the record has; false when it has none. */
function podMetadata(obj: Json, env: Envelope, payloadKey: string): boolean {
  const k8s = objectAt(obj['kubernetes']);
  if (k8s !== null) {
    env.pod ??= firstString(k8s, ...OWNER_KEYS.pod) ?? firstString(objectAt(k8s['pod']), 'name');
    env.namespace ??= firstString(k8s, ...OWNER_KEYS.namespace);
    env.container ??= firstString(k8s, ...OWNER_KEYS.container) ?? firstString(objectAt(k8s['container']), 'name');
    env.labels ??= labelMap(k8s['labels']) ?? labelMap(k8s['pod_labels']);
    return true;
  }
  const resource = objectAt(objectAt(obj['resource'])?.['labels']);
  if (resource !== null) {
    env.pod ??= firstString(resource, ...OWNER_KEYS.pod);
    env.namespace ??= firstString(resource, ...OWNER_KEYS.namespace);
    env.container ??= firstString(resource, ...OWNER_KEYS.container);
    env.labels ??= labelMap(obj['labels'], 'k8s-pod/');
    return true;
  }
  const flatPod = firstString(obj, ...FLAT_OWNER_KEYS.pod);
  if (flatPod !== null) {
    env.pod ??= flatPod;
    env.namespace ??= firstString(obj, ...FLAT_OWNER_KEYS.namespace);
    env.container ??= firstString(obj, ...FLAT_OWNER_KEYS.container);
    for (const prefix of FLAT_LABEL_PREFIXES) env.labels ??= labelMap(obj, prefix);
    return true;
  }
  // Grafana's "Download logs" JSON keeps a Loki row's labels under `fields` (with the fields it parsed), logcli under `labels`.
  const loki = payloadKey === 'line' ? (labelMap(obj['labels']) ?? labelMap(obj['fields'])) : null;
  if (loki !== null) streamLabels(loki, env);
  if (loki !== null) return true;
  const file = CONTAINER_FILE.exec(firstString(obj, '@logStream', 'source') ?? '');
  if (file === null) return false;
  env.pod ??= file[1] as string;
  env.namespace ??= file[2] as string;
  env.container ??= file[3] as string;
  return true;
}

/**
 * Fills the envelope from a Loki stream's labels (promtail's `pod`, `namespace`, `container`, or the
 * OpenTelemetry-style `k8s_pod_name`...), as `logcli` prints them in its JSON lines and its default output.
 */
export function streamLabels(labels: Record<string, string>, env: Envelope): void {
  env.pod ??= firstString(labels, ...OWNER_KEYS.pod);
  env.namespace ??= firstString(labels, ...OWNER_KEYS.namespace);
  env.container ??= firstString(labels, ...OWNER_KEYS.container);
  env.stream ??= firstString(labels, 'stream');
  env.labels ??= labels;
  env.exported = true;
}

/** The record's line and the key it was under: the first string of log/message/line/textPayload, else jsonPayload written back as JSON. */
function payloadOf(obj: Json): { key: string; text: string } | null {
  for (const key of PAYLOAD_KEYS) {
    const v = obj[key];
    if (typeof v === 'string') return { key, text: v };
  }
  const json = objectAt(obj['jsonPayload']);
  const text = json === null ? undefined : jsonText(json);
  return text === undefined ? null : { key: 'jsonPayload', text };
}

/** True when the payload is the part of a longer line: a CRI tag says P, or (Docker json-file, no tag) the line lacks its newline. */
function isPart(obj: Json, payload: { key: string; text: string }, withMetadata: boolean): boolean {
  const tag = firstString(obj, '_p', 'logtag');
  if (tag !== null) return tag === 'P';
  return payload.key === 'log' && !withMetadata && !payload.text.endsWith('\n');
}

/** The record a JSON line's value holds: an Elasticsearch export's `_source`, a Splunk export's `result`, else the value itself (what both the envelope and the JSON parsers read). */
export function recordOf(value: unknown): unknown {
  const obj = objectAt(value);
  if (obj === null) return value;
  const splunk = objectAt(obj['result']);
  return objectAt(obj['_source']) ?? (splunk !== null && typeof splunk['_raw'] === 'string' ? splunk : obj);
}

/**
 * Reads a JSON line's record (recordOf) as an envelope into `env` (the fields it does not already have); returns its
 * payload, or null when the line is no envelope (an access log written as JSON, or the agent's own JSON)
 * or holds its access log in place (see below; `env` then names its pod).
 */
export function jsonEnvelope(value: unknown, env: Envelope, isAccessLog: AccessLogTest, read: AccessLogReader): JsonPart | null {
  const obj = objectAt(value);
  if (obj === null) return null;
  const payload = payloadOf(obj);
  const accessLog = isAccessLog(obj);
  if (payload === null && !accessLog) return null;
  const withMetadata = podMetadata(obj, env, payload?.key ?? '');
  env.exported ||= withMetadata;
  if (!withMetadata && accessLog) return null;
  env.stream ??= firstString(obj, 'stream');
  env.timestamp ??= timeOf(obj);
  // A pipeline merged the JSON access log into its record (Fluent Bit's Merge_Log with Keep_Log Off drops `log`): the record is the line.
  if (payload === null) return null;
  // Merged with Keep_Log On, the access log's keys and its line agree. When they do not, the record is no pipeline's:
  // a JSON-shaped TEXT access log whose client header added a `log` or `line` of its own (text formats write values
  // unescaped). Its own keys are the proxy's, and are read; the line the client wrote is not.
  if (accessLog && !mergedFrom(obj, payload.text, read)) return null;
  const line = payload.text;
  const cut = line.endsWith('\r\n') ? 2 : line.endsWith('\n') ? 1 : 0;
  return { text: cut === 0 ? line : line.slice(0, -cut), final: !isPart(obj, payload, withMetadata) };
}
