import { setMaxListeners } from 'node:events';
import type { AuditOptions } from '../cli/options.js';
import { gatewayNamespaceMatcher, gatewayNamespacesText, gatewayPodOutside, gatewaysByContent, offlineContext, refusedGatewayPods } from '../engine/index.js';
import { UsageError } from '../errors.js';
import { AuditPipeline, type StreamFacts } from '../pipeline/audit-pipeline.js';
import { JUDGED_HEADS, runOffline } from '../pipeline/offline-driver.js';
import { lineByLine, Pacer } from '../pipeline/pace.js';
import { resolveRoles, withLearnedGatewayHosts, type RoleResolution } from '../pipeline/prescan.js';
import { plural } from '../text/plural.js';
import { canDrawDashboard, startRunDashboard, type RunDashboard, type RunProgress } from '../run/dashboard-run.js';
import { gatewayPodsRefusedWarning, gatewaysByContentWarning, inputsSkippedWarning, meshRangesMissWarning, NO_RECORDS, ownOutputsSkippedWarning, podFlagsWarning, roleFlag, silence } from '../run/coverage.js';
import { Notices } from '../run/notices.js';
import { INPUT_NOTE_KINDS, PerInputNotes } from '../run/per-input-notes.js';
import { finishRun, pipelineFacts, sayResult } from '../run/finish.js';
import { flowSink } from '../run/flow-sink.js';
import { WindowFilter } from '../run/window-filter.js';
import { beforeOutputs, openOutputs } from '../run/outputs.js';
import { ProgressMeter } from '../run/progress.js';
import { prepareAudit, reportBuilder, type AuditSetup } from '../run/setup.js';
import { fileSource, recordSources, SMALL_CHUNK, warnOnStderr } from '../sources/file-source.js';
import type { SameContent } from '../sources/same-content.js';
import { podRoleMatcher } from '../sources/role-flags.js';
import { clusterIpJudgement, loadPodSnapshot, PODS_LIST_COMMAND, snapshotContext, type PodSnapshot, type SnapshotContext } from '../sources/pod-snapshot.js';
import { escapeControl } from '../text/escape.js';
import { RecordsOfInputs, withoutFlaggedRecordLogs } from '../sources/records-of-inputs.js';
import type { Flow, LogStream, RoleAssignment } from '../types.js';
import { auditFormatFromOption } from './format-option.js';
import { boundHeapGrowth } from '../run/heap.js';
import { DEFAULT_PROXY_CONTAINERS, ProxyContainers } from '../pipeline/proxy-containers.js';
import { compareNatural, compareText } from '../text/collate.js';

/** How many learned pod IPs `--explain` lists by name. */
const EXPLAIN_MAX_PODS = 50;

/**
 * A stream's row in `--explain`: a stream without a single entry has no role worth stating, and says why in the words
 * coverage uses, unless a role flag named it (the person meant it so: the role is kept, as the report's streams keep it).
 */
function explainedRole(a: RoleAssignment, none: StreamFacts | undefined): [string, string, string] {
  if (none === undefined) return [a.role, a.rule, a.detail];
  const why = silence(none).cause;
  return roleFlag(a) === null ? [NO_RECORDS.role, NO_RECORDS.roleRule, why] : [a.role, a.rule, `${a.detail}; it held no access-log entry (${why})`];
}

