// The docs' example commands, run as a new user would paste them, and the README's example output, compared with
// what that command prints: the README's sample run had kept an older fix text after the catalogue's changed.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const ROOT = new URL('../../', import.meta.url);
const README = readFileSync(new URL('README.md', ROOT), 'utf8');
const DOCS = [README, ...readdirSync(new URL('docs/', ROOT)).filter((f) => f.endsWith('.md')).map((f) => readFileSync(new URL(`docs/${f}`, ROOT), 'utf8'))];
const tempDir = tempFolders();
const SCENARIOS = new URL('fixtures/scenarios/', ROOT);

/** Every fenced block's lines, whatever its language (the baseline commands of docs/policy.md are in a plain one). */
function codeLines(text: string): string[] {
  return [...text.matchAll(/^ *```[a-z]*\n([\s\S]*?)^ *```/gmu)].flatMap((m) => m[1]!.split('\n'));
}

/** `egress-audit parse|audit ...` as a line of the docs gives it, without what it pipes to, redirects to, or says after `#`. */
function exampleCommands(): string[] {
  return DOCS.flatMap(codeLines)
    .filter((l) => /(^|[\s{;|])egress-audit (parse|audit) /u.test(l) && !l.trimStart().startsWith('$ ') && !l.includes('[FILE|'))
    .map((l) => l.slice(l.search(/egress-audit (parse|audit) /u)).split(/\s(?:\||#|>)\s/u)[0]!.trim());
}

/** A folder holding the files the examples name: saved logs, a policy, a custom-format log, a pod list. */
function workspace(): string {
  const dir = tempDir('ea-doc-examples-');
  const scenario = (name: string, file: string): URL => new URL(`${name}/${file}`, SCENARIOS);
  mkdirSync(join(dir, 'logs'));
  copyFileSync(scenario('seed-000-via-gateway-tcp', 'sidecar.log'), join(dir, 'logs', 'app-1.log'));
  copyFileSync(scenario('seed-001-direct-external-db', 'sidecar.log'), join(dir, 'logs', 'app-2.log'));
  copyFileSync(scenario('seed-000-via-gateway-tcp', 'egress-gateway.log'), join(dir, 'logs', 'egressgateway.log'));
  cpSync(join(dir, 'logs'), join(dir, 'saved-logs'), { recursive: true });
  mkdirSync(join(dir, 'exported-logs'));
  copyFileSync(scenario('direct-passthrough', 'sidecar.log'), join(dir, 'exported-logs', 'sidecar.log'));
  copyFileSync(scenario('direct-passthrough', 'sidecar.log'), join(dir, 'sidecar.log'));
  writeFileSync(join(dir, 'gateway.log.gz'), gzipSync(readFileSync(scenario('seed-000-via-gateway-tcp', 'egress-gateway.log'))));
  const custom = '[2024-01-01T00:00:00.000Z] 1.2.3.4:443 PassthroughCluster 4bf92f3577b34da6\n';
  writeFileSync(join(dir, 'custom.log'), custom);
  writeFileSync(join(dir, 'sleep.log'), readFileSync(scenario('seed-000-via-gateway-tcp', 'sidecar.log'), 'utf8') + custom);
  writeFileSync(join(dir, 'mesh-config.yaml'), 'accessLogFile: /dev/stdout\naccessLogFormat: "[%START_TIME%] %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %REQ(X-B3-TRACEID)%\\n"\n');
  const policy = [...README.matchAll(/```yaml\n(# egress-policy\.yaml\n[\s\S]*?)```/gu)][0]?.[1];
  expect(policy).toBeDefined();
  writeFileSync(join(dir, 'egress-policy.yaml'), policy!);
  const pod = { metadata: { name: 'cart-7c7db887d8-9dnd7', namespace: 'shop' }, spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] }, status: { phase: 'Running', podIP: '172.17.34.35', podIPs: [{ ip: '172.17.34.35' }] } };
  writeFileSync(join(dir, 'pods.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod] }));
  // `egress-audit` on the PATH, as `npm install --global .` puts it there.
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'egress-audit'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(dir, 'bin', 'egress-audit'), 0o755);
  return dir;
}

describe("the docs' example commands", () => {
  it('run as written on saved logs: none is a usage error, an unreadable input or a bug (exit 2, 3, 70)', () => {
    const commands = exampleCommands();
    expect(commands.length).toBeGreaterThan(10);
    const dir = workspace();
    // In the order the docs give them: docs/policy.md writes its baseline before it reads it.
    const outcomes = commands.map((command) => {
      const res = spawnSync('sh', ['-c', `${command} > /dev/null`], { cwd: dir, input: '', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}` } });
      return { command, code: res.status, stderr: res.stderr };
    });
    if (process.env['DOC_EXAMPLES_VERBOSE']) console.log(outcomes.map((o) => `${o.code} ${o.command}`).join('\n'));
    expect(outcomes.filter((o) => ![0, 1, 4].includes(o.code ?? -1))).toEqual([]);
  });
});

describe("the README's example audit", () => {
  // The block gives the command after `$ `, then its output; `  ...` stands for the lines it leaves out, and the
  // `read` line's times are those of the run.
  it('prints what the README shows', () => {
    const block = /```\n\$ (egress-audit audit [^\n]+)\n([\s\S]*?)```/u.exec(README);
    expect(block).not.toBeNull();
    const args = block![1]!.replace(/^egress-audit /u, '').split(' ');
    const res = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(res.status).toBe(1);
    const shown = block![2]!.trimEnd().split('\n');
    const printed = res.stdout.trimEnd().split('\n');
    const gap = shown.indexOf('  ...');
    expect(gap).toBeGreaterThan(0);
    const read = /^read \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \.\. \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/u;
    const same = (line: string): string => (read.test(line) ? 'read <times>' : line);
    expect(printed.slice(0, gap).map(same)).toEqual(shown.slice(0, gap).map(same));
    expect(printed.slice(printed.length - (shown.length - gap - 1))).toEqual(shown.slice(gap + 1));
  });
});

describe("the README's dashboard header example", () => {
  // The header's `failing:` example once quoted 56 direct findings where `npm start` (the demo with its policy) shows
  // 51: the README now names the command, and its counts are those of that command's report.
  it('gives the counts the command it names reports', () => {
    const example = /`egress-audit (audit [^`]+) --dashboard`\s+shows `failing: (\d+) \(blocked (\d+)\); (\d+) direct not failing`/u.exec(README);
    expect(example).not.toBeNull();
    const [, command, failing, blocked, direct] = example!;
    const res = spawnSync(process.execPath, [BIN, ...command!.split(' '), '-o', 'json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    expect(res.status).toBe(1);
    const summary = (JSON.parse(res.stdout) as { summary: { failing: number; failOn: string[]; leftOutOfFailOn: Record<string, number> } }).summary;
    expect([summary.failing, summary.failOn, summary.leftOutOfFailOn]).toEqual([Number(failing), ['blocked'], { direct: Number(direct) }]);
    expect(Number(blocked)).toBe(summary.failing);
  });
});
