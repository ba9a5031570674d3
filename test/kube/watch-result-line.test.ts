// `watch -o json|sarif > report` (fake API server): the run's result line goes to stderr, last, as `audit`'s does under
// a machine format; before, a CI job's log showed the `watched ...` summary and an exit code with no reason.
import { describe, expect } from 'vitest';
import { clusterIt, parseNdjson, passthroughLine, startWatch } from './helpers.js';

/** Lines of stderr (its final newline checked) and how many are result lines. */
function stderrLines(stderr: string): { lines: string[]; results: number } {
  const lines = stderr.split('\n');
  expect(lines.pop()).toBe('');
  return { lines, results: lines.filter((l) => /^egress-audit: (PASS|FAIL|INCOMPLETE|NO EVIDENCE): /.test(l)).length };
}

describe('watch: the result line on stderr under a machine format (fake API server)', () => {
  clusterIt('-o sarif, nothing logged: stdout is SARIF, stderr ends with NO EVIDENCE (exit 4) after the summary', async ({ api, kubeconfig }) => {
    api.addPod({ namespace: 'shop', name: 'cart-1', ip: '10.108.0.56', containers: ['app', 'istio-proxy'] });
    const { code, stdout, stderr } = await startWatch(['-n', 'shop', '-o', 'sarif', '--duration', '1s'], { KUBECONFIG: kubeconfig }).exited;
    expect(code).toBe(4);
    expect((JSON.parse(stdout) as { version: string }).version).toBe('2.1.0');
    const { lines, results } = stderrLines(stderr);
    expect(lines.at(-1)).toBe('egress-audit: NO EVIDENCE: no access-log records were read, so nothing was audited (exit 4).');
    expect(lines.at(-2)).toMatch(/^egress-audit: watched 1 container for \d+s /);
    expect(results).toBe(1);
  });

  clusterIt('-o ndjson, a direct call: stdout is the flow and the report, stderr ends with FAIL (exit 1)', async ({ api, kubeconfig }) => {
    const pod = api.addPod({ namespace: 'shop', name: 'cart-1', ip: '10.108.0.56', containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'shop', '-o', 'ndjson', '--window', '1s'], { KUBECONFIG: kubeconfig });
    await api.waitForStreams({ kind: 'log', namespace: 'shop', pod: 'cart-1' });
    const at = new Date();
    pod.appendLog('istio-proxy', [passthroughLine(at)], at);
    await run.waitForStdout((t) => t.includes('"type":"flow"'));
    run.interrupt();
    const { code, stdout, stderr } = await run.exited;
    expect(code).toBe(1);
    expect(parseNdjson(stdout).report['summary']).toMatchObject({ exitCode: 1 });
    const { lines, results } = stderrLines(stderr);
    expect(lines.at(-1)).toBe('egress-audit: FAIL: 1 failing finding (direct 1) (exit 1).');
    expect(results).toBe(1);
  });
});
