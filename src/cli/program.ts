import { Command, Option } from 'commander';
import { colorAllowed } from '../text/color.js';
import { COVERAGE_CODES, NO_EVIDENCE_CODES } from '../report/model.js';
import { DEFAULT_FAIL_ON } from '../report/fail-on-default.js';
import { VERDICTS } from '../types.js';
import { VERSION } from '../version.js';
import { UsageError } from '../errors.js';
import { escapeControl, quotedValue } from '../text/escape.js';
import { podGlobFlag } from '../sources/role-flags.js';
import { defaultMaxStreams, MAX_STREAMS } from '../sources/kube/descriptors.js';
import { isDnsLabel } from '../sources/kube/plan.js';
import { collect, formatFlag, parsePositiveDuration, parsePositiveInt, parseSize } from './values.js';
import { commaItems } from '../text/comma-list.js';
import { logWindow, watchSince } from './log-time.js';
import { OUTPUT_FORMATS, RULES_FORMATS, type OutputFormat, type RulesFormat } from './options.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../../parsers/index.js';
import type { AuditCommonOptions, AuditOptions, ParseOptions, WatchOptions } from './options.js';

/** What a command action resolves to: the process exit code. */
export type CommandResult = Promise<number>;

/** Hooks the program calls; main.ts wires them to the lazily imported command modules (fast start-up). */
export interface CommandHandlers {
  demo(options: { color: boolean }): CommandResult;
  parse(inputs: string[], options: ParseOptions): CommandResult;
  audit(inputs: string[], options: AuditOptions): CommandResult;
  watch(options: WatchOptions): CommandResult;
  rules(options: { output: RulesFormat; ids: string[] }): CommandResult;
}

/**
 * Coverage conditions that --fail-on may also name, so "nothing to see" can fail CI: every warning code
 * but `no-records` and `empty-window` (exit 4 already). Derived from COVERAGE_CODES, so every code a
 * report can raise is nameable with no second list to keep in step.
 */
const COVERAGE_FAIL_NAMES: readonly string[] = COVERAGE_CODES.filter((code) => !NO_EVIDENCE_CODES.includes(code));

function outputFormat(flag: string, text: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(text)) {
    throw new UsageError(`${flag}: unknown format ${quotedValue(text)} (choose one of ${OUTPUT_FORMATS.join(', ')})`);
  }
  return text as OutputFormat;
}

