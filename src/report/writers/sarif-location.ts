/**
 * Where a piece of evidence is, in SARIF terms. Log files become URIs relative to the working
 * directory under uriBaseId `%SRCROOT%` (what code scanning resolves against the repository), or
 * absolute `file:` URIs when outside it. Live pod streams (`pod/<ns>/<pod>/<container>`) are no
 * file: they become the Kubernetes API path that serves that container's log,
 * `api/v1/namespaces/<ns>/pods/<pod>/log?container=<c>` under uriBaseId `KUBERNETES_API`, plus a
 * logical location naming the pod, so a viewer can still group and show them (GitHub requires a
 * physical location on every result). Line numbers of a pod stream count lines read by this run.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EvidenceRef, WarningLine } from '../model.js';
import { wellFormed } from '../well-formed.js';

/** The uriBaseId of log files under the working directory. */
export const SRCROOT = '%SRCROOT%';
/** The uriBaseId of live container logs. */
export const KUBERNETES_API = 'KUBERNETES_API';
/** The uriBaseId of standard input, which has no path: its URI is `-`, its name in evidence and coverage, so none resolves it into the repository. */
export const STDIN = 'STDIN';

/** A SARIF location object (only the members this writer uses). */
export interface SarifLocation {
  id?: number;
  physicalLocation: {
    artifactLocation: { uri: string; uriBaseId?: string; description?: { text: string } };
    region: { startLine: number };
  };
  logicalLocations?: { name: string; fullyQualifiedName: string; kind: string }[];
  message?: { text: string };
}

const POD_STREAM = /^pod\/([^/]+)\/([^/]+)\/([^/]+)$/;

/** True for a live container stream name, `pod/<namespace>/<pod>/<container>`. */
export function isPodStream(file: string): boolean {
  return POD_STREAM.test(file);
}

/** A log file's path relative to the working directory, in `/`-separated segments, or null when it lies outside it. */
function underRoot(file: string, cwd: string): string[] | null {
  const rel = relative(cwd, resolve(cwd, file));
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  return outside ? null : rel.split(sep);
}

function fileUri(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const segments = underRoot(file, cwd);
  if (segments !== null) return { uri: segments.map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  return { uri: pathToFileURL(resolve(cwd, file)).href };
}

/**
 * An input's name as the same on every machine and however it was typed: a file under the working directory by its
 * path from there (`logs/a.log` for `./logs/a.log` and `$GITHUB_WORKSPACE/logs/a.log` alike), what a fingerprint built
 * from file names hashes; a pod stream, standard input or a file outside the working directory as it was named.
 */
export function stableInputName(file: string, cwd: string): string {
  if (file === '-' || POD_STREAM.test(file)) return file;
  return underRoot(file, cwd)?.join('/') ?? file;
}

/** The SARIF location of one piece of evidence. */
export function sarifLocation(ref: EvidenceRef | WarningLine, cwd: string): SarifLocation {
  const region = { startLine: Math.max(1, ref.line) };
  const file = wellFormed(ref.file);
  const pod = POD_STREAM.exec(file);
  if (pod) {
    const [, ns, name, container] = pod as unknown as [string, string, string, string];
    const uri = `api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/log?container=${encodeURIComponent(container)}`;
    return {
      physicalLocation: { artifactLocation: { uri, uriBaseId: KUBERNETES_API }, region },
      logicalLocations: [{ name, fullyQualifiedName: `${ns}/${name}/${container}`, kind: 'resource' }],
    };
  }
  if (file === '-') {
    return { physicalLocation: { artifactLocation: { uri: '-', uriBaseId: STDIN, description: { text: 'standard input' } }, region } };
  }
  return { physicalLocation: { artifactLocation: fileUri(file, cwd), region } };
}

/** `run.originalUriBaseIds`: where `%SRCROOT%` was, and what `KUBERNETES_API` and `STDIN` stand for (each only when a location uses it). */
export function originalUriBaseIds(cwd: string, uses: { pods: boolean; stdin: boolean }): Record<string, object> {
  const root = pathToFileURL(resolve(cwd)).href;
  const ids: Record<string, object> = { [SRCROOT]: { uri: root.endsWith('/') ? root : `${root}/` } };
  if (uses.pods) ids[KUBERNETES_API] = { description: { text: 'The Kubernetes API server the container logs were read from.' } };
  if (uses.stdin) ids[STDIN] = { description: { text: "Standard input, named - on the command line and in the report's evidence: it has no path, and its line numbers count the lines read from it." } };
  return ids;
}
