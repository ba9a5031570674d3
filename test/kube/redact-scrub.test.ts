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
    expect(scrub('proxy http://user:pw@proxy.corp:3128 failed')).toBe('proxy http://user:[redacted]@proxy.corp:3128 failed');
  });

  it('leaves text with no credential as it is', () => {
    const plain = 'GET https://10.0.0.1:6443/api/v1/namespaces/shop/pods/a/log?follow=true&container=istio-proxy: 404 (basic auth is off)';
    expect(scrub(plain)).toBe(plain);
    expect(scrub('Basic authentication is not configured; bearer tokens only')).toBe('Basic authentication is not configured; bearer tokens only');
  });
});
