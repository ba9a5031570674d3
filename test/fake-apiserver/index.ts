/**
 * A fake kube-apiserver for tests: real HTTPS on 127.0.0.1, bearer/exec/client-cert auth, discovery, pods
 * (get/list/watch/log), namespaces, Services, EndpointSlices and Istio ServiceEntries, with the wire behaviour pinned in
 * /work/shared/notes/kubernetes-api.md §3/§5. It proves clients cope with that behaviour; it is not a real apiserver.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeApiServer } from './api.js';
import { AccessControl } from './auth.js';
import { FakeCluster } from './cluster.js';
import { FakeApiServerFacade } from './facade.js';
import { Faults } from './faults.js';
import { CredentialFiles } from './kubeconfig.js';
import { listenHttps } from './server.js';
import { StreamRegistry } from './streams.js';
import { fakeTlsMaterial } from './tls.js';
import type { FakeApiServerOptions, RecordedRequest } from './types.js';
import type { ExpiryMode } from './watch.js';

export type * from './types.js';
export type { FakeApiServer, FakePod } from './api.js';
export type { InClusterFiles, KubeconfigOptions, KubeconfigUser } from './kubeconfig.js';
export type { LogGenerator, LogGeneratorOptions } from './generator.js';
export type { ExpiryMode } from './watch.js';
export type { FaultRule } from './faults.js';

/** Default bearer token (test-only). */
export const FAKE_TOKEN = 'fake-token-for-tests-only';

/** Starts a fake API server on a random port; call `close()` in `afterAll`/`afterEach`. */
export async function startFakeApiServer(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const tls = await fakeTlsMaterial();
  const stateDir = mkdtempSync(join(tmpdir(), 'fake-apiserver-'));
  const access = new AccessControl(opts.token ?? FAKE_TOKEN, opts.user ?? 'fake-user');
  const creds = new CredentialFiles(stateDir, access.token);
  const cluster = new FakeCluster({ partialLineBytes: opts.partialLineBytes ?? 16_384,
    rotateBytes: opts.logRotateBytes ?? 10 * 1024 * 1024 }, opts.watchHistory ?? 100_000);
  const streams = new StreamRegistry();
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  let expiryMode: ExpiryMode = 'event';
  let splitPauseMs: number | null = null;
  const { server, port } = await listenHttps(tls, {
    cluster, streams, access, faults, istioVersions: opts.istioVersions ?? ['v1', 'v1beta1', 'v1alpha3'],
    serverMinor: opts.serverMinor ?? 33, expiryMode: () => expiryMode,
    splitPauseMs: () => splitPauseMs,
  }, requests, streams);
  return new FakeApiServerFacade({ server, port, tls, stateDir, access, faults, creds, cluster, streams, requests,
    setExpiryMode: (mode) => { expiryMode = mode; }, setSplitPause: (ms) => { splitPauseMs = ms; } });
}
