// A false-pass hunt, through the real binary: a Host header (or :authority) is the client's word. Sent direct on a
// named cluster, the destination is the host Envoy dialled when the header names another; and its port is the one
// the app dialled, never a `:443` the header claims. fixtures/false-pass/host-header/README.md has the cases.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';

const DIR = fileURLToPath(new URL('../../fixtures/false-pass/host-header/', import.meta.url));

describe('a Host header that names somewhere else than the flow went', () => {
  it('names no destination and no port an exception could allow, so the audit fails', async () => {
    const res = await runCli(['audit', DIR, '--policy', `${DIR}policy.yaml`, '-o', 'ndjson']);
    const flows = ndjson(res.stdout).filter((o) => o['type'] === 'flow') as { destination: { key: string }; allowedBy: { id: string } | null; sidecar: { source: { file: string; line: number } } }[];
    const got = flows.map((f) => [`${f.sidecar.source.file.slice(DIR.length)}:${f.sidecar.source.line}`, f.destination.key, f.allowedBy?.id ?? null]);
    expect(got.sort()).toEqual([
      ['sidecar-json.log:1', 'evil.net:80', null],
      ['sidecar.log:1', 'evil.net:443', null],
      ['sidecar.log:2', 'api.partner.example:25', null],
      ['sidecar.log:3', 'www.googleapis.com:443', 'google-apis'],
      ['sidecar.log:4', 'legacy-api:8080', 'legacy-db'],
    ]);
    expect(res.code).toBe(1);
  });
});
