#!/usr/bin/env node
// Exec credential plugin for the fake API server (client.authentication.k8s.io/v1 ExecCredential).
// argv: <stateDir> [expirySeconds]. Reads the current token from <stateDir>/token, appends one JSON line per
// run to <stateDir>/runs.log (whether KUBERNETES_EXEC_INFO was set; never the token), prints the credential.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [stateDir, expiry] = process.argv.slice(2);
if (!stateDir) {
  process.stderr.write('usage: exec-credential-plugin.mjs <stateDir> [expirySeconds]\n');
  process.exit(2);
}
const token = readFileSync(join(stateDir, 'token'), 'utf8').trim();
appendFileSync(join(stateDir, 'runs.log'), `${JSON.stringify({ execInfo: Boolean(process.env.KUBERNETES_EXEC_INFO) })}\n`);
const status = { token };
if (expiry) status.expirationTimestamp = new Date(Date.now() + Number(expiry) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }));
