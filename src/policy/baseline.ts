/**
 * Baselines (`--write-baseline`, `--baseline`): the fingerprints of accepted findings, so CI fails
 * only on what is new. The file is sorted, one finding per line, with no timestamps: re-writing an
 * unchanged baseline gives the same bytes, and a review diff shows exactly the findings that changed.
 */
import { rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { canonicalKey, NON_ASCII, renamedWorkload } from '../engine/index.js';
import { describeReadError, InputError } from '../errors.js';
import { planReplacement, putInPlace, writeTarget, type Replacement } from '../output/replace-file.js';
import { BASELINE_SCHEMA, REPORT_SCHEMA, type Finding } from '../report/model.js';
import { wellFormedJson } from '../report/well-formed.js';
import { escapeControl } from '../text/escape.js';
import { DUPLICATE_KEYS, parseJson } from '../../parsers/json-format.js';
import { duplicateKeyProblems, entryFile, entryLineOf, mismatchProblems, type BaselineEntry } from './baseline-check.js';
import { fingerprintOfParts } from './fingerprint.js';
import { issuesFromAjv } from './issues.js';
import { newAjv } from './schema.js';
import type { Baseline } from './types.js';
import { formatPath, type FieldPath } from './yaml-position.js';
import { readTextFile, type TextFile } from '../sources/read-text.js';

const field = (expected: string): object => ({ type: 'string', expected });

const BASELINE_JSON_SCHEMA = {
  type: 'object',
  expected: 'a mapping with schema and findings',
  required: ['schema', 'findings'],
  properties: {
    schema: { const: BASELINE_SCHEMA, expected: `"${BASELINE_SCHEMA}"` },
    findings: {
      type: 'array',
      expected: 'a list of findings',
      items: {
        type: 'object',
        expected: 'a finding with a fingerprint and the fields it is the hash of',
        // Every input of the hash, so that the fields a review reads are checked against the fingerprint.
        required: ['fingerprint', 'verdict', 'rule', 'destination', 'namespace', 'sourceWorkload'],
        additionalProperties: false,
        properties: {
          fingerprint: { type: 'string', pattern: '^[0-9a-f]{16}$', expected: '16 lower-case hex characters' },
          verdict: field('a verdict'),
          rule: field('a rule'),
          destination: field('a destination (host:port)'),
          address: field('an address'),
          namespace: { type: ['string', 'null'], expected: 'a namespace, or null' },
          sourceWorkload: field('a workload'),
        },
      },
    },
  },
} as const;

let validator: ValidateFunction | null = null;

function jsonProblem(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = /position (\d+)/.exec(message);
  if (!at) return ` not JSON: ${message}`;
  const before = text.slice(0, Number(at[1])).split('\n');
  return `${before.length}:${(before.at(-1) ?? '').length + 1}: not JSON: ${message}`;
}

/** Reads a baseline written by `--write-baseline`; missing or invalid files are InputErrors (exit 3). */
export async function loadBaseline(path: string): Promise<Baseline> {
  const name = escapeControl(path);
  let file: TextFile;
  try {
    file = await readTextFile(path);
  } catch (err) {
    throw new InputError(`${name}: cannot read baseline: ${escapeControl(describeReadError(err))}`);
  }
  // Refused, not read as U+FFFD: a baseline silences findings, and --write-baseline writes valid UTF-8, so a byte that is
  // no character was changed since; an entry mended would silence another finding, or none, without a word.
  if (file.invalid !== null) {
    throw new InputError(`${name}:${file.invalid}: a baseline is read only as --write-baseline wrote it (UTF-8), never with a byte mended; write it again with --write-baseline`);
  }
  const { text } = file;
  const data = parseJson(text);
  if (data === undefined) {
    try {
      JSON.parse(text); // for its message, which names the position
    } catch (err) {
      throw new InputError(`${name}:${escapeControl(jsonProblem(text, err))}`);
    }
  }
  if (data === DUPLICATE_KEYS) {
    const findings = (JSON.parse(text) as { findings?: unknown } | null)?.findings; // parseJson read it, so JSON.parse does
    throw new InputError(duplicateKeyProblems(name, text, Array.isArray(findings) ? findings.length : 0));
  }
  const schema = (data as { schema?: unknown } | null)?.schema;
  if (typeof schema === 'string' && schema !== BASELINE_SCHEMA) {
    // Another file of ours (a JSON report, given for the baseline) or another version: its entries are not worth listing.
    const what = schema === REPORT_SCHEMA ? 'an egress-audit report (-o json), not a baseline' : `not "${BASELINE_SCHEMA}"`;
    throw new InputError(`${name}: schema: "${escapeControl(schema)}" is ${what}; a baseline is written by --write-baseline`);
  }
  validator ??= newAjv().compile(BASELINE_JSON_SCHEMA);
  if (!validator(data)) {
    const issues = issuesFromAjv(validator.errors ?? []).slice(0, 10);
    const fileOf = entryFile(name, text, (data as { findings?: unknown } | null)?.findings);
    const at = (path: FieldPath): string => (path[0] === 'findings' && typeof path[1] === 'number' ? fileOf(path[1]) : name);
    const lines = issues.map((i) => `${at(i.path)}: ${formatPath(i.path) || '(top level)'}: ${escapeControl(i.message)}`);
    throw new InputError([...lines, '(a baseline is written by --write-baseline)']);
  }
  const entries = (data as { findings: BaselineEntry[] }).findings;
  const mismatched = mismatchProblems(name, text, entries);
  if (mismatched.length > 0) throw new InputError(mismatched);
  const lineOf = entryLineOf(text, entries);
  const held = entries.map((entry, i) => {
    const now = todaysFingerprint(entry);
    return { entry, fingerprints: now === null ? [entry.fingerprint] : [entry.fingerprint, now], line: lineOf(i) };
  });
  return { fingerprints: new Set(held.flatMap((h) => h.fingerprints)), entries: held, file: path };
}

/**
 * The fingerprint today's run gives a finding an older version recorded otherwise, so such a baseline still holds it:
 * its host in Unicode before destinations were keyed in punycode (`bücher.example:443`, now
 * `xn--bcher-kva.example:443`), its caller a CronJob's run (`backup-29893500`) or a long Deployment's whole cut pod name
 * before those were named by their workload, or both; null for an entry already written today's way. Its fields gave
 * back its fingerprint (loadBaseline checked).
 */
function todaysFingerprint(entry: BaselineEntry): string | null {
  const destination = NON_ASCII.test(entry.destination) ? canonicalKey(entry.destination) : entry.destination;
  const sourceWorkload = renamedWorkload(entry.sourceWorkload) ?? entry.sourceWorkload;
  const today = fingerprintOfParts({ ...entry, destination, sourceWorkload });
  return today === entry.fingerprint ? null : today;
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  const ka = [a.destination, a.namespace ?? '', a.sourceWorkload, a.verdict, a.rule, a.fingerprint];
  const kb = [b.destination, b.namespace ?? '', b.sourceWorkload, b.verdict, b.rule, b.fingerprint];
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return (ka[i] as string) < (kb[i] as string) ? -1 : 1;
  }
  return 0;
}