/** `--explain`, printed once the run is over: late pods have their roles then, and record-less streams say so as coverage does. */
function explain(resolution: RoleResolution, streams: readonly StreamFacts[], snapshot: SnapshotContext | null, ownMeshIps: readonly string[], perInput: PerInputNotes): string {
  const empty = new Map(streams.filter((s) => s.records + s.duplicates === 0).map((s) => [s.name, s]));
  const rows = [...resolution.assignments].sort(([a], [b]) => compareText(a, b));
  const width = Math.min(60, Math.max(...rows.map(([k]) => k.length), 4));
  const lines = rows.map(([key, a]) => {
    const [role, rule, detail] = explainedRole(a, empty.get(key));
    return `  ${escapeControl(key).padEnd(width)}  ${role.padEnd(15)}  ${rule}: ${escapeControl(detail)}`;
  });
  const ips = resolution.learnedGatewayIps.length > 0 ? `\n  gateway pod IPs learned from the logs: ${resolution.learnedGatewayIps.join(', ')}` : '';
  const hosts = [...resolution.learnedGatewayHosts].map(([host, via]) => `${host} (reaches ${via.join(', ')})`);
  const gatewayHosts = hosts.length > 0 ? `\n  gateway services learned from sidecar entries to those IPs: ${escapeControl(hosts.join(', '))}` : '';
  const pods = [...resolution.learnedPods].sort(([a], [b]) => compareNatural(a, b));
  const podIps = pods.length > 0 ? `\n  pod IPs learned from their own sidecar logs (${pods.length}): ${listed(pods.map(([ip, p]) => `${ip}=${p.namespace === null ? '' : `${p.namespace}/`}${p.name}`))}` : '';
  // Each can change a verdict: a public one's call, and a private one's passthrough (a private address alone is not enough for that).
  const ownIps = ownMeshIps.length > 0 ? `\n  addresses inside the mesh as sidecars' own, read in their logs (no mesh ranges given) (${ownMeshIps.length}): ${listed(ownMeshIps)}` : '';
  const fromSnapshot = snapshot === null ? '' : `\n  pods from --pods: ${snapshotPods(snapshot.snapshot)}; the mesh is the /16 and /64 ranges of their IPs${snapshotServices(snapshot)}${snapshotEntries(snapshot.snapshot)}`;
  const held = streams.filter((s) => s.unordered !== null).map((s) => `\n  ${escapeControl(s.name)}: its entries waited until it ended: ${s.unordered}`);
  const copied = ' (through a temporary copy, as it cannot be read from its end in place)';
  const backwards = streams.filter((s) => s.backwards).map((s) => `\n  ${escapeControl(s.name)}: read from its last line back, as its log time runs newest first${s.copied ? copied : ''}`);
  const heads = `its head not judged for newest-first order, as the heads' memory holds the first ${JUDGED_HEADS} inputs that cannot be probed (stdin, FIFOs, .gz)`;
  const asItCame = streams.filter((s) => s.headUnjudged).map((s) => `\n  ${escapeControl(s.name)}: read as it came, ${heads}`);
  return `egress-audit: roles\n${lines.join('\n')}${ips}${gatewayHosts}${podIps}${ownIps}${fromSnapshot}${held.join('')}${backwards.join('')}${asItCame.join('')}${perInput.explained()}\n`;
}

/** What --explain says of the pods a --pods list holds. */
function snapshotPods(snapshot: PodSnapshot): string {
  const ambiguous = snapshot.ambiguous.size === 0 ? '' : `, ${plural(snapshot.ambiguous.size, 'IP')} claimed by two pods naming neither`;
  return `${plural(snapshot.pods, 'pod')} with ${plural(snapshot.ips, 'IP')} (${plural(snapshot.gateways, 'egress gateway pod')})${ambiguous}`;
}

/** What --explain says of the Services a --pods list holds: which ClusterIPs are inside (by their EndpointSlices, else their selector), and which Services are egress gateways'. */
function snapshotServices(run: SnapshotContext): string {
  const { snapshot } = run;
  if (snapshot.services.size === 0) return ` (no Services listed: ${PODS_LIST_COMMAND} adds their ClusterIPs)`;
  const gateways = snapshot.gatewayServices.length === 0 ? '' : `; egress gateway Services by their selector: ${escapeControl(snapshot.gatewayServices.join(', '))}`;
  const handWritten = (n: number, which: string): string => (n === 0 ? '' : ` (${n} ${which} left out: ${n === 1 ? 'its endpoints are' : 'their endpoints are'} set by hand)`);
  if (snapshot.slicesListed === 0) {
    const manual = snapshot.services.size - snapshot.services.selecting;
    const noSlices = `; no EndpointSlices listed, so a Service's selector decides (${PODS_LIST_COMMAND} adds them)`;
    return `, plus the ClusterIPs of ${plural(snapshot.services.selecting, 'Service')} with a selector${handWritten(manual, 'without one')}${gateways}${noSlices}`;
  }
  const { bySlices, bySelector, heldByAnother } = clusterIpJudgement(run);
  const outside = bySlices.outside.length === 0 ? '' : ` (${bySlices.outside.length} whose slices lead outside it left out: ${listed(bySlices.outside)})`;
  const shared = heldByAnother.length === 0 ? '' : `; ${heldByAnother.length} left out as another Service holding the same ClusterIP is not vouched for, though ${heldByAnother.length === 1 ? 'its' : 'their'} own slices or selector would be: ${listed(heldByAnother)}`;
  const unlabelled = snapshot.slicesWithoutService === 0 ? '' : ` (${snapshot.slicesWithoutService} naming no Service left out: kube-proxy ignores ${snapshot.slicesWithoutService === 1 ? 'it' : 'them'})`;
  return `, plus the ClusterIPs of ${plural(bySlices.vouched, 'Service')} whose EndpointSlices lead only inside the mesh${outside}, and of ${plural(bySelector.selecting, 'Service')} with a selector and no EndpointSlice listed${handWritten(bySelector.without, 'with neither')}${shared}; ${plural(snapshot.slicesListed, 'EndpointSlice')} read${unlabelled}${gateways}`;
}

