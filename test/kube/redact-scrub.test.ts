import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/sources/kube/redact.js';

describe('Redactor.scrub: credentials it never learnt', () => {
  const scrub = (text: string) => new Redactor().scrub(text);

  it('scrubs an Authorization value whatever the case of its scheme, keeping a sentence-ending dot', () => {
    expect(scrub('sent authorization: bearer eyJhbGciOiJSUzI1NiJ9.payload.sig.')).toBe('sent authorization: bearer [redacted].');
    expect(scrub('BASIC dXNlcjpwYXNzd29yZA== was refused')).toBe('BASIC [redacted] was refused');
  });

  it("scrubs a URL's password and secret-named query values, and keeps the rest of the URL", () => {
    expect(scrub('connect ECONNREFUSED https://admin:s3cretPass@10.0.0.1:6443/api/v1/pods?watch=true&token=abc123def')).toBe(
      'connect ECONNREFUSED https://admin:[redacted]@10.0.0.1:6443/api/v1/pods?watch=true&token=[redacted]',
    );
    // A password with an '@' in it: URL parsers take the last '@' of the authority (it left `@Pw` shown).
    expect(scrub('proxy https://u:s3cret@Pw@proxy.corp:3128/x failed')).toBe('proxy https://u:[redacted]@proxy.corp:3128/x failed');
    expect(scrub('proxy http://user:pw@proxy.corp:3128 failed')).toBe('proxy http://user:[redacted]@proxy.corp:3128 failed');
  });

  it('leaves text with no credential as it is', () => {
    const plain = 'GET https://10.0.0.1:6443/api/v1/namespaces/shop/pods/a/log?follow=true&container=istio-proxy: 404 (basic auth is off)';
    expect(scrub(plain)).toBe(plain);
    expect(scrub('Basic authentication is not configured; bearer tokens only')).toBe('Basic authentication is not configured; bearer tokens only');
  });
});

describe('Redactor.scrub: a hostile long line', () => {
  // A URL's scheme once had no length bound: every letter of a long run of letters, digits, dots and dashes (an API
  // server's message, a plugin's line) began a scan to the run's end, so 128 KiB took about a minute and this case
  // would outlast the test's timeout; read with the bound it takes milliseconds.
  it('is scrubbed whatever its length, and a URL at the end of such a run still loses its password', () => {
    const run = 'a1.b-'.repeat(26_215);
    const r = new Redactor();
    expect(r.scrub(run)).toBe(run);
    expect(r.scrubOutput(`${run} x`)).toBe(`${run} x`);
    expect(r.scrub(`${run}https://u:pw@proxy.corp:3128/`)).toBe(`${run}https://u:[redacted]@proxy.corp:3128/`);
  });
});

describe('Redactor.addHeader', () => {
  it("learns the user:password inside a Basic header whatever the scheme's case", () => {
    const r = new Redactor();
    r.addHeader(`basic ${Buffer.from('admin:hunter22secret').toString('base64')}`);
    expect(r.scrub('login as admin:hunter22secret refused')).toBe('login as [redacted] refused');
  });
});

describe('Redactor.scrubOutput', () => {
  it("keeps a plugin's login URL as written but for its password and secret-named query values", () => {
    const out = new Redactor().scrubOutput('open https://u:pw99@login.example/cb?state=abc&access_token=Zx81Kq then retry');
    expect(out).toBe('open https://u:[redacted]@login.example/cb?state=abc&access_token=[redacted] then retry');
  });
});
