/**
 * `--sidecar`, `--gateway` and `--ingress` name files, globs or directories. A file that several of
 * them name takes the role of the one naming it most closely (the file itself, then a glob, then a
 * directory holding it, then a directory holding it that a glob matches): `--sidecar logs/ --gateway logs/egress.log` says what it means. Two flags
 * naming it equally closely contradict each other, a usage error: the order flags are checked in
 * must never pick a role the user did not choose.
 */
import { resolve } from 'node:path';
import picomatch from 'picomatch';
import { isDynamicPattern } from 'tinyglobby';
import { UsageError } from '../errors.js';
import type { PodRoleMatcher } from '../engine/roles.js';
import type { RoleAssignment } from '../types.js';
import { globbedDirectoryOf, isInside } from './input-paths.js';
import { quotedValue, shownName } from '../text/escape.js';

/** Which files the user said are what (`--sidecar`, `--gateway`, `--ingress`). */
export interface RoleFlags {
  sidecar: string[];
  gateway: string[];
  ingress: string[];
}

/**
 * How closely a flag value names a path: 4 the path itself, 3 a glob matching it, 2 a directory holding it, 1 a
 * directory holding it that a glob matches (`--sidecar 'logs/*' --gateway logs/gw` gives logs/gw's files to the
 * directory named), 0 not at all.
 */
type Closeness = 0 | 1 | 2 | 3 | 4;

const CLOSENESS_WORDS = ['', 'a directory holding it that a glob matches', 'a directory holding it', 'a glob matching it', 'the file itself'] as const;

interface Pattern {
  role: RoleAssignment['role'];
  flag: string;
  value: string;
  /** The value as an absolute path: `./logs`, `logs/` and `/abs/logs` name one directory, whichever spelling the walk's names use. */
  resolved: string;
  match: (path: string) => boolean;
}

interface Hit {
  pattern: Pattern;
  closeness: Closeness;
  name: string;
}

function closeness(p: Pattern, path: string): Closeness {
  if (path === p.value) return 4;
  const glob = isDynamicPattern(p.value);
  if (glob && p.match(path)) return 3;
  // A value that looks like a glob may also be a path as written (a directory `logs[1]`), as the walk takes it first.
  const resolved = resolve(path);
  if (resolved === p.resolved) return 4;
  if (isInside(resolved, p.resolved)) return 2;
  return glob && globbedDirectoryOf(p.match, path) !== null ? 1 : 0; // `--gateway '/var/log/pods/*egress*'`: its matches are walked
}

/** The role flags' names (`--gateway`, and `--gateway-pod` for pods) and their roles, in the order they are checked. */
const ROLE_FLAGS = [
  ['egress-gateway', 'gateway'],
  ['ingress-gateway', 'ingress'],
  ['sidecar', 'sidecar'],
] as const;

type RoleFlagName = (typeof ROLE_FLAGS)[number][1];

/** Each value given to a role flag, with its role and its flag as the user wrote it (`--gateway` plus `suffix`). */
function flagValues(values: (name: RoleFlagName) => string[], suffix: '' | '-pod'): { role: RoleAssignment['role']; flag: string; value: string }[] {
  return ROLE_FLAGS.flatMap(([role, name]) => values(name).map((value) => ({ role, flag: `--${name}${suffix}`, value })));
}

function compile(flags: RoleFlags): Pattern[] {
  return flagValues((name) => flags[name], '').map((v) => ({ ...v, resolved: resolve(v.value), match: picomatch(v.value) }));
}

/**
 * The role the flags give a file known by `names` (its name, then its aliases), or null; throws a
 * UsageError when two flags of different roles name it equally closely.
 */
export function roleMatcher(flags: RoleFlags): (names: readonly string[]) => RoleAssignment | null {
  const patterns = compile(flags);
  if (patterns.length === 0) return () => null;
  return (names) => {
    const hits: Hit[] = [];
    for (const name of names) {
      for (const pattern of patterns) {
        const c = closeness(pattern, name);
        if (c > 0) hits.push({ pattern, closeness: c, name });
      }
    }
    if (hits.length === 0) return null;
    // The first of the closest hits decides; another role as close is a conflict.
    const chosen = hits.reduce((a, h) => (h.closeness > a.closeness ? h : a));
    const rival = hits.find((h) => h.closeness === chosen.closeness && h.pattern.role !== chosen.pattern.role);
    if (rival !== undefined) {
      throw new UsageError(
        `${shownName(names[0] as string)} is named by ${chosen.pattern.flag} ${shownName(chosen.pattern.value)} and by ${rival.pattern.flag} ${shownName(rival.pattern.value)} ` +
          `(${CLOSENESS_WORDS[chosen.closeness]} both times): give each file one role (a file named itself wins over a glob, and a glob over a directory)`,
      );
    }
    const overridden = hits.find((h) => h.pattern.role !== chosen.pattern.role);
    const over = overridden === undefined ? '' : `, over ${overridden.pattern.flag} ${overridden.pattern.value} (${CLOSENESS_WORDS[overridden.closeness]})`;
    const via = chosen.pattern.value === chosen.name ? '' : ` ${chosen.pattern.value}`;
    return { role: chosen.pattern.role, rule: `flag:${chosen.pattern.flag}`, detail: `${chosen.name} named by ${chosen.pattern.flag}${via}${over}` };
  };
}