/** The first EXPLAIN_MAX_PODS of `items`, and how many more there are. */
function listed(items: readonly string[]): string {
  const more = items.length > EXPLAIN_MAX_PODS ? `, and ${items.length - EXPLAIN_MAX_PODS} more` : '';
  return `${escapeControl(items.slice(0, EXPLAIN_MAX_PODS).join(', '))}${more}`;
}

/** What --explain says was taken from the ServiceEntries a --pods list holds: the addresses kept outside the mesh, and the IPs named by an entry's host. */
function snapshotEntries({ serviceEntries }: PodSnapshot): string {
  if (serviceEntries.size === 0) return `\n  no ServiceEntries from --pods (${PODS_LIST_COMMAND} adds them)`;
  const { outside, named } = serviceEntries.described();
  const sorted = (items: string[]): string[] => items.sort(compareNatural);
  const kept = outside.length === 0 ? 'no MESH_EXTERNAL address' : `outside the mesh whatever the ranges say, as MESH_EXTERNAL (${outside.length}): ${listed(sorted(outside))}`;
  const names = named.length === 0 ? 'no IP named by a host' : `IPs named by the host of the one entry listing them (${named.length}): ${listed(sorted(named.map(([ip, host]) => `${ip}=${host}`)))}`;
  return `\n  ServiceEntries from --pods: ${plural(serviceEntries.size, 'entry', 'entries')} read; ${kept}; ${names}`;
}

/** The run's setup, and a `--gateway-pod NAMESPACE/POD` that the egress gateway namespaces leave out refused (exit 2). */
async function auditSetup(options: AuditOptions): Promise<AuditSetup> {
  const setup = await prepareAudit(options, 'frozen');
  const outside = gatewayPodOutside(options.gatewayPod, setup.settings);
  if (outside !== null) {
    throw new UsageError(`--gateway-pod ${escapeControl(outside)}: its namespace is outside the egress gateway namespaces ${gatewayNamespacesText(setup.settings)}; if it does hold an egress gateway, name it with --gateway-namespace too`);
  }
  return setup;
}

async function collectStreams(iterable: AsyncIterable<LogStream>): Promise<LogStream[]> {
  const out: LogStream[] = [];
  for await (const s of iterable) out.push(s);
  return out;
}