/** JSON with C1 controls, bidi overrides and line separators escaped too, so `cat` and diffs show them safely (lone surrogates as U+FFFD). */
function safeJson(value: unknown): string {
  return wellFormedJson(value).replace(
    /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The baseline file's text: findings sorted by destination, namespace, workload, verdict, rule. */
export function renderBaseline(entries: readonly BaselineEntry[], version: string): string {
  const sorted = [...new Map(entries.map((e) => [e.fingerprint, e])).values()].sort(compareEntries);
  const body = sorted.map((e) => `    ${safeJson(e)}`).join(',\n');
  const findings = sorted.length === 0 ? '[]' : `[\n${body}\n  ]`;
  const tool = safeJson({ name: 'egress-audit', version });
  return `{\n  "schema": "${BASELINE_SCHEMA}",\n  "tool": ${tool},\n  "findings": ${findings}\n}\n`;
}

/** True for a fingerprint the policy stage made; folded `(other)` findings have none and cannot be recorded. */
export function isFingerprint(text: string): boolean {
  return /^[0-9a-f]{16}$/.test(text);
}

/**
 * True for a finding only an expired exception speaks for: it stays the exception's, which failed it on expiry, so a
 * baseline written after that day cannot quietly take it over (one the baseline read this run already held stays).
 */
function heldByExpiredException(f: Finding): boolean {
  return f.expiredException !== null && !f.baselined;
}

/**
 * Which findings a baseline accepts: those whose verdict fails the run and that no exception allows or, expired, still
 * claims (a finding of an exception belongs to it, which must be able to expire). Without `failOn`, the finding's own
 * state says it: failing now, or already in the baseline read this run.
 */
export function baselineEntries(findings: readonly Finding[], failOn?: readonly string[]): BaselineEntry[] {
  const wanted = (f: Finding): boolean =>
    f.allowedBy === null && !heldByExpiredException(f) && (failOn ? failOn.includes(f.verdict) : f.failing || f.baselined);
  return findings.filter(wanted).map((f) => ({
    fingerprint: f.fingerprint,
    verdict: f.verdict,
    rule: f.rule,
    destination: f.destination,
    ...(f.address === undefined ? {} : { address: f.address }),
    namespace: f.namespace,
    sourceWorkload: f.sourceWorkload,
  }));
}

/** How many findings a baseline recorded, how many it could not (folded `(other)` groups), and how many name no namespace. */
export interface BaselineWritten {
  written: number;
  unrecorded: number;
  /**
   * Recorded findings whose caller is a workload name without a namespace (`kubectl logs --prefix` names none): each
   * holds that name in any namespace whose logs name none either, so the run warns. A caller known by its IP is not counted.
   */
  withoutNamespace: number;
  /** Failing findings left out because an expired exception of the policy still names them (heldByExpiredException). */
  ofExpiredExceptions: number;
  /**
   * Recorded findings whose caller is a pod named only by its IP (its own proxy's entry, in a log saved without the pod's
   * name): Kubernetes gives the IP to another pod once that one is gone, so each holds whichever pod has it then.
   */
  byPodIp: number;
  /** Findings left out because their log does not say where their flows went (unidentifiedDestination): an entry would hold every such flow of the caller. */
  unidentified: number;
}

/** True for an entry that holds its workload name in every namespace: the input named none (a caller's IP names itself). */
function namesNoNamespace(e: BaselineEntry): boolean {
  return e.namespace === null && isIP(e.sourceWorkload) === 0;
}

/** Verdicts whose caller is the peer of the proxy that logged it (not its own pod): an outside client's IP may name it. */
const PEER_CALLER: ReadonlySet<string> = new Set(['gateway-only', 'inbound', 'ingress']);

/**
 * True for a finding whose caller is a pod known only by its IP: the first hop's own entry (a sidecar's or an ingress
 * gateway's, not the egress gateway's peer) with no pod name. A pod's IP outlives it, given to another pod of any workload.
 */
function callerIsPodIp(f: Finding): boolean {
  return f.namespace === null && isIP(f.sourceWorkload) !== 0 && !PEER_CALLER.has(f.verdict) && f.evidence.some((e) => e.hop !== 'gateway');
}

/** Why a baseline could not be written (a missing file is its directory missing: a write creates the file), as an InputError naming it. */
function cannotWriteBaseline(path: string, err: unknown): InputError {
  const why = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT' ? `its directory ${dirname(path)} does not exist` : describeReadError(err);
  return new InputError(`${escapeControl(path)}: cannot write baseline: ${escapeControl(why)}`);
}

/**
 * Proves, before any log is read, that the baseline can be written where it replaces its file (a temporary file
 * beside it is created and removed): a long audit must not end in exit 3 over a path that was wrong from the start.
 */
export async function checkBaselineWritable(path: string): Promise<void> {
  let place: Replacement | null = null;
  try {
    place = await planReplacement(path);
    if (place.temp !== null) await writeFile(place.temp, '', { flag: 'wx' });
  } catch (err) {
    throw cannotWriteBaseline(path, err);
  } finally {
    if (place?.temp != null) await rm(place.temp, { force: true });
  }
}

/**
 * Writes a baseline (replacing the file atomically, through a symbolic link to its target, keeping its
 * permission bits); a write failure or a dangling link is an InputError naming the file.
 * Returns the counts so the command can say when folded findings could not be recorded.
 * Fails naming the file and why (exit 3).
 */
export async function writeBaseline(
  path: string,
  findings: Finding[],
  meta: { version: string; failOn?: readonly string[]; unidentified?: ReadonlySet<string> },
): Promise<BaselineWritten> {
  const all = baselineEntries(findings, meta.failOn);
  const entries = all.filter((e) => meta.unidentified?.has(e.fingerprint) !== true);
  const recordable = entries.filter((e) => isFingerprint(e.fingerprint));
  const recorded = new Set(recordable.map((e) => e.fingerprint));
  const text = renderBaseline(recordable, meta.version);
  let place: Replacement | null = null;
  try {
    place = await planReplacement(path);
    const to = writeTarget(place);
    await writeFile(to.path, text, { encoding: 'utf8', flag: to.flag });
    await putInPlace(place);
    return {
      written: recorded.size,
      unrecorded: entries.length - recordable.length,
      withoutNamespace: new Set(recordable.filter(namesNoNamespace).map((e) => e.fingerprint)).size,
      ofExpiredExceptions: findings.filter((f) => f.failing && f.allowedBy === null && heldByExpiredException(f)).length,
      byPodIp: new Set(findings.filter((f) => callerIsPodIp(f) && recorded.has(f.fingerprint)).map((f) => f.fingerprint)).size,
      unidentified: all.length - entries.length,
    };
  } catch (err) {
    if (place?.temp != null) await rm(place.temp, { force: true });
    throw cannotWriteBaseline(path, err);
  }
}
