import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

const LINE = '[2022-02-19T09:31:17.146Z] 10.0.0.1:80 outbound|80||example.com\n';
const MESH = 'accessLogFile: /dev/stdout\naccessLogFormat: |\n  [%START_TIME%] %UPSTREAM_HOST% %UPSTREAM_CLUSTER%\n';

function withFiles(files: Record<string, string>): string {
  const dir = tempDir('ea-input-format-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('--format @FILE holding the istio ConfigMap, whose meshConfig is the text of data.mesh', () => {
  it('reads accessLogFormat from inside data.mesh (kubectl get cm istio -o yaml)', async () => {
    const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |-\n${MESH.replace(/^/gm, '    ')}\n`;
    const cwd = withFiles({ 'istio-cm.yaml': configMap, 'custom.log': LINE });
    // The old reader found no accessLogFormat key, took the whole ConfigMap as the format string, and
    // every line became a format mismatch.
    const res = await runCli(['parse', '--format', '@istio-cm.yaml', 'custom.log'], { cwd });
    expect(res.stderr).toContain('1 line read, 1 record');
    expect(res.code).toBe(0);
    expect(ndjson(res.stdout)[0]).toMatchObject({ upstream_host: '10.0.0.1:80', upstream_cluster: 'outbound|80||example.com', format: 'custom' });
  });

  it('reads a format file saved with a byte-order mark, UTF-8\'s or UTF-16 (Windows PowerShell 5.1), as the plain one', async () => {
    const format = '[%START_TIME%] %UPSTREAM_HOST% %UPSTREAM_CLUSTER%\r\n';
    const cwd = withFiles({ 'bom.txt': `\ufeff${format}`, 'custom.log': LINE });
    writeFileSync(join(cwd, 'utf16.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(format, 'utf16le')]));
    writeFileSync(join(cwd, 'mesh16.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(MESH, 'utf16le')]));
    for (const file of ['bom.txt', 'utf16.txt', 'mesh16.yaml']) {
      const res = await runCli(['parse', '--format', `@${file}`, 'custom.log'], { cwd });
      expect(res.stderr).toContain('1 line read, 1 record');
      expect(res.code).toBe(0);
    }
  });

  it('and from the same ConfigMap as JSON (-o json)', async () => {
    const cwd = withFiles({ 'istio-cm.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', data: { mesh: MESH } }), 'custom.log': LINE });
    const res = await runCli(['parse', '--format', '@istio-cm.json', 'custom.log'], { cwd });
    expect(res.stderr).toContain('1 line read, 1 record');
  });

  it('YAML naming accessLogFormat that cannot be read is a usage error, not the whole file taken as a format', async () => {
    const cwd = withFiles({ 'mesh.yaml': 'accessLogFormat: [%START_TIME%] %UPSTREAM_HOST%\n', 'custom.log': LINE });
    const res = await runCli(['parse', '--format', '@mesh.yaml', 'custom.log'], { cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--format @mesh.yaml: accessLogFormat found, but no format string could be read from it');
  });
});

describe('a custom --format that names neither %UPSTREAM_CLUSTER% nor %UPSTREAM_HOST%', () => {
  // Such a format reads every line as an entry that went nowhere: each was judged internal/local-reply and the
  // audit of direct traffic passed (exit 0).
  const direct = '[2024-01-27T10:39:54.925Z] "HEAD / HTTP/1.1" 301 - via_upstream - "-" 0 0 31 30 "-" "curl/8.5.0" "aa2f8365-4721-4094-a070-1de2a14c4f7f" "api.dropboxapi.com" "162.125.68.19:80" PassthroughCluster 10.42.0.7:36682 162.125.68.19:80 10.42.0.7:36676 - allow_any\n';

  it.each(['[%START_TIME%] %REQ(X-B3-TRACEID)%', '{"time":"%START_TIME%","id":"%REQ(X-REQUEST-ID)%"}'])('is a usage error for audit (exit 2) naming the flag: %s', async (format) => {
    const cwd = withFiles({ 'sidecar.log': direct });
    const res = await runCli(['audit', 'sidecar.log', '--format', format, '-o', 'json'], { cwd });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('egress-audit: --format: an audit needs %UPSTREAM_CLUSTER% or %UPSTREAM_HOST% in the format');
  });

  it('is a usage error for watch too, before any request to a cluster, and an earlier report goes as audit\'s does', async () => {
    const cwd = withFiles({ 'sidecar.log': direct });
    // An earlier run's report, told as one by its content (only such a file is removed).
    expect((await runCli(['audit', 'sidecar.log', '--report', 'json=r.json'], { cwd })).code).toBe(1);
    expect(existsSync(join(cwd, 'r.json'))).toBe(true);
    const res = await runCli(['watch', '-n', 'shop', '--format', '[%START_TIME%] %REQ(X-B3-TRACEID)%', '--report', 'json=r.json'], { cwd, env: { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('egress-audit: --format: an audit needs %UPSTREAM_CLUSTER% or %UPSTREAM_HOST% in the format');
    expect(existsSync(join(cwd, 'r.json'))).toBe(false);
  });

  it('is not a nested format dictionary naming them inside a nested object: its entries are judged', async () => {
    const format = '{"start_time":"%START_TIME%","upstream":{"cluster":"%UPSTREAM_CLUSTER%","host":"%UPSTREAM_HOST%"},"authority":"%REQ(:AUTHORITY)%"}';
    const line = '{"start_time":"2022-10-18T20:24:03.639Z","upstream":{"cluster":"PassthroughCluster","host":"104.20.28.24:80"},"authority":"pastebin.com"}\n';
    const res = await runCli(['audit', '--sidecar', 'sidecar.log', '--format', format, '-o', 'ndjson'], { cwd: withFiles({ 'sidecar.log': line }) });
    const flows = ndjson(res.stdout).filter((o) => o['type'] === 'flow');
    expect(flows.map((f) => [f['verdict'], (f['destination'] as { key: string }).key])).toEqual([['direct', 'pastebin.com']]);
    expect(res.code).toBe(1);
  });

  it('is read as it is by parse, and an audit format naming either one is taken', async () => {
    const cwd = withFiles({ 'sidecar.log': direct });
    expect((await runCli(['parse', 'sidecar.log', '--format', '[%START_TIME%] %REQ(X-B3-TRACEID)%'], { cwd })).code).toBe(0);
    const audit = await runCli(['audit', 'sidecar.log', '--format', '@format.txt', '-o', 'json'], { cwd: withFiles({ 'format.txt': '[%START_TIME%] %UPSTREAM_HOST% %UPSTREAM_CLUSTER%', 'sidecar.log': LINE }) });
    expect(audit.code).not.toBe(2);
  });
});

describe('--format with a %START_TIME(<layout>)% that is not read back', () => {
  it('says on stderr that its entries have no log time, naming the operator and why (it said nothing, and the audit had "log time none")', async () => {
    const cwd = withFiles({ 'custom.log': '2024 Q3 10.0.0.1:80 outbound|80||example.com\n' });
    const res = await runCli(['parse', '--format', '%START_TIME(%Y %Q)% %UPSTREAM_HOST% %UPSTREAM_CLUSTER%', 'custom.log'], { cwd });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('egress-audit: --format: %START_TIME(%Y %Q)% is kept under its name, not read as the start time: %Q is not a specifier it reads back; its entries have no log time');
    expect(ndjson(res.stdout)[0]).toMatchObject({ start_time: null, upstream_host: '10.0.0.1:80', extra: { 'START_TIME(%Y %Q)': '2024 Q3' } });
  });

  it('reads the 12-hour clock of %r into start_time, with no note', async () => {
    const cwd = withFiles({ 'custom.log': '05/01/24 01:00:03 PM 10.0.0.1:80 outbound|80||example.com\n' });
    const res = await runCli(['parse', '--format', '%START_TIME(%D %r)% %UPSTREAM_HOST% %UPSTREAM_CLUSTER%', 'custom.log'], { cwd });
    expect(res.code).toBe(0);
    expect(res.stderr).not.toContain('--format:');
    expect(ndjson(res.stdout)[0]).toMatchObject({ start_time: '2024-05-01T13:00:03.000Z', upstream_host: '10.0.0.1:80' });
  });
});
