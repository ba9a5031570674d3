// `watch --max-streams N` when it binds (fake API server): the closing line counted every container queued as watched
// (`watched 4 containers` with 1 followed), and coverage listed those never followed as `unknown (no-records)`, and
// no-records as having logged nothing while followed, as if followed and quiet. They are said apart: the closing line counts the report's rows, and each never-followed row keeps
// its role, marked `incomplete: unfollowed`.
import { describe, expect } from 'vitest';
import { reportValidator } from '../report/validate.js';
import { clusterIt, startWatch } from './helpers.js';

interface StreamRow {
  name: string;
  role: string;
  roleRule: string;
  records: number;
  incomplete?: string;
}

describe('watch: containers --max-streams left unfollowed (fake API server)', () => {
  clusterIt('says how many were followed and how many never were, and reports those with their role, as unfollowed', async ({ api, kubeconfig }) => {
    api.addPod({ namespace: 'cap-gw', name: 'egw-1', labels: { istio: 'egressgateway' }, containers: ['istio-proxy'] });
    for (const n of [1, 2, 3]) api.addPod({ namespace: 'cap', name: `cart-${n}`, containers: ['app', 'istio-proxy'] });
    const run = startWatch(['-n', 'cap', '--gateway-namespace', 'cap-gw', '-o', 'json', '--max-streams', '1', '--fail-on', 'none'], { KUBECONFIG: kubeconfig });
    await run.waitForStderr((t) => t.includes('--max-streams 1 reached'));
    await api.waitForStreams({ kind: 'log', namespace: 'cap-gw', pod: 'egw-1' });
    run.interrupt();
    const { stdout, stderr } = await run.exited;

    expect(stderr).toMatch(/^egress-audit: watched 1 container \(3 more never followed: streams-unfollowed\) for \d+s \(context /m);
    const report = JSON.parse(stdout) as { coverage: { streams: StreamRow[]; warnings: { code: string; message: string }[] } };
    expect(reportValidator()(report)).toBe(true);
    const rows = new Map(report.coverage.streams.map((r) => [r.name, r]));
    expect(rows.get('pod/cap-gw/egw-1/istio-proxy')).not.toHaveProperty('incomplete');
    for (const n of [1, 2, 3]) {
      expect(rows.get(`pod/cap/cart-${n}/istio-proxy`)).toMatchObject({ role: 'sidecar', roleRule: 'pod-scope', records: 0, incomplete: 'unfollowed' });
    }
    expect(rows.size).toBe(4);
    // Nothing was read: no-records says by input why, and those never followed did not log nothing while followed.
    const noRecords = report.coverage.warnings.find((w) => w.code === 'no-records')?.message;
    expect(noRecords).toMatch(/By input: pod\/cap-gw\/egw-1\/istio-proxy \(logged nothing while it was followed\); pod\/cap\/cart-1\/istio-proxy; pod\/cap\/cart-2\/istio-proxy; pod\/cap\/cart-3\/istio-proxy \(never followed: streams-unfollowed says why\)\.$/);
  });
});
