// `egress-audit watch` never lets control characters from the cluster or the kubeconfig reach the
// terminal raw: every name it prints on stderr is escaped (ESC becomes `\e`), whatever its origin.
import { describe, expect, it } from 'vitest';
import { fakeClusterPerFile, startWatch, tempDir } from './helpers.js';

const fake = fakeClusterPerFile();

describe('watch: control characters are escaped on stderr (fake API server)', () => {
  it('escapes a kubeconfig context name in the closing summary line', async () => {
    const kubeconfig = fake.api.writeKubeconfig(tempDir(), { context: 'prod\u001b]0;pwned\u0007\u001b[2J' });
    fake.api.addPod({ namespace: 'esc-ctx', name: 'cart-1', ip: '10.108.9.1', containers: ['app', 'istio-proxy'] });
    const out = await startWatch(['-n', 'esc-ctx', '--gateway-namespace', 'esc-ctx-gw', '-o', 'json', '--duration', '1s'], { KUBECONFIG: kubeconfig }).exited;
    expect(out.stderr).toContain('(context prod\\e]0;pwned\\x07\\e[2J)');
    expect(out.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(out.code).toBe(4);
  });
});