function reportTarget(text: string): { format: OutputFormat; path: string } {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--report: ${quotedValue(text)} is not FORMAT=PATH (e.g. sarif=egress.sarif)`);
  const format = outputFormat('--report', text.slice(0, eq));
  const path = text.slice(eq + 1);
  // `-` means standard output everywhere else on this command line: written as a file named `-` it went unnoticed.
  if (path === '-') throw new UsageError(`--report: ${quotedValue(text)} names no file (- is standard output there, which -o writes: give -o ${format}, or a file path)`);
  return { format, path };
}

/** Why none is refused beside other names, whether in one --fail-on list or across several. */
const NONE_ALONE = 'none cannot be combined with other names (it means never fail)';

/** The names each --fail-on gives, added up (a repeated flag must not silently drop an earlier list); none alone means never fail; `+NAME` items add to the default. */
function failOnLists(texts: readonly string[] | undefined): string[] {
  if (texts === undefined) return [...DEFAULT_FAIL_ON];
  const lists = texts.map(failOnList);
  if (lists.some((l) => l.length === 0) && lists.some((l) => l.length > 0)) {
    throw new UsageError(`--fail-on: ${NONE_ALONE}`);
  }
  const names = lists.flat();
  const added = names.filter((name) => name.startsWith('+'));
  if (added.length === 0) return [...new Set(names)];
  // The lists together either add to the default or replace it: `+gateway-only,direct` would leave unclear which was meant.
  if (added.length < names.length) throw new UsageError(`--fail-on: ${quotedValue(added[0] ?? '')} adds to the default (${DEFAULT_FAIL_ON.join(',')}), so every name must then have its +; or give the whole list without +`);
  return [...new Set([...DEFAULT_FAIL_ON, ...added.map((name) => name.slice(1))])];
}

/** Coverage warnings only a watch raises (it asks the cluster): an audit naming them in --fail-on could never fail on them. */
const WATCH_ONLY_WARNINGS: readonly string[] = ['no-egress-gateway-pod', 'serviceentries-unreadable', 'services-unreadable', 'streams-unfollowed', 'streams-cut', 'instances-unread'];
/** Coverage warnings an audit raises only from a saved pod list (--pods; endpointslices-unreadable: one saved without its slices). */
const POD_LIST_WARNINGS: readonly string[] = ['pods-without-sidecar', 'traffic-excluded-from-sidecar', 'endpointslices-unreadable'];
/** The pod list `--pods` reads, as its help and its refusals name it (sources/pod-snapshot.ts's, kept out of the start-up path). */
const SAVED_POD_LIST = 'kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json';

/**
 * Refuses --fail-on baseline-entries-unused without a baseline to find unused entries in, and exceptions-unused without
 * a policy (either could never fail), else gives the list back.
 */
function fileFailOn(failOn: string[], baseline: string | null, policy: string | null): string[] {
  if (baseline === null && failOn.includes('baseline-entries-unused')) {
    throw new UsageError('--fail-on: baseline-entries-unused needs --baseline: it names the entries of the baseline read that held no flow');
  }
  if (policy === null && failOn.includes('exceptions-unused')) {
    throw new UsageError('--fail-on: exceptions-unused needs --policy: it names the exceptions of the policy read that allowed no flow');
  }
  return failOn;
}

/**
 * Refuses an audit's --fail-on naming a warning it cannot raise: accepted, the check could never fire, and the report
 * would say the run was failing on it, a pass nothing checked.
 */
function checkAuditFailOn(failOn: readonly string[], pods: string | null): void {
  const live = failOn.filter((name) => WATCH_ONLY_WARNINGS.includes(name));
  if (live.length > 0) throw new UsageError(`--fail-on: ${live.join(', ')} can only be raised by watch, which asks the cluster; an audit of saved logs never raises ${live.length === 1 ? 'it' : 'them'}`);
  const fromPods = failOn.filter((name) => POD_LIST_WARNINGS.includes(name));
  if (fromPods.length > 0 && pods === null) {
    throw new UsageError(`--fail-on: ${fromPods.join(', ')} needs --pods (a saved \`${SAVED_POD_LIST}\`): what it checks is in that list, which the logs do not show`);
  }
}

/** One --fail-on's names as given (a `+` kept for failOnLists), each checked against the verdicts and coverage warnings. */
function failOnList(text: string): string[] {
  if (text.trim() === 'none') return [];
  // An empty list (`--fail-on "$UNSET"`) would silently turn gating off: "never fail" must be said as `none`.
  if (text.replaceAll(',', '').trim() === '') throw new UsageError(`--fail-on: ${quotedValue(text)} names nothing (give verdicts or coverage warnings, or none to never fail)`);
  const names = commaItems('--fail-on', text);
  for (const given of names) {
    const name = given.startsWith('+') ? given.slice(1) : given;
    if (name === 'none') throw new UsageError(`--fail-on: ${quotedValue(text)}: ${NONE_ALONE}`);
    if (!(VERDICTS as readonly string[]).includes(name) && !COVERAGE_FAIL_NAMES.includes(name)) {
      throw new UsageError(
        `--fail-on: unknown name "${name}" (verdicts: ${VERDICTS.join(', ')}; coverage: ${COVERAGE_FAIL_NAMES.join(', ')}; or none; +NAME adds to the default)`,
      );
    }
  }
  return names;
}

/** A value parser that refuses a second value: a single-value flag given twice would silently keep only the last. */
function once(flag: string): (value: string) => string {
  let seen = false;
  return (value) => {
    if (seen) throw new UsageError(`${flag} was given twice; it takes one value`);
    seen = true;
    return value;
  };
}

/**
 * A single flag given once and naming something (`what`): an empty value, most likely an unset variable, is a usage
 * error rather than read as the flag left out (`--policy "$UNSET"` ran without the policy, whose mesh ranges decide
 * verdicts; `--context "$UNSET"` said the kubeconfig set no current context, exit 3).
 */
