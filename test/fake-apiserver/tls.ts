/**
 * TLS material for the fake API server, generated with the `openssl` CLI (notes §5: "Go clients require a
 * SAN"; Node has no X.509 generator). Generated once per process (one vitest worker) into a temp dir that is
 * removed once the PEM is read; nothing long-lived is checked in.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM material: a CA:TRUE self-signed server cert (SAN IP:127.0.0.1, DNS:localhost) and a client cert it signed. */
export interface FakeTlsMaterial {
  caPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Identity baked into the client certificate: CN is the user, O the group (x509 authenticator). */
  clientUser: string;
  clientGroup: string;
}

const CLIENT_USER = 'fake-cert-user';
const CLIENT_GROUP = 'system:masters';
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

let cached: Promise<FakeTlsMaterial> | undefined;

/** Returns the per-process TLS material, running openssl on first use only (key generation is the slow part). */
export function fakeTlsMaterial(): Promise<FakeTlsMaterial> {
  cached ??= generate().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

// The folder goes as soon as the PEM is read, not at process exit: vitest ends its workers without running exit handlers.
async function generate(): Promise<FakeTlsMaterial> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-tls-'));
  try {
    return await generateIn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runs openssl in `dir` and reads back the PEM it wrote.
async function generateIn(dir: string): Promise<FakeTlsMaterial> {
  const p = (name: string): string => join(dir, name);
  await run('openssl', ['req', '-x509', ...EC, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2',
    '-subj', '/CN=fake-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext', 'basicConstraints=critical,CA:TRUE']);
  await run('openssl', ['req', '-new', ...EC, '-keyout', p('client.key'), '-out', p('client.csr'),
    '-subj', `/O=${CLIENT_GROUP}/CN=${CLIENT_USER}`]);
  writeFileSync(p('client.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  await run('openssl', ['x509', '-req', '-in', p('client.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'),
    '-set_serial', '2', '-days', '2', '-out', p('client.crt'), '-extfile', p('client.ext')]);
  const read = (name: string): string => readFileSync(p(name), 'utf8');
  return {
    caPem: read('ca.crt'),
    serverKeyPem: read('ca.key'),
    clientCertPem: read('client.crt'),
    clientKeyPem: read('client.key'),
    clientUser: CLIENT_USER,
    clientGroup: CLIENT_GROUP,
  };
}
