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
const CONTAINERS_DIR = /(?:^|\/)containers\/([a-z0-9][-a-z0-9.]*)_([a-z0-9][-a-z0-9]*)_([a-z0-9][-a-z0-9]*)-[0-9a-f]{64}\.log$/;

/**
 * Reads pod, namespace and container from a kubelet log path, or null when the path is not one. The path is read
 * whole (made absolute): `cd /var/log/pods && egress-audit audit .` names `./<ns>_<pod>_<uid>/…`, and its pods must
 * be named as from anywhere else, or a baseline and the policy's `from` would hold for one working directory only.
 */
export function podFromPath(path: string): PodFromPath | null {
  const p = resolve(path).replace(/\\/g, '/');
  const pods = PODS_DIR.exec(p);
  if (pods) return { namespace: pods[1] as string, pod: pods[2] as string, container: pods[3] as string };
  const containers = CONTAINERS_DIR.exec(p);
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
  if (!isAbsolute(target) || !PODS_DIR.test(to) || !CONTAINERS_DIR.test(link.replace(/\\/g, '/'))) return null;
  // The directory as this system reads the link's path: on POSIX a `\` is part of a name, so the link
  // `a\containers\x.log` is not in a containers directory at all (the test above read it as if it were).
  const containers = dirname(link);
  if (basename(containers) !== 'containers') return null;
  return join(dirname(containers), 'pods', ...to.split('/').slice(-3));
}