function oneNamed(flag: string, what: string): (value: string) => string {
  const single = once(flag);
  return (value) => {
    if (value === '') throw new UsageError(`${flag}: "" names no ${what}`);
    return single(value);
  };
}

/** A single file flag: given once, and naming a file. */
function oneFile(flag: string): (value: string) => string {
  return oneNamed(flag, 'file');
}

/**
 * A repeatable file flag (--sidecar, --gateway, --ingress): `--gateway "$UNSET"` names no file, a usage error (it
 * crashed the glob matcher, exit 70), as for --policy.
 */
function fileList(flag: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    if (value === '') throw new UsageError(`${flag}: "" names no file`);
    return collect(value, previous);
  };
}

/**
 * --proxy-container, repeatable: a container whose lines are a proxy's access log, besides istio-proxy. A name no
 * container can have would audit nothing more without a word (and `""` would be an unset variable): a usage error.
 */
function proxyContainerList(value: string, previous: string[] | undefined): string[] {
  if (!isDnsLabel(value)) throw new UsageError(`--proxy-container: ${quotedValue(value)} is not a container name (lowercase letters, digits and '-', at most 63, as Kubernetes names containers)`);
  return collect(value, previous);
}

/** The input arguments, none empty: `audit "$LOG_DIR"` with the variable unset names no file, a usage error. */
function namedInputs(inputs: string[]): string[] {
  if (inputs.includes('')) throw new UsageError('an input argument is "", which names no file (an unset variable?)');
  return inputs;
}

/** --format's default, auto: the list a first --format replaces, where later ones add to it. */
const DEFAULT_FORMATS: readonly string[] = ['auto'];

/** --format, repeatable (a log whose format was changed mid-file holds two): each value names a format or a file. */
function formatList(value: string, previous: readonly string[]): readonly string[] {
  return collect(formatFlag(value), previous === DEFAULT_FORMATS ? undefined : [...previous]);
}

function addReadOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'auto, a format name (istio-1.9, istio-1.3, envoy, istio-json, ...), an Envoy format string, or @FILE holding one (repeatable: each line is read by the first that reads it)').argParser(formatList).default(DEFAULT_FORMATS, '"auto"'))
    .option('--max-line-length <bytes>', 'skip (and count) lines longer than this (at most 256MiB)', once('--max-line-length'), String(DEFAULT_MAX_LINE_LENGTH));
}

