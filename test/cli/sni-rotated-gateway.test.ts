/**
 * An SNI gateway's two lines per connection (FORMATS.md section 6) split across two files of one
 * gateway, as a rotated log (`egressgateway.log.1`, `egressgateway.log`) or two `kubectl logs --prefix`
 * saves of one pod: the audit gives the flows, verdicts and exit code of the whole log, whichever
 * file holds which line and in whatever order the files are named.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const CORPUS = fileURLToPath(new URL('../../fixtures/scenarios/corpus-sni-two-line-gateway/', import.meta.url));
/** Corpus lines 76-79: inner en.wikipedia.org, outer, inner de.wikipedia.org, outer. */
const gatewayLines = readFileSync(join(CORPUS, 'egress-gateway.log'), 'utf8').trimEnd().split('\n');
const sidecarLog = join(CORPUS, 'sidecar.log');

/** Writes the gateway lines at `rotated` (indexes) to `egressgateway.log.1`, the rest to `egressgateway.log`, in a fresh folder. */
function rotatedLog(rotated: readonly number[], prefix = ''): string {
  const dir = join(tempDir('sni-rot-'), 'gateway');
  mkdirSync(dir);
  const text = (keep: (k: number) => boolean): string => gatewayLines.filter((_, k) => keep(k)).map((l) => `${prefix}${l}\n`).join('');
  writeFileSync(join(dir, 'egressgateway.log.1'), text((k) => rotated.includes(k)));
  writeFileSync(join(dir, 'egressgateway.log'), text((k) => !rotated.includes(k)));
  return dir;
}

/** The audit's flows, each as its verdict, destination and how many gateway lines it holds, and its exit code. */
async function audit(inputs: string[]): Promise<{ code: number | null; flows: string[] }> {
  const res = await runCli(['audit', ...inputs, '-o', 'ndjson', '--fail-on', 'direct,gateway-only']);
  expect(res.stderr).not.toContain('internal error');
  const flows = ndjson(res.stdout)
    .filter((f) => f['type'] === 'flow')
    .map((f) => {
      const destination = f['destination'] as { key: string };
      const gatewayLinesHeld = (f['gateway'] ? 1 : 0) + (f['related'] as unknown[]).length;
      return `${f['verdict'] as string} ${destination.key} (${gatewayLinesHeld} gateway lines)`;
    })
    .sort();
  return { code: res.code, flows };
}

const JOINED = ['via-gateway de.wikipedia.org:443 (2 gateway lines)', 'via-gateway en.wikipedia.org:443 (2 gateway lines)'];
const ALONE = ['gateway-only de.wikipedia.org:443 (2 gateway lines)', 'gateway-only en.wikipedia.org:443 (2 gateway lines)'];

describe('an SNI gateway log rotated between the two lines of a connection', () => {
  it.each([
    ['the first inner line in the rotated file', [0]],
    ['the outer lines in the rotated file', [1, 3]],
    ['the inner lines in the rotated file', [0, 2]],
    ['the first outer line in the rotated file', [1]],
  ])('gives the whole log\'s flows and passes (%s)', async (_name, rotated) => {
    const dir = rotatedLog(rotated);
    expect(await audit(['--sidecar', sidecarLog, '--gateway', dir])).toEqual({ code: 0, flows: JOINED });
    // The files named one by one, in either order.
    const files = [join(dir, 'egressgateway.log'), join(dir, 'egressgateway.log.1')];
    expect(await audit(['--sidecar', sidecarLog, '--gateway', files[1] as string, '--gateway', files[0] as string])).toEqual({ code: 0, flows: JOINED });
    // Without the sidecar log, each connection is one gateway-only flow, its two lines linked by their start.
    expect(await audit(['--gateway', dir])).toEqual({ code: 1, flows: ALONE });
  });

  it('links the lines of one pod saved in two `kubectl logs --prefix` files', async () => {
    const dir = rotatedLog([0, 2], '[pod/egressgateway-7d9f-x2k4/istio-proxy] ');
    expect(await audit(['--sidecar', sidecarLog, '--gateway', dir])).toEqual({ code: 0, flows: JOINED });
  });
});

describe('one SNI gateway pod saved two ways', () => {
  it('links a kubelet file (naming the namespace) with a `kubectl logs --prefix` save of the same pod (naming none)', async () => {
    // Both named the pod, only one its namespace: they were taken for two pods, and the line alone was gateway-only.
    const root = tempDir('sni-ns-');
    const kubelet = join(root, 'pods', 'istio-egress_egressgateway-5d8f7-abcde_0b7c6f0e-1111-2222-3333-444455556666', 'istio-proxy');
    mkdirSync(kubelet, { recursive: true });
    writeFileSync(join(kubelet, '0.log'), gatewayLines.slice(0, 3).map((l) => `2022-10-20T11:00:00.000000000Z stdout F ${l}\n`).join(''));
    const prefixed = join(root, 'gw-prefix.log');
    writeFileSync(prefixed, `[pod/egressgateway-5d8f7-abcde/istio-proxy] ${gatewayLines[3] as string}\n`);
    expect(await audit(['--sidecar', sidecarLog, join(root, 'pods'), prefixed])).toEqual({ code: 0, flows: JOINED });
  });

  it('audits an inner line held by two overlapping saves once: its copy is no second, unlinked connection', async () => {
    // An inner line names no client port (its client is envoy://…), so its copy was audited again: a gateway-only flow.
    const dir = tempDir('sni-overlap-');
    writeFileSync(join(dir, 'egressgateway-1000.log'), gatewayLines.slice(0, 2).map((l) => `${l}\n`).join(''));
    writeFileSync(join(dir, 'egressgateway-1100.log'), gatewayLines.map((l) => `${l}\n`).join(''));
    expect(await audit(['--sidecar', sidecarLog, '--gateway', join(dir, 'egressgateway-1000.log'), '--gateway', join(dir, 'egressgateway-1100.log')])).toEqual({ code: 0, flows: JOINED });
  });
});
