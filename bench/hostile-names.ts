/**
 * Hostile input for memory checks: every connection names a host of its own, tens of kilobytes long (a client
 * controls its Host header and TLS server name, and the parser takes fields up to 60 KiB). Sidecar and
 * egress-gateway logs in Istio's default text format: HTTP and TLS connections joined through the gateway, and
 * HTTP and TLS connections sent direct through PassthroughCluster. Deterministic (fixed seed), so two runs measure
 * the same bytes.
 *
 *   node dist/bench/hostile-names.js --hosts 12000 --out /tmp/hostile [--length 60000] [--long host|path|both] [--gap MS]
 *   node bin/egress-audit.js audit --sidecar /tmp/hostile/sidecar.log --gateway /tmp/hostile/gateway.log -o json
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { measure, type Measured } from './measure.js';
import { seeded } from './random.js';

/** What to generate. */
export interface HostileOptions {
  /** Connections, each to a host no other connection names. */
  hosts: number;
  /** Characters of each host name (at most the parser's field limit, 60 KiB). */
  length: number;
  seed: number;
  /**
   * `host`: the host names are long. `path`: the host names are short (`h7.example.com`) and an HTTP request's path
   * is as long instead, so whatever keeps a short name cut from such a line as a slice keeps the whole line. `both`:
   * host names of SHORT_UNSHARED characters (just over what the memos keep, so each flow's destination is its own) and
   * a path making up the rest, so whatever keeps such a destination keeps its line at a fraction of the line's cost.
   */
  long: 'host' | 'path' | 'both';
  /** Milliseconds of log time between connections (10: 100 a second; fewer, more connections held for the join window at once). */
  gapMs?: number;
}

/** Characters of a `both` host name: over MEMO_KEY_MAX (1024), so no memo or interner shares its destination. */
const SHORT_UNSHARED = 1100;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const GATEWAY = 'outbound|{port}||istio-egressgateway.istio-system.svc.cluster.local';

/** Random letters that host names are cut from: one pass of the PRNG, not one call per character of every host. */
function pool(random: () => number, size: number): string {
  const out: string[] = [];
  for (let i = 0; i < size; i++) out.push(LETTERS[Math.floor(random() * LETTERS.length)] as string);
  return out.join('');
}

/** Host `i`: a unique first label, then 63-character labels cut from the pool at a random place. */
function hostName(i: number, length: number, letters: string, random: () => number): string {
  let name = `h${i}`;
  while (name.length < length) {
    const at = Math.floor(random() * (letters.length - 64));
    name += `.${letters.slice(at, at + Math.min(63, length - name.length - 1))}`;
  }
  return name.slice(0, length);
}

function stamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** One connection's lines: [sidecar, gateway or null]. Kinds: 0 HTTP joined, 1 TLS joined, 2 HTTP direct, 3 TLS direct. */
export function connectionLines(i: number, host: string, startMs: number, path = '/v1/items'): [string, string | null] {
  const pod = `10.244.${1 + ((i >> 8) % 8)}.${2 + (i % 250)}`;
  const client = `${pod}:${20000 + (i % 40000)}`;
  const app = `${pod}:${10000 + (i % 9000)}`;
  const ext = `34.${(i >> 8) % 200}.${i % 250}.7`;
  const gw = `10.244.9.10`;
  const t = stamp(startMs);
  const tg = stamp(startMs + 2);
  const rid = `${(i + 0x10000000).toString(16)}-9ed5-4b61-8bdd-43e22662702a`;
  switch (i % 4) {
    case 0:
      return [
        `[${t}] "GET ${path} HTTP/1.1" 200 - via_upstream - "-" 0 135 6 6 "-" "curl/8.5.0" "${rid}" "${host}" "${gw}:8080" ${GATEWAY.replace('{port}', '80')} ${client} ${ext}:80 ${app} - default`,
        `[${tg}] "GET ${path} HTTP/1.1" 200 - via_upstream - "-" 0 135 3 3 "${pod}" "curl/8.5.0" "${rid}" "${host}" "${ext}:80" PassthroughCluster ${gw}:${30000 + (i % 30000)} ${gw}:8080 ${client} - -`,
      ];
    case 1:
      return [
        `[${t}] "- - -" 0 - - - "-" 700 5120 40 - "-" "-" "-" "-" "${gw}:8443" ${GATEWAY.replace('{port}', '443')} ${client} ${ext}:443 ${app} ${host} -`,
        `[${tg}] "- - -" 0 - - - "-" 700 5120 37 - "-" "-" "-" "-" "${ext}:443" PassthroughCluster ${gw}:${30000 + (i % 30000)} ${gw}:8443 ${client} ${host} -`,
      ];
    case 2:
      return [`[${t}] "GET ${path} HTTP/1.1" 200 - via_upstream - "-" 0 512 9 9 "-" "curl/8.5.0" "${rid}" "${host}" "${ext}:80" PassthroughCluster ${client} ${ext}:80 ${app} - allow_any`, null];
    default:
      return [`[${t}] "- - -" 0 - - - "-" 700 4096 50 - "-" "-" "-" "-" "${ext}:443" PassthroughCluster ${client} ${ext}:443 ${app} ${host} -`, null];
  }
}

