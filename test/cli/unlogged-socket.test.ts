// A line that nothing can join: "never connected" only on evidence of that; an answered connection in a format
// that leaves out %UPSTREAM_LOCAL_ADDRESS% (or, at the gateway, %DOWNSTREAM_REMOTE_ADDRESS%) says so, and how to log it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogueFix, socketNotLoggedFix } from '../../src/engine/rule-catalogue.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** Istio's default layout without %UPSTREAM_LOCAL_ADDRESS%, %DOWNSTREAM_LOCAL_ADDRESS% and the request fields. */
const FORMAT = '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%';
const GW = 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local';

async function flow(line: string, ...flags: string[]): Promise<Record<string, unknown>> {
  return gatewayOrSidecar('--sidecar', line, ...flags);
}

/** The one flow of an audit of `line` in `role`, with the report's join-fields-not-logged warning (null when none). */
async function gatewayOrSidecar(role: '--sidecar' | '--gateway' | '--ingress', line: string, ...flags: string[]): Promise<Record<string, unknown> & { warning: string | null }> {
  const file = join(tempDir('ea-socket-'), 'proxy.log');
  writeFileSync(file, `${line}\n`);
  const res = await runCli(['audit', role, file, '-o', 'ndjson', '--fail-on', 'none', ...flags]);
  expect(res.code, res.stderr).toBe(0);
  const [first, report] = ndjson(res.stdout) as [Record<string, unknown>, { coverage: { warnings: { code: string; message: string }[] } }];
  const warning = report.coverage.warnings.find((w) => w.code === 'join-fields-not-logged')?.message ?? null;
  return { ...first, warning };
}