/** `egress-audit audit`: saved logs in, one verdict per flow, reports out, an exit code CI can trust. */
export async function runAudit(inputs: string[], options: AuditOptions): Promise<number> {
  boundHeapGrowth();
  const startedAt = new Date().toISOString();
  const useDashboard = options.dashboard && canDrawDashboard() && options.output === null;
  // --speed paces the dashboard's replay; without a dashboard it would only delay the table or the reports.
  const paced = useDashboard && options.speed > 0;
  // Each kind of note said once per input is bounded on stderr (a walk may find thousands), and listed whole by --explain.
  const perInput = new PerInputNotes();
  // An input found but left out (a dangling link, a FIFO) is said at once, and again in the report's inputs-skipped warning.
  const warn = perInput.kind(INPUT_NOTE_KINDS.leftOut, warnOnStderr);
  // A report, flows or records of an earlier run found among the logs: left out, said at once and in the report's own-outputs-skipped warning.
  const ownOutput = perInput.kind(INPUT_NOTE_KINDS.ownOutputs, warnOnStderr);
  const recordsNote = perInput.kind("parse's records named as inputs, read back", warnOnStderr);
  // A copy of an input (the same bytes under another name) is read once, or each of its flows would count twice.
  const sameContent = perInput.kind('inputs with the same content as another, each read once', warnOnStderr);
  const sameContentOnce = (left: SameContent): void => sameContent(`${left.name}: the same content as ${left.as}, read once (as ${left.as})`);
  const { setup, spec, source, snapshot } = await beforeOutputs(options, inputs, async () => {
    const prepared = await auditSetup(options);
    return {
      setup: prepared,
      spec: (await auditFormatFromOption(options.format)).spec,
      source: await fileSource(inputs, options, { ...(paced ? { chunkSize: SMALL_CHUNK } : {}), warn, ownOutput, recordsNote, sameContentOnce, readsRecordsBack: true }).finally(() => perInput.sayHeldBack()),
      snapshot: options.pods === null ? null : await loadPodSnapshot(options.pods, gatewayNamespaceMatcher(prepared.settings), prepared.settings.clusterDomain),
    };
  });
  if (snapshot !== null && snapshot.gap !== null) warnOnStderr(snapshot.gap); // and in the report's endpointslices-unreadable warning
  if (snapshot !== null && snapshot.skipped > 0) {
    warnOnStderr(`--pods ${options.pods as string}: ${plural(snapshot.skipped, 'item that is neither a pod, a Service, an EndpointSlice nor a ServiceEntry', 'items that are neither pods, Services, EndpointSlices nor ServiceEntries')} left out`);
  }
  if (options.dashboard && !useDashboard) {
    const instead = options.output === null ? 'the table' : `-o ${options.output}`;
    const unpaced = options.speed > 0 ? ', read at full speed (--speed paces only the dashboard)' : '';
    process.stderr.write(`egress-audit: --dashboard needs a terminal on stdout that can move its cursor (not TERM=dumb) and no -o: not shown; writing ${instead} instead${unpaced}\n`);
  }
  const outputs = await openOutputs(options, useDashboard ? null : (options.output ?? 'table'), inputs);
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per open file
  const streams = await collectStreams(source.streams(abort.signal));
  const podRoles = podRoleMatcher(options);
  // Reading a big export to its end before the audit starts would look like a hang on a terminal: say why it waits.
  const readOn = perInput.kind("inputs read to their end first, for their pods' own addresses", warnOnStderr);
  const onReadOn = (name: string): void => {
    if (process.stderr.isTTY === true) readOn(`${name}: reading it to its end first, for its pods' own addresses (no --mesh-cidr or --pods given)`);
  };
  const recordsOfInputs = new RecordsOfInputs(streams.map((s) => s.info.name));
  const onLateRecordLog = (records: string, log: string): void => recordsOfInputs.check(records, log);
  const proxyContainers = new ProxyContainers([...DEFAULT_PROXY_CONTAINERS, ...options.proxyContainer]);
  const roles = await resolveRoles(streams, spec, options.maxLineLength, setup.settings, abort.signal, { podRole: podRoles.roleOf, ownAddressesCount: snapshot === null, onReadOn, sourceStream: recordSources(options), onLateRecordLog, proxyContainers });
  recordsOfInputs.checkAll(roles.resolution.recordLogs);
  perInput.sayHeldBack(); // the read-on notes' count, before a dashboard is drawn over stderr
  const replays = withoutFlaggedRecordLogs(roles.streams, roles.resolution.recordLogs, roles.resolution.assignments);
  const settings = withLearnedGatewayHosts(setup.settings, roles.resolution);

  const builder = reportBuilder(options, setup.stage);
  const window = options.window === null ? null : new WindowFilter(options.window);
  const dashboard: RunDashboard | null = useDashboard
    ? await startRunDashboard({ failOn: options.failOn, color: options.color, mode: 'files', description: source.describe(), builder })
    : null;
  dashboard?.quit.addEventListener('abort', () => abort.abort(), { once: true });
  // What the run says while the dashboard is drawn goes onto it (stderr would be drawn over), and to stderr once it lets go.
  const notices = new Notices();
  if (dashboard !== null) notices.hold(dashboard);
  const spooled = perInput.kind('newest-first inputs copied to a temporary file', warnOnStderr);
  const failedInput = perInput.kind(INPUT_NOTE_KINDS.unreadable, notices.say);
  try {
    const pacer = new Pacer<Flow>(paced ? options.speed : 0, options.window);
    // The sidecars' own addresses stand in for mesh ranges only when none are given: --pods gives its pods' ranges.
    const ownMeshIps = snapshot === null && settings.meshCidrs.length === 0 ? roles.resolution.learnedMeshIps : [];
    const offline = offlineContext(settings, roles.resolution.learnedGatewayIps, roles.resolution.learnedPods, ownMeshIps);
    const snapshotRun = snapshot === null ? null : snapshotContext(snapshot, offline);
    const sink = pacer.holding(flowSink({ stage: setup.stage, builder, dashboard, outputs, window }));
    const pipeline = new AuditPipeline({
      spec,
      maxLineLength: options.maxLineLength,
      settings,
      context: snapshotRun?.context ?? offline,
      roleOf: roles.resolution.lookup,
      withJson: outputs.needsRecordJson,
      onFlow: sink, // a flow to a bare IP a ServiceEntry of --pods lists is named by it in the engine, as watch's is
      // One input cannot repeat another's lines: a single file's audit pays nothing for telling copies.
      dropCopies: streams.length > 1,
      recordStreams: roles.resolution.recordStreams,
      proxyContainers,
      window: options.window,
    });
    const totalBytes = streams.every((s) => s.info.size !== null) ? streams.reduce((a, s) => a + (s.info.size ?? 0), 0) : null;
    const progress = (): RunProgress => ({ lines: pipeline.totals(), bytes: pipeline.streams.reduce((a, s) => a + s.bytes, 0), streams: streams.length, reconnects: 0 });
    const meter = new ProgressMeter(() => ({ ...progress(), totalBytes }), process.stderr, dashboard === null && process.stderr.isTTY === true);
    await runOffline(pipeline, paced ? replays.map(lineByLine) : replays, abort.signal, {
      onChunk: () => {
        meter.tick();
        if (!paced) dashboard?.progress(progress(), false); // paced: once the record's wait is over, with its flows
      },
      drain: () => outputs.drain(),
      pace: paced
        ? async (logMs) => {
          await pacer.wait(logMs, abort.signal);
          dashboard?.progress(progress(), false);
        }
        : undefined,
      onSpool: (info) => {
        // Said where progress is shown: a large input may take a while to copy before its first line is read.
        if (dashboard === null && process.stderr.isTTY === true) spooled(`${info.name} runs newest first: copying it to a temporary file, to read it from its end`);
      },
    });
    pacer.release(); // the last records' flows, and those the end of input decided
    meter.done();
    const podFlagNotes = podRoles.notApplied();
    for (const note of podFlagNotes) notices.say(note);
    const streamFacts = pipeline.streamFacts();

    // The inputs that failed are said whatever the end: an output that cannot be written (exit 3) must not hide them.
    const sayInputErrors = (): void => {
      const stopped = pipeline.streams.filter((s) => s.stopped);
      for (const s of pipeline.streams) if (s.error !== null && !s.stopped) failedInput(s.error);
      perInput.sayHeldBack();
      // One line, not one per input (a quit replay of a thousand files); the report names each.
      if (stopped.length > 0) notices.say(`stopped before ${plural(stopped.length, 'input was', 'inputs were')} read to the end (${stopped[0]?.info.name}${stopped.length > 1 ? ', ...' : ''}): the audit is incomplete`);
    };
    const finished = await finishRun(
      {
        builder,
        input: { mode: 'files', description: source.describe(), startedAt, endedAt: new Date().toISOString() },
        facts: { ...pipelineFacts(pipeline, setup), streams: streamFacts, roles: roles.resolution.assignments, extraWarnings: [...(snapshot?.warnings ?? []), ...inputsSkippedWarning(warn.notes), ...ownOutputsSkippedWarning(ownOutput.notes), ...podFlagsWarning(podFlagNotes), ...gatewayPodsRefusedWarning(refusedGatewayPods(roles.resolution.assignments), gatewayNamespacesText(settings)), ...gatewaysByContentWarning(gatewaysByContent(roles.resolution.assignments)), ...meshRangesMissWarning(roles.resolution.learnedMeshIps, settings.meshCidrs)], window: window?.coverage() ?? null, stoppedBy: dashboard?.stoppedBy() ?? null },
      },
      outputs,
      options,
      notices.say,
    ).catch((error: unknown) => {
      sayInputErrors();
      throw error;
    });
    sayInputErrors();
    const { report, exitCode } = finished;
    if (dashboard !== null) {
      dashboard.finish(report, progress());
      await dashboard.waitUntilQuit();
    }
    notices.release();
    if (options.explain) process.stderr.write(explain(roles.resolution, streamFacts, snapshotRun, ownMeshIps, perInput)); // after the dashboard has let go of the terminal
    sayResult(report, outputs);
    return exitCode;
  } catch (error) {
    notices.afterFailure();
    throw error;
  }
}
