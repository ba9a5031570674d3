// mixed-roles: an input holding a sidecar's log and its egress gateway's log, `cat`ed together, is
// flagged even when the gateway's entries show nothing but a refusal (no upstream to leave the mesh by).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const SCENARIO = new URL('../../fixtures/scenarios/blocked-at-gateway-rbac/', import.meta.url);
let dir = '';
let sidecar = '';
let gateway = '';

type Warning = { code: string; message: string };

function warnings(stdout: string): Warning[] {
  return (JSON.parse(stdout) as { coverage: { warnings: Warning[] } }).coverage.warnings;
}

beforeAll(() => {
  dir = tempDir('ea-roles-mixed-');
  sidecar = readFileSync(new URL('sidecar.log', SCENARIO), 'utf8');
  gateway = readFileSync(new URL('egress-gateway.log', SCENARIO), 'utf8');
});

describe('egress-audit audit: a gateway\'s refusals mixed into a sidecar\'s log', () => {
  it.each([
    ['sidecar first', () => sidecar + gateway, 2],
    ['gateway first', () => gateway + sidecar, 1],
  ])('flags the input as mixed-roles (%s), naming the gateway\'s line', async (name, content, line) => {
    const file = join(dir, `all-${name.replace(' ', '-')}.log`);
    writeFileSync(file, content());
    const res = await runCli(['audit', file, '-o', 'json']);
    const mixed = warnings(res.stdout).find((w) => w.code === 'mixed-roles');
    expect(mixed?.message).toContain(`(read as a sidecar; 1 of 2 entries read like an egress gateway's, e.g. line ${line}: it arrived on 10.244.2.7, the egress gateway address`);
    expect(res.code).toBe(1); // mixed-roles fails the run by default
  });

  it('does not flag a sidecar\'s own entries: its refusals arrive on the original destination, and an app dialling the gateway pod IP leaves by PassthroughCluster', async () => {
    const own = [
      sidecar.trimEnd(),
      '[2024-02-12T09:41:28.100Z] "- - -" 0 UH - - "-" 0 0 0 - "-" "-" "-" "-" "-" BlackHoleCluster - 45.9.148.3:3333 10.244.1.33:55415 - -',
      '[2024-02-12T09:41:28.200Z] "GET /x HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "-" "curl/8.5.0" "1b2c3d4e-0000-4000-8000-000000000001" "files.untrusted.example" "-" - - 240.240.0.9:80 10.244.1.33:38210 - -',
      '[2024-02-12T09:41:28.300Z] "- - -" 0 - - - "-" 10 20 1 - "-" "-" "-" "-" "10.244.2.7:15021" PassthroughCluster 10.244.1.33:40000 10.244.2.7:15021 10.244.1.33:39998 - -',
      '',
    ].join('\n');
    const file = join(dir, 'sidecar-only.log');
    writeFileSync(file, own);
    const res = await runCli(['audit', file, '-o', 'json', '--fail-on', 'none']);
    expect(res.code).toBe(0);
    expect(warnings(res.stdout).map((w) => w.code)).not.toContain('mixed-roles');
  });
});
