import type { FormatSpec } from '../../parsers/index.js';
import { setMaxListeners } from 'node:events';
import type { WatchOptions } from '../cli/options.js';
import { offlineContext } from '../engine/index.js';
import { AuditPipeline, type StreamFacts } from '../pipeline/audit-pipeline.js';
import { byError, causeSaid } from '../run/coverage.js';
import { canDrawDashboard, startRunDashboard, type RunDashboard, type RunProgress } from '../run/dashboard-run.js';
import { finishRun, pipelineFacts, sayResult } from '../run/finish.js';
import { Notices } from '../run/notices.js';
import { flowSink } from '../run/flow-sink.js';
import { beforeOutputs, onStopSignals, openOutputs, type Outputs } from '../run/outputs.js';
import { ProgressMeter } from '../run/progress.js';
import { prepareAudit, reportBuilder, type AuditSetup } from '../run/setup.js';
import type { ReportBuilder } from '../report/index.js';
import type { StreamCoverage } from '../report/model.js';
import { connectCluster, gatewayScope, runLive, watchFilters, type LiveCluster } from '../sources/kube/index.js';
import { escapeControl } from '../text/escape.js';
import { plural } from '../text/plural.js';
import { auditFormatFromOption } from './format-option.js';
import { lineSummary } from './line-summary.js';

/** After a stop, the final reads get this long before everything is cut off (a second Ctrl-C cuts at once). */
const STOP_GRACE_MS = 10_000;

/** Node fires a timer longer than this at once (TimeoutOverflowWarning), so longer ones are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` after `ms`, however long (a --duration of 30d must not stop the run at once); returns a canceller. */
function afterMs(ms: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = (left: number): void => {
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), Math.min(left, MAX_TIMER_MS));
  };
  arm(ms);
  return () => clearTimeout(timer);
}

/** How long a finished run waits for the process to end by itself before ending it. */
const EXIT_AFTER_MS = 2000;

/**
 * A finished run (report written, or an error said) must end the process: an exec credential plugin
 * that never answered (a login nobody completes; client-node gives no handle to stop it) would keep it alive.
 */
function exitWhenDone(): void {
  setTimeout(() => process.exit(), EXIT_AFTER_MS).unref();
}

/** The stop controls: graceful (stop following, read what is left, report) and hard (cut everything). */
export interface Stops {
  graceful: AbortController;
  hard: AbortController;
  /** `q` on the dashboard: the graceful stop, counted as a first Ctrl-C, so that a Ctrl-C after it (keys are off then) skips the final reads. */
  stopByKey(): void;
  /** Starts the --duration clock (once following begins: start-up time does not count). */
  startClock(): void;
  dispose(): void;
}

/** The signals that stop a watch (the first gracefully, the second hard). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The stops of a watch; exported for its tests. */
export function stops(durationMs: number | null): Stops {
  const graceful = new AbortController();
  const hard = new AbortController();
  setMaxListeners(0, graceful.signal, hard.signal); // every followed container listens to them
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals === 1) graceful.abort();
    else if (signals === 2) hard.abort();
    else process.exit(130); // a third Ctrl-C: out now, no report
  };
  // SIGHUP too: an ssh session that drops, or a runner that hangs up, ends a watch as Ctrl-C does, its reports written.
  onStopSignals(STOP_SIGNALS, onSignal, { once: false });
  let cancelDuration = (): void => undefined;
  let grace: NodeJS.Timeout | undefined;
  graceful.signal.addEventListener('abort', () => { grace = setTimeout(() => hard.abort(), STOP_GRACE_MS); }, { once: true });
  return {
    graceful,
    hard,
    stopByKey() {
      if (signals === 0) onSignal(); // unless a signal stopped it already: the dashboard quits on that signal too, and it is one stop
    },
    startClock() {
      if (durationMs !== null) cancelDuration = afterMs(durationMs, () => graceful.abort());
    },
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      cancelDuration();
      clearTimeout(grace);
    },
  };
}

interface Run {
  pipeline: AuditPipeline;
  builder: ReportBuilder;
}

async function buildPipeline(
  options: WatchOptions,
  setup: AuditSetup,
  cluster: LiveCluster,
  outputs: Outputs,
  ui: { builder: ReportBuilder; dashboard: RunDashboard | null; spec: FormatSpec },
): Promise<Run> {
  const { builder, dashboard } = ui;
  const sink = flowSink({ stage: setup.stage, builder, dashboard, outputs });
  const pipeline = new AuditPipeline({
    spec: ui.spec,
    maxLineLength: options.maxLineLength,
    settings: setup.settings,
    context: cluster.context,
    roleOf: (info) => info.role?.role ?? 'sidecar',
    withJson: outputs.needsRecordJson,
    onFlow: (flow) => {
      cluster.source.serviceEntries.decided(flow.verdict);
      cluster.source.services.decided(flow.verdict);
      sink(flow);
    },
  });
  return { pipeline, builder };
}