/** Which pods the user said are what (`--sidecar-pod`, `--gateway-pod`, `--ingress-pod`): globs of pod names, or NAMESPACE/GLOB. */
export interface PodRoleFlags {
  sidecarPod: string[];
  gatewayPod: string[];
  ingressPod: string[];
}

/** Pod and namespace names: DNS labels and subdomains (lower case, digits, `-`, `.`), here with glob characters. */
const POD_GLOB = /^(?:[a-z0-9*?[\]{},.!-]+\/)?[a-z0-9*?[\]{},.!-]+$/;

/**
 * Checks one `--*-pod` value (commander's argParser; repeatable): a UsageError naming the flag for a value
 * that cannot name a pod (empty, upper case, a path with more than one `/`).
 */
export function podGlobFlag(flag: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    if (!POD_GLOB.test(value)) {
      throw new UsageError(`${flag}: ${quotedValue(value)} is not a pod name glob (such as egress-proxy-* or istio-system/egress-proxy-*: lower-case letters, digits, "-", "." and glob characters)`);
    }
    return [...(previous ?? []), value];
  };
}

/** The pod flags of a run: the role they give a pod, and afterwards what they did not do (said, never silently ignored). */
export interface PodRoles {
  roleOf: PodRoleMatcher;
  /** A sentence per flag value that named no pod, then per pod that flags of two roles named (neither was used for it). */
  notApplied(): string[];
}

/** The sentence for a flag value that named no pod of the inputs. */
function namedNoPod(flag: string): string {
  const hint = flag.includes('/') ? ' (a NAMESPACE/ value matches only pods whose namespace the input names, which kubectl logs --prefix does not)' : '';
  return `${flag}: named no pod of the inputs${hint}`;
}

/**
 * The role the pod flags give a pod, or null. A value with a `/` names NAMESPACE/POD, so it matches only
 * pods whose namespace is known (a pipeline's envelope, a kubelet path; `kubectl logs --prefix` names none).
 * A pod that flags of two roles name is known only from the data, often long after output began (a pod
 * first seen late in a `--prefix` file): not a usage error, so it is given neither (null: the rules that
 * follow decide, as if no pod flag named it, whether it comes early or late), and notApplied() says so.
 */
export function podRoleMatcher(flags: PodRoleFlags): PodRoles {
  const patterns = flagValues((name) => flags[`${name}Pod`], '-pod').map((v) => ({
    ...v,
    qualified: v.value.includes('/'),
    match: picomatch(v.value, { dot: true }),
    used: false,
  }));
  const conflicts = new Map<string, string>();
  if (patterns.length === 0) return { roleOf: () => null, notApplied: () => [] };
  const roleOf: PodRoleMatcher = (pod, namespace) => {
    const shown = namespace === null ? pod : `${namespace}/${pod}`;
    const hits = patterns.filter((p) => (p.qualified ? namespace !== null && p.match(shown) : p.match(pod)));
    for (const hit of hits) hit.used = true;
    const chosen = hits[0];
    if (chosen === undefined) return null;
    const rival = hits.find((h) => h.role !== chosen.role);
    if (rival !== undefined) {
      conflicts.set(shown, `pod ${shown} is named by ${chosen.flag} ${chosen.value} and by ${rival.flag} ${rival.value}: neither flag was used for it, and its role came from the other rules (see --explain); give each pod one role`);
      return null;
    }
    return { role: chosen.role, rule: `flag:${chosen.flag}`, detail: `pod "${shown}" named by ${chosen.flag} ${chosen.value}` };
  };
  const unused = (): string[] => patterns.filter((p) => !p.used).map((p) => namedNoPod(`${p.flag} ${p.value}`));
  return { roleOf, notApplied: () => [...unused(), ...conflicts.values()] };
}
