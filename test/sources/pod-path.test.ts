import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeletLinkInCopy, podFromPath } from '../../src/sources/pod-path.js';

const CID = 'c0ffee'.padEnd(64, '0');
const LINK = join('/copy/node-1/var/log/containers', `sleep-7d9f_default_istio-proxy-${CID}.log`);
const TARGET = '/var/log/pods/default_sleep-7d9f_0123abcd-4567-89ab-cdef-0123456789ab/istio-proxy/0.log';

describe('kubeletLinkInCopy', () => {
  it("reads a kubelet link's absolute target from the copy's own pods/ beside its containers/", () => {
    expect(kubeletLinkInCopy(LINK, TARGET)).toBe('/copy/node-1/var/log/pods/default_sleep-7d9f_0123abcd-4567-89ab-cdef-0123456789ab/istio-proxy/0.log');
    expect(kubeletLinkInCopy(LINK, `${TARGET}.20240301-120000.gz`)).toBe(
      '/copy/node-1/var/log/pods/default_sleep-7d9f_0123abcd-4567-89ab-cdef-0123456789ab/istio-proxy/0.log.20240301-120000.gz',
    );
  });

  it.each([
    ['a relative target', LINK, TARGET.slice(1)],
    ['a link outside a containers directory', `/copy/sleep-7d9f_default_istio-proxy-${CID}.log`, TARGET],
    ['a link whose name holds backslashes (one file in ".", on POSIX)', `a\\containers\\sleep-7d9f_default_istio-proxy-${CID}.log`, TARGET],
    ['a target that is not a pod log', LINK, '/var/log/pods/default_sleep-7d9f_0123abcd/istio-proxy/notes.txt'],
    // A containers/ name is not where kubelet's links point, even below a pods/<ns>_<pod>_<uid>/ directory.
    ['a target in the containers layout', LINK, `/var/log/pods/default_sleep-7d9f_0123abcd/containers/sleep-7d9f_default_istio-proxy-${CID}.log`],
  ])('is null for %s', (_case, link, target) => {
    expect(kubeletLinkInCopy(link, target)).toBeNull();
  });
});

describe('podFromPath', () => {
  const SLEEP = { namespace: 'default', pod: 'sleep-7d9f', container: 'istio-proxy' };
  it.each([
    ['kubelet\'s pods/ tree', TARGET],
    ['a pod directory saved under another name than pods/ (its UID is a UUID)', '/ci/node-logs/default_sleep-7d9f_0123abcd-4567-89ab-cdef-0123456789ab/istio-proxy/0.log'],
    ['a static pod\'s directory saved elsewhere (its UID a 32-hex config hash)', `/ci/saved/default_sleep-7d9f_${'ab12'.repeat(8)}/istio-proxy/3.log.gz`],
    ['a containers/ file', LINK],
    ['a containers/ file saved under another name', `/ci/node-logs/sleep-7d9f_default_istio-proxy-${CID}.log`],
  ])('names the pod of %s', (_case, path) => {
    expect(podFromPath(path)).toEqual(SLEEP);
  });

  it.each([
    ['a short hex id outside pods/', '/ci/node-logs/default_sleep-7d9f_0123abcd/istio-proxy/0.log'],
    ['a name shaped like one with no kubelet id', '/ci/logs/default_sleep-7d9f_build-42/istio-proxy/0.log'],
    ['a container file with a short id', '/ci/node-logs/sleep-7d9f_default_istio-proxy-c0ffee.log'],
  ])('is null for %s', (_case, path) => {
    expect(podFromPath(path)).toBeNull();
  });
});
