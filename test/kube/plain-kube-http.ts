// A KubeHttp for a plain-http API stand-in on loopback, as the unit tests of KubeHttp build it.
import { KubeConfig } from '@kubernetes/client-node';
import type { ExecCredentialRunner } from '../../src/sources/kube/exec-credential.js';
import { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { Redactor } from '../../src/sources/kube/redact.js';

/** A KubeHttp for `url` through one cluster, user and context (`ctx`), with the test's exec runner if any: one kubeconfig for every such test. */
export function plainKubeHttp(url: string, redactor = new Redactor(), exec: ExecCredentialRunner | null = null): KubeHttp {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }], currentContext: 'ctx' });
  return new KubeHttp(kc, url, 'ctx', redactor, { exec });
}