function progressOf(run: Run, cluster: LiveCluster): RunProgress {
  const { pipeline } = run;
  const stats = cluster.source.stats;
  return { lines: pipeline.totals(), bytes: pipeline.streams.reduce((a, s) => a + s.bytes, 0), streams: stats.following, reconnects: stats.reconnects };
}

async function follow(run: Run, cluster: LiveCluster, s: Stops, outputs: Outputs, dashboard: RunDashboard | null): Promise<void> {
  const background = new AbortController();
  setMaxListeners(0, background.signal);
  let draining: Promise<void> | null = null;
  const drain = (): Promise<void> => (draining ??= outputs.drain().finally(() => (draining = null)));
  s.graceful.signal.addEventListener('abort', () => background.abort(), { once: true });
  const watching = cluster.source.run(background.signal);
  const meter = new ProgressMeter(() => ({ ...progressOf(run, cluster), totalBytes: null }), process.stderr, dashboard === null && process.stderr.isTTY === true);
  // Read at each frame, not pushed at each tick: flows reach the dashboard between ticks, and the header must count the same moment.
  dashboard?.follow(() => progressOf(run, cluster));
  await runLive(run.pipeline, cluster.source, s.graceful.signal, {
    tick: () => {
      void drain().catch(() => undefined); // live -o ndjson: flows reach the pipe within a second
      meter.tick();
    },
    drain, // one wait for all streams, not one listener each
    draining: () => draining !== null || outputs.backlogged(),
  });
  meter.done();
  background.abort();
  await watching;
  cluster.source.endNotices(); // the streams and views have ended: what the throttle held back last is counted now
}

/** `egress-audit watch`: follow the istio-proxy logs of a cluster's sidecars and egress gateways, audit them live, report at the end. */
export async function runWatch(options: WatchOptions): Promise<number> {
  const startedAt = new Date();
  const filters = watchFilters(options);
  // A bad --format exits 2 before any request, and the earlier reports go as for any run that fails before reading.
  const { spec, setup } = await beforeOutputs(options, [], async () => {
    const formatSpec = (await auditFormatFromOption(options.format)).spec;
    const prepared = await prepareAudit(options, 'moving');
    // Gateways listed where the policy refuses every one: exit 2; a --gateway-namespace given is where one may live.
    return { spec: formatSpec, setup: { ...prepared, settings: gatewayScope(filters, prepared.settings, prepared.policy.file) } };
  });
  const flagContext = offlineContext(setup.settings, []);
  const notices = new Notices();
  const s = stops(options.durationMs);
  // Not before 1970: an earlier sinceTime is no RFC3339 time, and every log request would get 400.
  const since = options.since ?? { agoMs: 0 };
  const startAtMs = Math.max(0, 'atMs' in since ? since.atMs : startedAt.getTime() - since.agoMs);
  try {
    const cluster = await beforeOutputs(options, [], async () => {
      const connected = await connectCluster({
        kubeconfig: options.kubeconfig, context: options.context, env: process.env, filters, settings: setup.settings, flagContext,
        start: { atMs: startAtMs, isLogTime: 'atMs' in since }, maxLineLength: options.maxLineLength, maxStreams: options.maxStreams,
        hardStop: s.hard.signal, notice: notices.say,
        // Every later request would be refused too: stop now rather than run to --duration with every stream dead (the report says why, exit 3).
        onRefusedForGood: () => s.graceful.abort(),
      });
      await connected.source.start(s.hard.signal, s.graceful.signal); // a Ctrl-C now lets the first lists finish (ends a wait for ServiceEntries), then reports nothing read
      return connected;
    });
    s.startClock();
    const useDashboard = canDrawDashboard() && options.output === null;
    const outputs = await openOutputs(options, useDashboard ? null : (options.output ?? 'table'));
    const builder = reportBuilder(options, setup.stage);
    const dashboard = useDashboard ? await startRunDashboard({ failOn: options.failOn, color: options.color, mode: 'live', description: cluster.source.describe(), builder }) : null;
    if (dashboard !== null) {
      notices.hold(dashboard);
      dashboard.quit.addEventListener('abort', () => s.stopByKey(), { once: true });
    }
    const run = await buildPipeline(options, setup, cluster, outputs, { builder, dashboard, spec });
    await follow(run, cluster, s, outputs, dashboard);
    return await finish(run, cluster, outputs, options, { startedAt, dashboard, notices, setup });
  } catch (error) {
    notices.afterFailure();
    throw error;
  } finally {
    s.dispose();
    exitWhenDone();
  }
}