/** Connection `i`'s lines with its long values where `o.long` puts them. */
function linesOf(i: number, o: HostileOptions, letters: string, random: () => number, atMs: number): [string, string | null] {
  if (o.long === 'host') return connectionLines(i, hostName(i, o.length, letters, random), atMs);
  if (o.long === 'path') return connectionLines(i, `h${i}.example.com`, atMs, `/${hostName(i, o.length, letters, random)}`);
  const host = hostName(i, SHORT_UNSHARED, letters, random);
  return connectionLines(i, host, atMs, `/${hostName(i, Math.max(1, o.length - SHORT_UNSHARED), letters, random)}`);
}

async function put(out: WriteStream, text: string): Promise<void> {
  if (!out.write(`${text}\n`)) await once(out, 'drain');
}

/** Writes `sidecar.log` and `gateway.log` into `dir`; returns their paths. */
export async function writeHostile(dir: string, o: HostileOptions): Promise<{ sidecar: string; gateway: string }> {
  mkdirSync(dir, { recursive: true });
  const random = seeded(o.seed);
  const letters = pool(random, 1 << 16);
  const paths = { sidecar: join(dir, 'sidecar.log'), gateway: join(dir, 'gateway.log') };
  const sidecar = createWriteStream(paths.sidecar);
  const gateway = createWriteStream(paths.gateway);
  const start = Date.UTC(2026, 10, 2, 9);
  const gap = o.gapMs ?? 10;
  for (let i = 0; i < o.hosts; i++) {
    const [s, g] = linesOf(i, o, letters, random, start + i * gap);
    await put(sidecar, s);
    if (g !== null) await put(gateway, g);
  }
  sidecar.end();
  gateway.end();
  await Promise.all([once(sidecar, 'finish'), once(gateway, 'finish')]);
  return paths;
}

/** Hosts in the bench's row: enough that any memo keeping them (4,000 x 60 KB: 240 MB) would stand out. */
export const BENCH_HOSTS = 4000;

/**
 * The bench's row (bench/run.ts): `audit -o json` of BENCH_HOSTS connections of 60,000-character hosts, written into
 * `dir` (fixed seed). The peak RSS is the join window's held entries, the report tables' character budgets and the
 * collector's headroom, none of it growing with the count of hosts.
 */
export async function benchHostile(bin: string, dir: string): Promise<{ lines: number; m: Measured }> {
  const paths = await writeHostile(dir, { hosts: BENCH_HOSTS, length: 60_000, seed: 1, long: 'host' });
  // Half the connections are joined through the gateway: a sidecar line each, a gateway line for every other one.
  return { lines: BENCH_HOSTS + BENCH_HOSTS / 2, m: measure(`${bin} audit -o json --fail-on none ${paths.sidecar} ${paths.gateway}`) };
}

function flag(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive whole number, not ${args[at + 1] ?? 'nothing'}`);
  return value;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const dir = at >= 0 ? args[at + 1] : undefined;
  if (dir === undefined) {
    process.stderr.write('usage: hostile-names --out DIR [--hosts N] [--length CHARS] [--seed N] [--long host|path|both] [--gap MS]\n');
    process.exit(2);
  }
  const long = args.includes('--long') ? args[args.indexOf('--long') + 1] : 'host';
  if (long !== 'host' && long !== 'path' && long !== 'both') {
    process.stderr.write(`hostile-names: --long is host, path or both, not ${long ?? 'nothing'}\n`);
    process.exit(2);
  }
  const paths = await writeHostile(dir, { hosts: flag(args, '--hosts', 12_000), length: flag(args, '--length', 60_000), seed: flag(args, '--seed', 1), long, gapMs: flag(args, '--gap', 10) });
  process.stdout.write(`${paths.sidecar}\n${paths.gateway}\n`);
}
