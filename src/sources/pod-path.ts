import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * Kubelet's log paths name the pod, namespace and container, so saved copies of them carry that
 * knowledge: /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log and
 * /var/log/containers/<pod>_<ns>_<container>-<container-id>.log.
 */

/** What a kubelet log path says about its pod. */
export interface PodFromPath {
  pod: string;
  namespace: string;
  container: string;
}

const PODS_DIR = /(?:^|\/)pods\/([a-z0-9][-a-z0-9]*)_([a-z0-9][-a-z0-9.]*)_[0-9a-f-]{8,}\/([a-z0-9][-a-z0-9]*)\/\d+\.log(?:\.[^/]*)?$/;
// A /var/log/containers file, in that directory or saved under another: its 64-hex container id is kubelet's alone.
const CONTAINER_FILE = /(?:^|\/)([a-z0-9][-a-z0-9.]*)_([a-z0-9][-a-z0-9]*)_([a-z0-9][-a-z0-9]*)-[0-9a-f]{64}\.log$/;
// A pod directory saved under a directory of another name than pods/ (a CI job's `node-logs/`): known then only by
// what kubelet alone writes there, the pod's UID (a UUID, or a static pod's 32-hex config hash).
const POD_UID = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})';
const PODS_DIR_MOVED = new RegExp(`(?:^|/)([a-z0-9][-a-z0-9]*)_([a-z0-9][-a-z0-9.]*)_${POD_UID}/([a-z0-9][-a-z0-9]*)/\\d+\\.log(?:\\.[^/]*)?$`);

/**
 * Reads pod, namespace and container from a kubelet log path, or null when the path is not one. The path is read
 * whole (made absolute): `cd /var/log/pods && egress-audit audit .` names `./<ns>_<pod>_<uid>/…`, and its pods must
 * be named as from anywhere else, or a baseline and the policy's `from` would hold for one working directory only.
 */
export function podFromPath(path: string): PodFromPath | null {
  const p = resolve(path).replace(/\\/g, '/');
  const pods = PODS_DIR.exec(p) ?? PODS_DIR_MOVED.exec(p);
  if (pods) return { namespace: pods[1] as string, pod: pods[2] as string, container: pods[3] as string };
  const containers = CONTAINER_FILE.exec(p);
  if (containers) return { pod: containers[1] as string, namespace: containers[2] as string, container: containers[3] as string };
  return null;
}

/**
 * Where a copy of kubelet's tree holds the target of one of its links, or null for any other link.
 * Kubelet links /var/log/containers/X.log to the absolute /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log;
 * copied under another root (a node's logs saved elsewhere), the link points at nothing, and its file
 * is the copy's own pods/... beside the containers directory holding the link.
 */
export function kubeletLinkInCopy(link: string, target: string): string | null {
  const to = target.replace(/\\/g, '/');
  if (!isAbsolute(target) || !PODS_DIR.test(to) || !CONTAINER_FILE.test(link.replace(/\\/g, '/'))) return null;
  // The one test of the link's directory, as this system reads its path: on POSIX a `\` is part of a name, so the
  // link `a\containers\x.log` is not in a containers directory at all.
  const containers = dirname(link);
  if (basename(containers) !== 'containers') return null;
  return join(dirname(containers), 'pods', ...to.split('/').slice(-3));
}