function addAuditCommonOptions(cmd: Command): Command {
  return cmd
    .option('--policy <file>', 'YAML policy: allowed direct destinations, gateway hosts and namespaces, mesh CIDRs, cluster domain', oneFile('--policy'))
    .option('--mesh-cidr <cidr>', 'address range inside the mesh (repeatable)', collect)
    .option('--cluster-domain <domain>', 'Kubernetes cluster domain (default cluster.local)', once('--cluster-domain'))
    .option('--gateway-host <glob>', 'host glob naming an egress gateway service, under the cluster domain (repeatable; default *egressgateway*)', collect)
    .option('--window <duration>', 'how far apart two hops of one connection may start', once('--window'), '5s')
    .option('--max-pending <n>', 'entries held for a join before the oldest are evicted', once('--max-pending'), '400000')
    .addOption(new Option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(', ')}`).argParser(once('-o/--output')))
    .option('--report <format=path>', 'also write a report to a file (repeatable), e.g. sarif=egress.sarif', collect)
    .option('--fail-on <list>', `comma-separated verdicts (or coverage warnings) that fail the run, or none (repeatable: the lists add up; +NAME adds to the default: "${DEFAULT_FAIL_ON.join(',')}")`, collect)
    .option('--baseline <file>', 'findings this baseline holds do not fail the run (reported as baselined; SARIF: baselineState unchanged)', oneFile('--baseline'))
    .option('--write-baseline <file>', 'write the findings of this run as a baseline', oneFile('--write-baseline'))
    .option('--no-color', 'no colours (also NO_COLOR=1)');
}

/** The options audit and watch read alike: their `--gateway-namespace` flags differ (see each command). */
function commonAuditValues(o: Record<string, unknown>): Omit<AuditCommonOptions, 'gatewayNamespaces'> {
  const output = o['output'] === undefined ? null : outputFormat('-o/--output', String(o['output']));
  return {
    policy: (o['policy'] as string | undefined) ?? null,
    meshCidr: (o['meshCidr'] as string[] | undefined) ?? [],
    clusterDomain: (o['clusterDomain'] as string | undefined) ?? null,
    gatewayHost: (o['gatewayHost'] as string[] | undefined) ?? [],
    windowMs: parsePositiveDuration('--window', String(o['window']), 'a zero join window can never join a sidecar entry to the gateway entry of the same connection (use e.g. 5s)'),
    maxPending: parsePositiveInt('--max-pending', String(o['maxPending'])),
    output,
    report: ((o['report'] as string[] | undefined) ?? []).map(reportTarget),
    failOn: fileFailOn(failOnLists(o['failOn'] as string[] | undefined), (o['baseline'] as string | undefined) ?? null, (o['policy'] as string | undefined) ?? null),
    baseline: (o['baseline'] as string | undefined) ?? null,
    writeBaseline: (o['writeBaseline'] as string | undefined) ?? null,
    color: o['color'] !== false && colorAllowed(process.env),
  };
}

function parseCommand(handlers: CommandHandlers): Command {
  const cmd = new Command('parse')
    .description('parse access-log lines into NDJSON records (Istio JSON key names) on stdout')
    .argument('[inputs...]', 'files, directories (recursive), globs, .gz files, or - for stdin (default: stdin)')
    .option('--strict', 'exit 1 if any line is malformed or too long, listing the first ones')
    .option('--explain', 'list every per-input note at the end (inputs left out or not read): only the first 10 of each kind are said as they come');
  addReadOptions(cmd).action(async (inputs: string[], o: Record<string, unknown>) => {
    process.exitCode = await handlers.parse(namedInputs(inputs), {
      format: o['format'] as readonly string[],
      maxLineLength: parseSize('--max-line-length', String(o['maxLineLength'])),
      strict: o['strict'] === true,
      explain: o['explain'] === true,
    });
  });
  return cmd.addHelpText(
    'after',
    `
Exit codes: 0 read, 1 malformed or too-long lines with --strict, 2 usage error,
            3 unreadable file or corrupt .gz (named; the other inputs are still read),
            4 no access-log record read (empty input, or no line was an access log),
            70 a bug in egress-audit (please report it),
            141 the reader of the output went away first (parse ... | head).

Examples:
  egress-audit parse sidecar.log gateway.log.gz | jq -c 'select(.upstream_cluster == "PassthroughCluster")'
  kubectl logs -n istio-system -l istio=egressgateway -c istio-proxy --prefix --tail=-1 | egress-audit parse -
  egress-audit parse --format '[%START_TIME%] %UPSTREAM_HOST% %UPSTREAM_CLUSTER%' custom.log
  egress-audit parse --strict logs/`,
  );
}

function auditCommand(handlers: CommandHandlers): Command {
  const cmd = new Command('audit')
    .description('join sidecar and egress-gateway entries from saved logs and give every flow a verdict')
    .argument('[inputs...]', 'files, directories, globs, .gz files, or - for stdin')
    .option('--sidecar <file|glob>', 'these files are sidecar logs (repeatable)', fileList('--sidecar'))
    .option('--gateway <file|glob>', 'these files are egress-gateway logs (repeatable)', fileList('--gateway'))
    .option('--ingress <file|glob>', 'these files are ingress-gateway logs (repeatable)', fileList('--ingress'))
    .option('--sidecar-pod <glob>', 'these pods (name glob, or NAMESPACE/GLOB) are sidecars, in any input that names its pods: --prefix, a log pipeline, kubelet paths (repeatable)', podGlobFlag('--sidecar-pod'))
    .option('--gateway-pod <glob>', 'these pods are egress gateways, in any input that names its pods (repeatable)', podGlobFlag('--gateway-pod'))
    .option('--ingress-pod <glob>', 'these pods are ingress gateways, in any input that names its pods (repeatable)', podGlobFlag('--ingress-pod'))
    .option('--gateway-namespace <glob>', 'egress gateways live only in these namespaces (repeatable; default any): a pod elsewhere is read as a sidecar whatever its name or labels, and a gateway Service elsewhere is an in-mesh service', collect)
    .option('--proxy-container <name>', "a container whose lines are a proxy's access log, besides istio-proxy (repeatable): plain Envoy's or Contour's envoy; in inputs that name each line's container (kubelet paths, --prefix, a log pipeline's records), other containers' lines are not audited", proxyContainerList)
    .option('--pods <file>', `a saved \`${SAVED_POD_LIST}\` (or -o yaml): names the pod behind each IP, the mesh ranges, the ClusterIPs and the MESH_EXTERNAL addresses and hosts of the ServiceEntries, as watch does`, oneFile('--pods'))
    .option('--explain', 'print which rule gave each file its role')
    .option('--dashboard', 'replay the audit in the terminal dashboard')
    .option('--speed <factor>', 'with --dashboard: 0 = as fast as possible, 1 = log-time pace, 10 = ten times faster (paces only a dashboard shown: off a terminal or with -o, the output is written at full speed)', once('--speed'), '0')
    .option('--since <time>', 'report only flows that started at or after this log time: RFC 3339 with a zone, or a date (UTC midnight)', once('--since'))
    .option('--until <time>', 'report only flows that started before this log time (same forms as --since; a date is its midnight, so --until 2026-11-03 keeps all of 2026-11-02)', once('--until'));
  addReadOptions(cmd);
  addAuditCommonOptions(cmd).action(async (inputs: string[], o: Record<string, unknown>) => {
    const speed = Number(o['speed']);
    if (!Number.isFinite(speed) || speed < 0) throw new UsageError(`--speed: ${quotedValue(String(o['speed']))} is not a number >= 0`);
    // Without --dashboard nothing is replayed: a --speed given alone would be ignored without a word.
    if (cmd.getOptionValueSource('speed') === 'cli' && o['dashboard'] !== true) throw new UsageError('--speed only applies with --dashboard (the replay it paces)');
    const window = logWindow(o['since'] as string | undefined, o['until'] as string | undefined);
    // A baseline records every finding of the logs; one written from a window would drop the findings outside it.
    if (window !== null && o['writeBaseline'] !== undefined) {
      throw new UsageError('--write-baseline records every finding, so it cannot be combined with --since/--until, which audit part of the logs: write the baseline from a run without a window');
    }
    const common = commonAuditValues(o);
    const pods = (o['pods'] as string | undefined) ?? null;
    checkAuditFailOn(common.failOn, pods);
    process.exitCode = await handlers.audit(namedInputs(inputs), {
      ...common,
      gatewayNamespaces: (o['gatewayNamespace'] as string[] | undefined) ?? [],
      format: o['format'] as readonly string[],
      maxLineLength: parseSize('--max-line-length', String(o['maxLineLength'])),
      sidecar: (o['sidecar'] as string[] | undefined) ?? [],
      gateway: (o['gateway'] as string[] | undefined) ?? [],
      ingress: (o['ingress'] as string[] | undefined) ?? [],
      sidecarPod: (o['sidecarPod'] as string[] | undefined) ?? [],
      gatewayPod: (o['gatewayPod'] as string[] | undefined) ?? [],
      ingressPod: (o['ingressPod'] as string[] | undefined) ?? [],
      proxyContainer: (o['proxyContainer'] as string[] | undefined) ?? [],
      pods,
      explain: o['explain'] === true,
      dashboard: o['dashboard'] === true,
      speed,
      window,
    });
  });
  return cmd.addHelpText(
    'after',
    `
Exit codes: 0 no failing findings, 1 failing findings (--fail-on), 2 usage error,
            3 unreadable input, an invalid policy, baseline or --pods file, or a report that cannot be written,
            4 no access-log entries at all, or no flow started in --since/--until,
            70 a bug in egress-audit (please report it),
            141 the reader of the output went away before the end (audit ... | head).

Examples:
  egress-audit audit --sidecar 'logs/app-*.log' --gateway logs/egressgateway.log
  egress-audit audit logs/ --policy egress-policy.yaml -o sarif > egress.sarif
  egress-audit audit logs/ --report junit=egress.xml --report markdown=summary.md --fail-on +gateway-only
  egress-audit audit logs/ --since 2026-11-02T02:00:00Z --until 2026-11-02T03:15:00Z
  { kubectl logs -n shop -l security.istio.io/tlsMode=istio -c istio-proxy --prefix --tail=-1
    kubectl logs -n istio-system -l istio=egressgateway -c istio-proxy --prefix --tail=-1; } | egress-audit audit -
  logcli query --forward --output jsonl --since 24h --limit 1000000 '{container="istio-proxy"}' | egress-audit audit -
  egress-audit audit fluent-bit-export.jsonl.gz     # Fluent Bit, Fluentd, Vector, Filebeat, Cloud Logging
  gcloud logging read 'resource.labels.container_name="istio-proxy"' --freshness=1d --format=json > export.json
  egress-audit audit export.json                    # a JSON array export is read element by element
  egress-audit audit export.jsonl --gateway-pod 'istio-system/egress-proxy-*'   # a gateway pod named unlike one
  kubectl get pods,services,endpointslices,serviceentries.networking.istio.io -A -o json > pods.json
  egress-audit audit exported-logs/ --pods pods.json`,
  );
}

