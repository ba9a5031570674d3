import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeletLinkInCopy } from '../../src/sources/pod-path.js';

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