/**
 * `2 containers`, counted from the report's rows, so the line and the report agree: a pod deleted and recreated under its
 * name is a second stream of the same container, said apart as `(3 pods: 1 recreated under its name)`; the containers
 * --max-streams left unfollowed (queued, never read) are not watched ones, said apart as `(3 more never followed: ...)`.
 */
export function containersWatched(rows: readonly StreamCoverage[]): string {
  const followed = rows.filter((r) => r.incomplete !== 'unfollowed');
  const pods = followed.reduce((n, r) => n + (r.pods ?? 1), 0);
  const recreated = pods - followed.length;
  const never = rows.length - followed.length;
  return [
    plural(followed.length, 'container'),
    recreated === 0 ? '' : ` (${plural(pods, 'pod')}: ${recreated} recreated under ${recreated === 1 ? 'its name' : 'their names'})`,
    never === 0 ? '' : ` (${never} more never followed: streams-unfollowed)`,
  ].join('');
}

/** The streams --max-streams never let be read, marked so: the report gives them their role and says they were never followed, not quiet. */
function markUnfollowed(streams: StreamFacts[], unfollowed: ReadonlySet<string>): StreamFacts[] {
  return streams.map((st) => (unfollowed.has(st.name) ? { ...st, unfollowed: true } : st));
}

async function finish(run: Run, cluster: LiveCluster, outputs: Outputs, options: WatchOptions, o: { startedAt: Date; dashboard: RunDashboard | null; notices: Notices; setup: AuditSetup }): Promise<number> {
  const { pipeline } = run;
  // The run ends here, not when the person quits the dashboard: the report and the summary line say the same span.
  const endedAt = new Date();
  const streams = markUnfollowed(pipeline.streamFacts(), cluster.source.unfollowedStreams());
  const { report, exitCode } = await finishRun(
    {
      builder: run.builder,
      input: { mode: 'live', description: cluster.source.describe(), startedAt: o.startedAt.toISOString(), endedAt: endedAt.toISOString() },
      facts: { ...pipelineFacts(pipeline, o.setup), streams, roles: cluster.source.roles, extraWarnings: cluster.source.warnings(), window: null }, // a live run has no log-time window
    },
    outputs,
    options,
    o.notices.say,
  );
  if (o.dashboard !== null) {
    o.dashboard.finish(report, progressOf(run, cluster));
    await o.dashboard.waitUntilQuit();
  }
  o.notices.release();
  // One line per cause: a refusal every stream got alike is summed up once (how many streams and requests), not said per pod.
  for (const line of failureLines(streams, (error) => cluster.source.causes.summaryOf(error))) o.notices.sayOnce(cluster.scrub(line));
  const { refusal, causes } = cluster.source;
  if (refusal !== null && !causes.covers(refusal)) o.notices.sayOnce(refusal); // why the run stopped early, unless a stream said it already
  const secs = Math.round((endedAt.getTime() - o.startedAt.getTime()) / 1000);
  const { reconnects } = cluster.source.stats;
  process.stderr.write(`egress-audit: watched ${containersWatched(report.coverage.streams)} for ${secs}s (context ${escapeControl(cluster.contextName)}): ${lineSummary(pipeline.totals())}; ${plural(reconnects, 'reconnect')}, ${plural(cluster.source.relists(), 'relist')}\n`);
  sayResult(report, outputs);
  return exitCode;
}

/**
 * The streams' failures for stderr at the end, one line per cause: a refusal summed up by the shared causes (401s) as
 * it says it, the others grouped as the report's stream-errors warning groups them (byError: a 403 for 300 pods once).
 */
function failureLines(streams: readonly StreamFacts[], summaryOf: (error: string) => string | null): string[] {
  const summaries: string[] = [];
  const others: StreamFacts[] = [];
  for (const st of streams) {
    if (st.error === null) continue;
    const summary = summaryOf(st.error);
    if (summary === null) others.push(st);
    else summaries.push(summary);
  }
  return [...summaries, ...byError(others).map((g) => causeSaid(g, 'stream'))];
}
