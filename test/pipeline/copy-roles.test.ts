// Which entries are looked up for copies at all: a copy of a line has the role of the pod that wrote it, so only a
// role that two inputs hold (or an input whose lines name their pods, or one not yet heard from) is worth the digest.
import { describe, expect, it } from 'vitest';
import { CopyRoles } from '../../src/pipeline/copy-roles.js';

/** The roles of `n` inputs opened. */
function inputs(n: number): CopyRoles {
  const seen = new CopyRoles();
  for (let i = 0; i < n; i++) seen.opened(i);
  return seen;
}

describe('CopyRoles.mayRepeat: which entries are looked up at all', () => {
  it("a sidecars' log beside a gateway's: every entry until each input has had one, then none", () => {
    const seen = inputs(2);
    expect(seen.mayRepeat(0, 'sidecar', false)).toBe(true); // input 1 may hold anything yet
    expect(seen.mayRepeat(1, 'egress-gateway', false)).toBe(false);
    expect(seen.mayRepeat(0, 'sidecar', false)).toBe(false);
  });

  it('two inputs of one role: every entry of that role, and none of a role only one input has', () => {
    const seen = inputs(3);
    seen.mayRepeat(0, 'sidecar', false);
    seen.mayRepeat(1, 'sidecar', false);
    expect(seen.mayRepeat(2, 'egress-gateway', false)).toBe(false);
    expect(seen.mayRepeat(0, 'sidecar', false)).toBe(true);
    expect(seen.mayRepeat(1, 'sidecar', false)).toBe(true);
  });

  it('an input whose lines name their pods may hold any role; one that ended without an entry holds none', () => {
    const seen = inputs(3);
    seen.mayRepeat(0, 'egress-gateway', false);
    expect(seen.mayRepeat(1, 'sidecar', true)).toBe(true); // input 2 has had no entry yet
    seen.closed(2);
    expect(seen.mayRepeat(0, 'egress-gateway', false)).toBe(true); // input 1 names pods: it may hold the gateway's lines
    expect(seen.mayRepeat(1, 'ingress-gateway', true)).toBe(false); // no other input holds an ingress gateway's lines
  });
});