function watchCommand(handlers: CommandHandlers): Command {
  const cmd = new Command('watch')
    .description('follow the istio-proxy logs of sidecars and egress gateways in a cluster and audit them live')
    .argument('[pod-query]', 'regular expression on pod names')
    .option('-n, --namespace <ns>', 'namespace to follow (repeatable or comma-separated; default: the context\'s namespace, else default)', collect)
    .option('-A, --all-namespaces', 'follow all namespaces (and find gateways in any namespace, unless --gateway-namespace is given)')
    .option('-l, --selector <selector>', 'label selector for sidecar pods')
    .option('--context <name>', 'kubeconfig context to use', oneNamed('--context', 'context (an unset variable?)'))
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)', oneFile('--kubeconfig'))
    .option('--gateway-namespace <ns>', 'namespace to list the egress gateway pods in; given, also the one namespace an egress gateway may live in, with -A too (a pod elsewhere is read as a sidecar whatever its name or labels); the policy\'s mesh.gatewayNamespaces, when set, must accept it (exit 2 if not); with -A and no --gateway-namespace, gateways are listed everywhere and only those the setting accepts are gateways', once('--gateway-namespace'), 'istio-system')
    .option('--gateway-selector <selector>', 'label selector of the egress gateway pods', once('--gateway-selector'), 'istio=egressgateway')
    .option('--since <duration|time>', 'start with log lines newer than this: a duration back from now (10m), or a time as audit takes one (2026-11-02T02:00:00Z, 2026-11-02) (default: only new lines)', once('--since'))
    .option('--duration <duration>', 'stop after this long, write reports and exit', once('--duration'))
    .option('--max-streams <n>', `cap on concurrently followed containers, each an open file (default: ${MAX_STREAMS}, or what ulimit -n leaves room for when that is fewer)`, once('--max-streams'));
  addReadOptions(cmd);
  addAuditCommonOptions(cmd).action(async (podQuery: string | undefined, o: Record<string, unknown>) => {
    process.exitCode = await handlers.watch({
      ...commonAuditValues(o),
      // watch's --gateway-namespace says where to list the gateway pods; given, it also narrows where one may live (kube/plan.ts gatewayScope, after the policy's check).
      gatewayNamespaces: [],
      podQuery: podQuery ?? null,
      namespace: (o['namespace'] as string[] | undefined) ?? [],
      allNamespaces: o['allNamespaces'] === true,
      selector: (o['selector'] as string | undefined) ?? null,
      context: (o['context'] as string | undefined) ?? null,
      kubeconfig: (o['kubeconfig'] as string | undefined) ?? null,
      gatewayNamespace: String(o['gatewayNamespace']),
      gatewayNamespaceGiven: cmd.getOptionValueSource('gatewayNamespace') === 'cli',
      gatewaySelector: String(o['gatewaySelector']),
      since: o['since'] === undefined ? null : watchSince(String(o['since']), Date.now()),
      durationMs: o['duration'] === undefined ? null : parsePositiveDuration('--duration', String(o['duration']), 'a run of no time would stop before it read a line (use e.g. 30s or 10m)'),
      maxStreams: o['maxStreams'] === undefined ? defaultMaxStreams() : parsePositiveInt('--max-streams', String(o['maxStreams'])),
      format: o['format'] as readonly string[],
      maxLineLength: parseSize('--max-line-length', String(o['maxLineLength'])),
    });
  });
  return cmd.addHelpText(
    'after',
    `
Exit codes (at the end of --duration or Ctrl-C): 0 no failing findings, 1 failing findings (--fail-on),
            2 usage error, 3 no usable kubeconfig, API errors (401, 403, unreachable), a log that could
            not be read to the end, or an invalid policy or baseline, 4 no access-log entries at all,
            70 a bug in egress-audit (please report it), 141 the reader of the output went away first.

Examples:
  egress-audit watch -n shop -n payments
  egress-audit watch -A --duration 10m --report sarif=egress.sarif -o json > egress.json
  kubectl egress-audit watch -n default -l app=checkout --since 5m`,
  );
}