describe('an entry nothing can join', () => {
  it('says the socket was not logged, and how to log it, when the gateway answered in a format without it', async () => {
    const f = await flow(`[2026-11-02T09:00:00.000Z] "- - -" 0 - 1769 79045 12 "10.244.9.11:8443" ${GW} 10.244.1.20:58304 hooks.slack.com`, '--format', FORMAT);
    expect([f['verdict'], f['rule']]).toEqual(['via-gateway-unconfirmed', 'via-gateway-unconfirmed/socket-not-logged']);
    expect(f['reason']).toContain('names neither the socket it used (upstream_local_address) nor a request id');
    expect(f['remediation']).toContain('Add %UPSTREAM_LOCAL_ADDRESS% to the sidecars');
    expect(f['remediation']).toBe(socketNotLoggedFix('format', 'sidecar')); // not the old-proxy cause as well: the line's layout has no socket field
    expect(f.warning).toBe(`1 answered gateway-bound sidecar entry naming no socket (%UPSTREAM_LOCAL_ADDRESS%, left out of the access-log format) and no request id: it cannot be joined and stays via-gateway-unconfirmed. ${socketNotLoggedFix('format')}`);
    expect(f.warning).toContain("Add %UPSTREAM_LOCAL_ADDRESS% to the sidecars' (or the ingress gateway's, for its entries) access-log format");
  });

  it("names the ingress gateway's format, not the sidecars', for an ingress gateway's entry sent to the egress gateway", async () => {
    const line = `[2026-11-02T09:00:00.000Z] "- - -" 0 - 1769 79045 12 "10.244.9.11:8443" ${GW} 10.244.1.20:58304 hooks.slack.com`;
    const f = await gatewayOrSidecar('--ingress', line, '--format', FORMAT);
    expect([f['verdict'], f['rule']]).toEqual(['via-gateway-unconfirmed', 'via-gateway-unconfirmed/socket-not-logged']);
    expect(f['remediation']).toBe(socketNotLoggedFix('format', 'ingress-gateway'));
    expect(f['remediation']).toContain("Add %UPSTREAM_LOCAL_ADDRESS% to the ingress gateway's access-log format");
    expect(f['remediation']).not.toContain('sidecars');
  });

  it('asks for a request id, not for the socket field, for an answered HTTP line of a proxy before Istio 1.8 with `-` there', async () => {
    const f = await flow(`[2026-11-02T09:00:00.000Z] "GET /hooks HTTP/1.1" 200 - "-" "-" 0 171 5 4 "-" "curl/8.5.0" "-" "hooks.slack.com" "10.244.9.11:8443" ${GW} - 93.184.216.34:443 10.244.1.20:58304 hooks.slack.com -`, '--format', 'istio-1.3');
    expect([f['verdict'], f['rule']]).toEqual(['via-gateway-unconfirmed', 'via-gateway-unconfirmed/socket-not-logged']);
    expect(f.warning).toBe(`1 answered gateway-bound sidecar HTTP entry with \`-\` for the socket (%UPSTREAM_LOCAL_ADDRESS%, as Istio proxies before 1.8 print it for every HTTP request) and no request id: it cannot be joined and stays via-gateway-unconfirmed. ${socketNotLoggedFix('old-proxy-http')}`);
    expect(f.warning).not.toContain('Add %UPSTREAM_LOCAL_ADDRESS%');
    // The flow's own fix says the same as the warning: its layout has the field, so asking for it would be wrong.
    expect(f['remediation']).toBe(socketNotLoggedFix('old-proxy-http', 'sidecar'));
  });

  it('says the caller was not logged, and how to log it, for a gateway line in a format without its peer', async () => {
    const gatewayFormat = '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %REQUESTED_SERVER_NAME%';
    const f = await gatewayOrSidecar('--gateway', '[2026-11-02T09:00:00.001Z] "- - -" 0 - 1769 79045 9 "34.226.36.50:443" outbound|443||hooks.slack.com hooks.slack.com', '--format', gatewayFormat);
    expect([f['verdict'], f['rule']]).toEqual(['gateway-only', 'gateway-only/peer-not-logged']);
    expect(f['reason']).toContain("names neither its caller's socket (downstream_remote_address) nor a request id");
    expect(f['remediation']).toContain("Add %DOWNSTREAM_REMOTE_ADDRESS% to the egress gateway's access-log format");
    expect(f.warning).toBe(`1 egress gateway entry naming no caller (%DOWNSTREAM_REMOTE_ADDRESS%, left out of the access-log format) and no request id: it cannot be joined and stays gateway-only. ${catalogueFix('gateway-only/peer-not-logged')}`);
  });

  it('does not blame clock skew for sidecar entries left over when the gateway\'s entries name no caller', async () => {
    const dir = tempDir('ea-socket-');
    writeFileSync(join(dir, 'sidecar.log'), `[2026-11-02T09:00:00.000Z] "- - -" 0 - - - "-" 1769 79045 12 - "-" "-" "-" "-" "10.244.9.11:8443" ${GW} 10.244.1.20:59041 93.184.216.34:443 10.244.1.20:58304 hooks.slack.com -\n`);
    // Istio's JSON format without downstream_remote_address.
    writeFileSync(join(dir, 'gateway.log'), `${JSON.stringify({ start_time: '2026-11-02T09:00:00.001Z', response_code: 0, response_flags: '-', bytes_received: 1769, bytes_sent: 79045, duration: 9, upstream_host: '34.226.36.50:443', upstream_cluster: 'outbound|443||hooks.slack.com', upstream_local_address: '10.244.9.11:36706', downstream_local_address: '10.244.9.11:8443', requested_server_name: 'hooks.slack.com' })}\n`);
    const res = await runCli(['audit', '--sidecar', join(dir, 'sidecar.log'), '--gateway', join(dir, 'gateway.log'), '-o', 'json', '--fail-on', 'none']);
    expect(res.code, res.stderr).toBe(0);
    const warnings = (JSON.parse(res.stdout) as { coverage: { warnings: { code: string; message: string }[] } }).coverage.warnings;
    expect(warnings.find((w) => w.code === 'join-fields-not-logged')?.message).toMatch(/^1 egress gateway entry naming no caller/);
    // The gateway entry never waited for a partner (nothing could join it), so it is not unmatched: only the sidecar's is.
    const report = JSON.parse(res.stdout) as { coverage: { unmatchedSidecar: number; unmatchedGateway: number } };
    expect([report.coverage.unmatchedSidecar, report.coverage.unmatchedGateway]).toEqual([1, 0]);
    const unmatched = warnings.find((w) => w.code === 'unmatched-entries')?.message;
    expect(unmatched).toContain('1 gateway-bound sidecar entry found no gateway entry and 0 gateway entries found no sidecar entry');
    expect(unmatched).not.toContain('raise --window');
  });

  it('says the gateway logged the X-Forwarded-For client, and how to join anyway, for a gateway line with port 0 and no request id', async () => {
    const f = await gatewayOrSidecar('--gateway', '[2026-11-02T09:00:00.001Z] "POST /services/T0 HTTP/1.1" 200 - via_upstream - "-" 1769 2 9 8 "203.0.113.77,10.244.1.20" "curl/8.5.0" "-" "hooks.slack.com" "34.226.36.50:443" outbound|443||hooks.slack.com 10.244.9.11:36706 10.244.9.11:8443 203.0.113.77:0 hooks.slack.com -');
    expect([f['verdict'], f['rule']]).toEqual(['gateway-only', 'gateway-only/peer-from-xff']);
    expect(f['reason']).toContain('names the X-Forwarded-For client (port 0) as its caller');
    expect(f['remediation']).toContain('Log %REQ(X-REQUEST-ID)% at both hops');
    expect(f.warning).toBe(
      `1 egress gateway entry naming the X-Forwarded-For client (port 0) instead of the caller's socket (%DOWNSTREAM_REMOTE_ADDRESS%) and no request id: it cannot be joined and stays gateway-only. ${catalogueFix('gateway-only/peer-from-xff')}`,
    );
    expect(f.warning).toContain('Log %REQ(X-REQUEST-ID)% at both hops');
  });

  it('counts a gateway line whose caller is no IP socket among the entries no key could join', async () => {
    const f = await gatewayOrSidecar('--gateway', '[2026-11-02T09:00:00.001Z] "- - -" 0 - - - "-" 1769 79045 9 - "-" "-" "-" "-" "34.226.36.50:443" outbound|443||hooks.slack.com 10.244.9.11:36706 10.244.9.11:8443 /var/run/egress/gateway.sock hooks.slack.com -');
    expect([f['verdict'], f['rule']]).toEqual(['gateway-only', 'gateway-only/no-sidecar-entry']);
    expect(f.warning).toMatch(/^1 egress gateway entry naming a caller that is no IP socket \(%DOWNSTREAM_REMOTE_ADDRESS%/);
  });

  it('keeps a gateway line whose caller was logged, but no sidecar line joins, as no-sidecar-entry', async () => {
    const f = await gatewayOrSidecar('--gateway', '[2026-11-02T09:00:00.001Z] "- - -" 0 - - - "-" 1769 79045 9 - "-" "-" "-" "-" "34.226.36.50:443" outbound|443||hooks.slack.com 10.244.9.11:36706 10.244.9.11:8443 10.244.1.20:59041 hooks.slack.com -');
    expect([f['verdict'], f['rule']]).toEqual(['gateway-only', 'gateway-only/no-sidecar-entry']);
    expect(f.warning).toBeNull();
  });

  // Istio's JSON format always has upstream_local_address: null there is the proxy's "no socket", as `-` in its text layouts
  // (a route timeout while the connection to the gateway was still being made: 504 UT, "upstream request timeout").
  const jsonLine = (socket: Record<string, unknown>) =>
    JSON.stringify({ start_time: '2026-11-02T09:00:00.000Z', method: 'POST', path: '/hooks', protocol: 'HTTP/1.1', response_code: 504, response_flags: 'UT', bytes_received: 12, bytes_sent: 24, duration: 15000, request_id: null, upstream_host: '10.244.9.11:8443', upstream_cluster: `${GW};`, ...socket, downstream_local_address: '93.184.216.34:443', downstream_remote_address: '10.244.1.20:58304', requested_server_name: null });

  it('says it never connected when an Istio JSON line has null for its socket (the key is always there)', async () => {
    const f = await flow(jsonLine({ upstream_local_address: null }));
    expect([f['verdict'], f['rule']]).toEqual(['via-gateway-unconfirmed', 'via-gateway-unconfirmed/no-connection']);
    expect(f.warning).toBeNull();
  });

  it('says the socket was not logged when a JSON line has no upstream_local_address key at all', async () => {
    const f = await flow(jsonLine({}));
    expect([f['verdict'], f['rule']]).toEqual(['via-gateway-unconfirmed', 'via-gateway-unconfirmed/socket-not-logged']);
    expect(f.warning).toMatch(/^1 answered gateway-bound sidecar entry naming no socket \(%UPSTREAM_LOCAL_ADDRESS%, left out of the access-log format\)/);
  });

  it('says it never connected when Envoy logged the failure (UF, no socket), in Istio\'s own format', async () => {
    const f = await flow(`[2026-11-02T09:00:00.000Z] "- - -" 0 UF - - "-" 0 0 3 - "-" "-" "-" "-" "10.244.9.11:8443" ${GW} - 93.184.216.34:443 10.244.1.20:58304 hooks.slack.com -`);
    expect([f['verdict'], f['rule']]).toEqual(['via-gateway-unconfirmed', 'via-gateway-unconfirmed/no-connection']);
    expect(f['reason']).toContain('never connected to it (flags UF)');
    expect(f.warning).toBeNull();
  });

  // A --format that has %UPSTREAM_LOCAL_ADDRESS% and printed `-` for it: Envoy had no socket, the format did not leave it out.
  const WITH_SOCKET = FORMAT.replace('%UPSTREAM_CLUSTER% ', '%UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% ');
  const timedOut = (socket: string) => `[2026-11-02T09:00:00.000Z] "POST /hooks HTTP/1.1" 504 UT 12 24 15000 "10.244.9.11:8443" ${GW} ${socket}10.244.1.20:58304 hooks.slack.com`;

  it('says it never connected when a custom text format has %UPSTREAM_LOCAL_ADDRESS% and the line printed `-` for it', async () => {
    const f = await flow(timedOut('- '), '--format', WITH_SOCKET);
    expect([f['verdict'], f['rule']]).toEqual(['via-gateway-unconfirmed', 'via-gateway-unconfirmed/no-connection']);
    expect(f.warning).toBeNull();
  });

  it('still says the socket was not logged when the custom text format leaves %UPSTREAM_LOCAL_ADDRESS% out', async () => {
    const f = await flow(timedOut(''), '--format', FORMAT);
    expect([f['verdict'], f['rule']]).toEqual(['via-gateway-unconfirmed', 'via-gateway-unconfirmed/socket-not-logged']);
    expect(f.warning).toMatch(/^1 answered gateway-bound sidecar entry naming no socket \(%UPSTREAM_LOCAL_ADDRESS%, left out of the access-log format\)/);
  });

  it('tells the two apart in a JSON-shaped custom format too: its key printed null, or no such key in the format', async () => {
    const shape = { ts: '%START_TIME%', code: '%RESPONSE_CODE%', flags: '%RESPONSE_FLAGS%', sent: '%BYTES_SENT%', host: '%UPSTREAM_HOST%', cluster: '%UPSTREAM_CLUSTER%', peer: '%DOWNSTREAM_REMOTE_ADDRESS%', method: '%REQ(:METHOD)%', protocol: '%PROTOCOL%' };
    const line = { ts: '2026-11-02T09:00:00.000Z', code: 504, flags: 'UT', sent: 24, host: '10.244.9.11:8443', cluster: GW, peer: '10.244.1.20:58304', method: 'POST', protocol: 'HTTP/1.1' };
    const withSocket = await flow(JSON.stringify({ ...line, local: null }), '--format', JSON.stringify({ ...shape, local: '%UPSTREAM_LOCAL_ADDRESS%' }));
    expect(withSocket['rule']).toBe('via-gateway-unconfirmed/no-connection');
    const without = await flow(JSON.stringify(line), '--format', JSON.stringify(shape));
    expect(without['rule']).toBe('via-gateway-unconfirmed/socket-not-logged');
  });

  it('says it never connected when a forced Istio layout (--format istio-1.9) printed `-` for the socket', async () => {
    const f = await flow(`[2026-11-02T09:00:00.000Z] "POST /hooks HTTP/1.1" 504 UT response_timeout - "-" 12 24 15000 - "-" "curl/8.5.0" "-" "hooks.slack.com" "10.244.9.11:8443" ${GW} - 93.184.216.34:443 10.244.1.20:58304 hooks.slack.com -`, '--format', 'istio-1.9');
    expect(f['rule']).toBe('via-gateway-unconfirmed/no-connection');
    expect(f.warning).toBeNull();
  });
});
