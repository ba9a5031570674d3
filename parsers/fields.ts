import { F, RecordView } from './record-view.js';
import type { MalformedReason } from './types.js';

/**
 * Reading single fields into a RecordView: the checks and normalisations every format shares
 * (numbers, response flags, addresses, cluster names, the request line).
 */

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True when text[s, e) is Envoy's "-" (missing). */
function isDash(text: string, s: number, e: number): boolean {
  return e - s === 1 && text.charCodeAt(s) === 45;
}

/** True when text[s, e) is a non-negative integer or "-". */
export function isNumberOrDash(text: string, s: number, e: number): boolean {
  if (e <= s) return false;
  if (isDash(text, s, e)) return true;
  if (e - s > 15) return false;
  for (let i = s; i < e; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** True when text[s, e) is "-" or response flags such as `UF,URX` (any `[A-Z]+(,[A-Z]+)*`, FORMATS.md section 4). */
export function isFlags(text: string, s: number, e: number): boolean {
  if (e <= s) return false;
  if (isDash(text, s, e)) return true;
  let letters = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) letters++;
    else if (c === 44 && letters > 0) letters = 0;
    else return false;
  }
  return letters > 0;
}

/**
 * True when text[s, e) can be what Envoy prints for `%UPSTREAM_HOST%`: "-", `ip:port`, `[v6]:port` (old
 * Envoy: `tcp://` first), `envoy://...` or a pipe path, never a host name; tells an Envoy-default line's
 * fields apart when a user agent holding `" "` makes its token count fit two readings.
 */
export function isUpstreamHostShape(text: string, s: number, e: number): boolean {
  if (e <= s) return false;
  if (isDash(text, s, e) || text.startsWith('envoy://', s)) return true;
  if (e - s > 6 && (text.startsWith('tcp://', s) || text.startsWith('udp://', s))) s += 6;
  const c0 = text.charCodeAt(s);
  if (c0 === 47 /* / */ || c0 === 64 /* @ */) return true;
  const colon = text.lastIndexOf(':', e - 1);
  if (colon <= s || colon === e - 1) return false;
  for (let i = colon + 1; i < e; i++) if (!isDigit(text.charCodeAt(i))) return false;
  if (c0 === 91 /* [ */) return text.charCodeAt(colon - 1) === 93 /* ] */;
  for (let i = s; i < colon; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c) && c !== 46 /* . */) return false;
  }
  return true;
}

/** True when text[s, e) is shaped like a UUID (36 characters, `-` at 8 and 13), as Envoy's generated request ids are. */
export function isUuidShape(text: string, s: number, e: number): boolean {
  return e - s === 36 && text.charCodeAt(s + 8) === 45 && text.charCodeAt(s + 13) === 45;
}

/** Sets an address field, dropping the `tcp://` / `udp://` scheme old Envoy printed; `envoy://` and `[v6]:port` stay verbatim. */
function setAddress(view: RecordView, field: number, s: number, e: number): void {
  const t = view.text;
  if (e - s > 6 && t.charCodeAt(s + 3) === 58 && t.startsWith('://', s + 3) && (t.startsWith('tcp', s) || t.startsWith('udp', s))) s += 6;
  view.setRange(field, s, e);
}

/** Sets the cluster name without the trailing `;` that `%UPSTREAM_CLUSTER%` shows on Istio 1.23+ (FORMATS.md section 1). */
function setCluster(view: RecordView, s: number, e: number): void {
  if (e - s > 1 && view.text.charCodeAt(e - 1) === 59) e--;
  view.setRange(F.upstream_cluster, s, e);
}

/** Sets any field by index, applying the address and cluster normalisations. */
export function setField(view: RecordView, field: number, s: number, e: number): void {
  if (field === F.upstream_cluster) setCluster(view, s, e);
  else if (field >= F.upstream_host && field <= F.downstream_remote_address && field !== F.upstream_cluster) setAddress(view, field, s, e);
  else view.setRange(field, s, e);
}

/** Splits `METHOD PATH PROTOCOL` at its first and last space (a path may hold spaces); `- - -` is a TCP entry. */
export function setRequestLine(view: RecordView, s: number, e: number): MalformedReason | null {
  const t = view.text;
  const a = t.indexOf(' ', s);
  if (a < 0 || a >= e) return isDash(t, s, e) ? null : 'bad-request-line';
  const c = t.lastIndexOf(' ', e - 1);
  view.setRange(F.method, s, a);
  if (c > a) {
    view.setRange(F.path, a + 1, c);
    view.setRange(F.protocol, c + 1, e);
  } else {
    view.setRange(F.path, a + 1, e); // "METHOD PATH" without protocol (custom formats)
  }
  return null;
}

/** Splits Istio 1.0.3's `METHOD PATHPROTOCOL` (no space before the protocol: `"GET /productpageHTTP/1.1"`). */
export function setGluedRequestLine(view: RecordView, s: number, e: number): MalformedReason | null {
  const t = view.text;
  const a = t.indexOf(' ', s);
  if (a < 0 || a >= e) return 'bad-request-line';
  view.setRange(F.method, s, a);
  const p = t.lastIndexOf('HTTP/', e);
  if (p > a) {
    view.setRange(F.path, a + 1, p);
    view.setRange(F.protocol, p, e);
  } else if (!(e - a - 1 === 2 && t.startsWith('--', a + 1))) {
    view.setRange(F.path, a + 1, e);
  }
  return null;
}