function rulesCommand(handlers: CommandHandlers): Command {
  return new Command('rules')
    .description('list every rule id a verdict can carry, with what it means and how to fix it; or only the rules named')
    .argument('[rule...]', 'rule ids met in a report (direct/passthrough-cluster), or verdict names (direct): only those rules')
    .addOption(new Option('-o, --output <format>', 'table, json, or markdown (the text of docs/rules.md)').choices(RULES_FORMATS).default('table'))
    .action(async (ids: string[], o: Record<string, unknown>) => {
      process.exitCode = await handlers.rules({ output: o['output'] as RulesFormat, ids });
    })
    .addHelpText(
      'after',
      `
A fix here speaks of "the caller" and "the host"; a finding's own fix in a report names them.

Examples:
  egress-audit rules
  egress-audit rules direct/passthrough-cluster
  egress-audit rules gateway-only -o json
  egress-audit rules -o json | jq -r '.rules[] | select(.verdict == "direct") | .id'
  egress-audit rules -o markdown > rules.md`,
    );
}

function demoCommand(handlers: CommandHandlers): Command {
  return new Command('demo')
    .description('audit the bundled demo capture (real log lines from published Istio egress examples, plus generated traffic) in the dashboard, or as a table when not on a terminal')
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .action(async (o: Record<string, unknown>) => {
      process.exitCode = await handlers.demo({ color: o['color'] !== false && colorAllowed(process.env) });
    })
    .addHelpText(
      'after',
      `
Exits 0 when it finds the direct egress it is there to show, saying that an audit in CI would exit 1.

Examples:
  egress-audit demo                  # the dashboard on a terminal (npm start); q to quit
  egress-audit demo | less           # the table, then the audit command to try next`,
    );
}

