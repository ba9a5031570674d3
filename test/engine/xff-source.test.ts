/**
 * A sidecar's outbound listener does not use the peer's socket as the downstream remote address when
 * the app forwards an X-Forwarded-For header: Envoy takes the address from the header and prints it
 * with port 0 (corpus lines 96, 98, 99: `forum` forwards the caller's `172.17.0.1` and its entry reads
 * `172.17.0.1:0`). That address is the app's own caller, never the pod that sent the flow.
 */
import { describe, expect, it } from 'vitest';
import { offlineContext } from '../../src/engine/index.js';
import type { EngineContext, PodIdentity } from '../../src/types.js';
import { entry, http, run, settings } from './helpers.js';

const T0 = '2023-01-07T11:27:42.589Z';

/** Corpus line 99 (forum calling jsonplaceholder direct), with the XFF client varied. */
function forumDirect(client: string, port: number) {
  return entry(http({
    start_time: T0, response_code: 200, x_forwarded_for: client, user_agent: 'Go-http-client/1.1',
    request_id: '8a5b592f-3ea5-98d8-881d-09ace845b08d', authority: 'jsonplaceholder.typicode.com',
    upstream_host: '104.21.55.162:80', upstream_cluster: 'outbound|80||jsonplaceholder.typicode.com',
    upstream_local_address: `172.17.0.7:${port}`, downstream_local_address: '104.21.55.162:80',
    downstream_remote_address: `${client}:0`, route_name: 'default',
  }));
}

describe('the source of an outbound entry whose downstream address came from X-Forwarded-For', () => {
  it('is the pod that dialled out (its upstream local address), not the client the app forwarded', () => {
    const [f] = run([forumDirect('172.17.0.1', 58764)]);
    expect(f?.verdict).toBe('direct');
    expect(f?.source).toMatchObject({ workload: '172.17.0.7', address: '172.17.0.7:58764' });
  });

  it('names one caller whatever end users the app forwards for, so one finding and one fingerprint', () => {
    const flows = run([forumDirect('203.0.113.77', 58764), forumDirect('198.51.100.23', 58770)]);
    expect(new Set(flows.map((f) => f.source.workload))).toEqual(new Set(['172.17.0.7']));
    expect(flows[0]?.reason).toContain('172.17.0.7');
  });

  it('asks the live context for the pod with the sending IP, not for the forwarded client', () => {
    const forum: PodIdentity = { name: 'forum-6f9c8d7b5-x2k4p', namespace: 'istioinaction', workload: 'forum' };
    const frontend: PodIdentity = { name: 'frontend-7d4b9c-abcde', namespace: 'web', workload: 'frontend' };
    const base = offlineContext(settings(), []);
    const pods = new Map([['172.17.0.7', forum], ['10.244.1.5', frontend]]);
    const ctx: EngineContext = { ...base, podByIp: (ip) => pods.get(ip) };
    const [f] = run([forumDirect('10.244.1.5', 58764)], settings(), [], ctx);
    expect(f?.source).toMatchObject({ workload: 'forum', namespace: 'istioinaction', pod: forum.name });
  });

  it('is unknown when the entry shows no socket of its own (a local reply), rather than the forwarded client', () => {
    const e = entry(http({
      start_time: T0, response_code: 502, response_code_details: 'direct_response', route_name: 'block_all',
      authority: 'pastebin.com', downstream_local_address: '104.20.208.21:80', downstream_remote_address: '203.0.113.77:0',
    }));
    const [f] = run([e]);
    expect(f?.verdict).toBe('blocked');
    expect(f?.source.workload).toBe('unknown');
  });

  it('keeps a real socket as it is (port 0 is what marks an address taken from the header)', () => {
    const e = forumDirect('172.17.0.1', 58764);
    const [f] = run([{ ...e, record: { ...e.record, downstream_remote_address: '172.17.0.7:40312' } }]);
    expect(f?.source).toMatchObject({ workload: '172.17.0.7', address: '172.17.0.7:40312' });
  });
});
