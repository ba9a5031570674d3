import { parse as parseYaml } from 'yaml';
import { F, firstReadable, resolveFormat, type FormatSpec, type SingleFormatSpec } from '../../parsers/index.js';
import { describeReadError, InputError, UsageError } from '../errors.js';
import { readTextFile, type TextFile } from '../sources/read-text.js';
import { escapeControl, shownName } from '../text/escape.js';
import { warnOnStderr } from '../sources/file-source.js';

/**
 * The `accessLogFormat` in parsed YAML, also inside a string value that is YAML itself: the `istio`
 * ConfigMap (`kubectl -n istio-system get cm istio -o yaml`) holds meshConfig as the text of `data.mesh`.
 */
function findAccessLogFormat(node: unknown): string | null {
  if (typeof node === 'string') {
    if (!node.includes('accessLogFormat')) return null;
    // Only a mapping or list is looked into: a plain sentence naming accessLogFormat parses to itself.
    const inner = parseYamlOrNull(node);
    return typeof inner === 'object' ? findAccessLogFormat(inner) : null;
  }
  if (node === null || typeof node !== 'object') return null;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'accessLogFormat' && typeof value === 'string') return value;
    const inner = findAccessLogFormat(value);
    if (inner !== null) return inner;
  }
  return null;
}

function parseYamlOrNull(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return null;
  }
}

/** Reads `--format @FILE`: a file holding the format string, or meshConfig YAML with `accessLogFormat:`. */
async function formatFromFile(path: string): Promise<string> {
  let file: TextFile;
  try {
    file = await readTextFile(path); // a byte-order mark would otherwise begin the format, and no line would match
  } catch (error) {
    throw new InputError(`--format @${shownName(path)}: cannot read the format file: ${describeReadError(error)}`);
  }
  // Refused: a format's literal text read as U+FFFD would match lines other than the ones its author meant, or none.
  if (file.invalid !== null) throw new InputError(`--format @${shownName(path)}:${file.invalid}: a format is read only as written; save it as UTF-8`);
  const { text } = file;
  if (!text.includes('%')) throw new UsageError(`--format @${shownName(path)}: the file holds no %OPERATOR% format string`);
  const fromYaml = findAccessLogFormat(parseYamlOrNull(text));
  if (fromYaml !== null) return fromYaml;
  // YAML that mentions accessLogFormat but yields none would otherwise be taken whole as the format
  // string, and every line would then be a format mismatch.
  if (/^\s*accessLogFormat\s*:/m.test(text)) throw new UsageError(`--format @${shownName(path)}: accessLogFormat found, but no format string could be read from it (is the YAML valid?)`);
  return text.replace(/\r?\n$/, ''); // not YAML with an accessLogFormat: the file is the format string itself
}

/** The --format option resolved: the spec, and the text of each value (worker threads compile their own copy). */
export interface ResolvedFormat {
  spec: FormatSpec;
  texts: string[];
}

/** One --format value as a parser spec, and its text; a bad value exits 2 naming the flag. */
async function oneFormat(option: string): Promise<{ spec: SingleFormatSpec; text: string }> {
  const text = option.startsWith('@') ? await formatFromFile(option.slice(1)) : option;
  const spec = resolveFormat(text);
  // The message quotes the value as given (or the file's format string): escaped once, here.
  if (typeof spec === 'string') throw new UsageError(`--format: ${escapeControl(spec)}`);
  // Said, not refused: the rest of the format still reads, but its entries have no log time to order, window or join by.
  if (spec.kind === 'custom' && spec.format.unreadStartTime !== undefined) {
    warnOnStderr(`--format: ${spec.format.unreadStartTime}; its entries have no log time (write the layout with %Y-%m-%d %H:%M:%S and %z, or use %START_TIME%)`);
  }
  return { spec, text };
}

/** Turns the --format values (one or more, each line read by the first that reads it) into a parser spec. */
export async function formatFromOption(options: readonly string[]): Promise<ResolvedFormat> {
  const each = [];
  for (const option of options) each.push(await oneFormat(option));
  return { spec: firstReadable(each.map((f) => f.spec)), texts: each.map((f) => f.text) };
}

/** The record fields of which an audit needs one to tell where a sidecar's connection went (or a gateway's). */
const WHERE_IT_WENT = [F.upstream_cluster, F.upstream_host];

/**
 * The --format option of an audit: a custom format naming neither %UPSTREAM_CLUSTER% nor %UPSTREAM_HOST% exits 2,
 * as every entry it reads would be judged a proxy's own reply, nothing leaving the mesh, and the audit would pass.
 */
export async function auditFormatFromOption(options: readonly string[]): Promise<ResolvedFormat> {
  const resolved = await formatFromOption(options);
  const specs = resolved.spec.kind === 'first' ? resolved.spec.specs : [resolved.spec];
  if (specs.some((spec) => spec.kind === 'custom' && !WHERE_IT_WENT.some((field) => spec.format.fields.has(field)))) {
    throw new UsageError(
      `--format: an audit needs %UPSTREAM_CLUSTER% or %UPSTREAM_HOST% in the format to tell where a connection went, and this format has neither: every entry would read as the proxy's own reply, nothing leaving the mesh (egress-audit parse reads the format as it is)`,
    );
  }
  return resolved;
}
