/**
 * The live source's public surface for `watch`: connect to the cluster the kubeconfig names, plan what
 * to follow, and hand back the Source and the EngineContext backed by the live pods.
 */
import type { EngineContext, AuditSettings } from '../../types.js';
import { ExecCredentialRunner, FAILED_RUN_WAIT_MS } from './exec-credential.js';
import { GcpTokenCommand } from './gcp-command.js';
import { KubeHttp, REFUSED_FOR_GOOD_MS } from './kube-http.js';
import { KubeSource } from './kube-source.js';
import { holdLimits } from './live-driver.js';
import { loadKubeconfig } from './kubeconfig.js';
import { deadFollowMsFrom } from './log-reader.js';
import { logTimeFromMs } from './log-time.js';
import { planWatch, type WatchFilters, type WatchPlan } from './plan.js';
import { clusterContext } from './cluster-context.js';
import { Redactor } from './redact.js';
import { FIRST_READ_WAIT_MS } from './service-entries.js';
import { testDelayFrom } from './test-delay.js';

export { gatewayScope, watchFilters, type WatchFilters } from './plan.js';
export { runLive, LOG_LAG_MS } from './live-driver.js';
export type { KubeSource } from './kube-source.js';

/** What `watch` passes in. */
export interface ConnectOptions {
  kubeconfig: string | null;
  context: string | null;
  /** The environment: KUBECONFIG, the in-cluster variables, and the tests' EGRESS_AUDIT_TEST_DEAD_FOLLOW_MS, EGRESS_AUDIT_TEST_REFUSED_FOR_GOOD_MS and EGRESS_AUDIT_TEST_SERVICE_ENTRY_WAIT_MS. */
  env: NodeJS.ProcessEnv;
  filters: WatchFilters;
  settings: AuditSettings;
  /** The offline context of `--mesh-cidr` / policy ranges (live pods add to it). */
  flagContext: EngineContext;
  /** Log lines stamped before `atMs` (epoch ms) are not read; `isLogTime`: it is a log time the user gave (`--since TIME`), not a time back from now on this machine's clock. */
  start: { atMs: number; isLogTime: boolean };
  maxLineLength: number;
  maxStreams: number;
  hardStop: AbortSignal;
  notice(message: string): void;
  /** Told once (the message says why) when the server refuses the credentials and they cannot be renewed: the run must stop. */
  onRefusedForGood(message: string): void;
}

/** A connected cluster: nothing has been requested yet (call `source.start`). */
export interface LiveCluster {
  source: KubeSource;
  context: EngineContext;
  plan: WatchPlan;
  contextName: string;
  /** Where the configuration came from. */
  origin: string;
  scrub(text: string): string;
}

/** Loads the kubeconfig (exit 3 when there is none or it is unusable) and builds the source. */
export async function connectCluster(o: ConnectOptions): Promise<LiveCluster> {
  const loaded = await loadKubeconfig({ kubeconfig: o.kubeconfig, context: o.context, env: o.env });
  const redactor = new Redactor();
  redactor.add(loaded.user.token);
  redactor.add(loaded.user.password);
  redactor.add(loaded.user.keyData);
  // An auth-provider's secrets (oidc's id-token, refresh-token and client-secret, gcp's access-token), whatever provider echoes them.
  for (const [key, value] of Object.entries(loaded.user.authProvider?.config ?? {})) if (/(^|-)(token|secret|password)$/i.test(key)) redactor.add(value);
  const plan = planWatch(o.filters, loaded.namespace);
  const exec = loaded.exec === null
    ? null
    : new ExecCredentialRunner({
      exec: loaded.exec, user: loaded.user.name, context: loaded.context, cluster: loaded.cluster, redactor,
      notice: (m) => o.notice(redactor.scrub(m)), stop: o.hardStop, stdinIsTerminal: process.stdin.isTTY === true,
      failedRunWaitMs: testDelayFrom(o.env, 'EGRESS_AUDIT_TEST_EXEC_RETRY_MS', FAILED_RUN_WAIT_MS.first),
    });
  const gcp = loaded.gcp === null
    ? null
    : new GcpTokenCommand(loaded.gcp.command, loaded.gcp.config, { user: loaded.user.name, context: loaded.context, redactor, notice: (m) => o.notice(redactor.scrub(m)), stop: o.hardStop });
  const api = new KubeHttp(loaded.kc, loaded.cluster.server, loaded.context, redactor, {
    exec, gcp, tokenFile: loaded.tokenFile, onRefusedForGood: o.onRefusedForGood,
    refusedForGoodMs: testDelayFrom(o.env, 'EGRESS_AUDIT_TEST_REFUSED_FOR_GOOD_MS', REFUSED_FOR_GOOD_MS),
  });
  const source = new KubeSource({
    api, plan, context: loaded.context, settings: o.settings, start: { at: logTimeFromMs(o.start.atMs), isLogTime: o.start.isLogTime }, maxLineLength: o.maxLineLength,
    maxStreams: o.maxStreams, deadFollowMs: deadFollowMsFrom(o.env), holds: holdLimits(o.settings.maxPending, o.env),
    serviceEntryWaitMs: testDelayFrom(o.env, 'EGRESS_AUDIT_TEST_SERVICE_ENTRY_WAIT_MS', FIRST_READ_WAIT_MS), hardStop: o.hardStop, notice: (m) => o.notice(redactor.scrub(m)),
  });
  const { index, serviceEntries, services } = source;
  const { context } = clusterContext({
    pods: index, flags: o.flagContext, serviceEntries: serviceEntries.index, services: services.index, slices: services.slices, sliceCoverage: services.sliceReads, gatewayHosts: source.gatewayServices,
  });
  return {
    source,
    context,
    plan,
    contextName: loaded.context,
    origin: loaded.origin,
    scrub: (t) => redactor.scrub(t),
  };
}