const DID_YOU_MEAN = '\n(Did you mean ';

/**
 * Commander's own error line, with control characters escaped: it quotes argv, where a glob can put a
 * file name holding ESC sequences (`audit logs/*` with a file named `-\e]0;...`). Only the newlines
 * commander writes itself (before its "(Did you mean" hint, and at the end) stay newlines: the text around
 * them is escaped, once, and they are not.
 */
function escapeCommanderError(text: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const escaped = body.split(DID_YOU_MEAN).map(escapeControl).join(DID_YOU_MEAN);
  return body === text ? escaped : `${escaped}\n`;
}

/** Commander's error messages go through escapeCommanderError; help and version output are ours and left alone. */
function safeErrors(cmd: Command): Command {
  return cmd.configureOutput({ outputError: (text, write) => write(escapeCommanderError(text)) });
}

/** Builds the command-line program; every parse error becomes a UsageError (exit 2). */
export function buildProgram(handlers: CommandHandlers, name = 'egress-audit'): Command {
  const program = new Command(name)
    .description('Prove, from Envoy access logs, whether each Istio egress flow went through the egress gateway or direct.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  safeErrors(program);
  for (const cmd of [parseCommand(handlers), auditCommand(handlers), watchCommand(handlers), rulesCommand(handlers), demoCommand(handlers)]) {
    program.addCommand(safeErrors(cmd.exitOverride().showHelpAfterError('(run with --help for usage)')));
  }
  return program;
}
