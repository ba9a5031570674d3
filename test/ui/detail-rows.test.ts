// The flow detail speaks of an exception's date in its tense: an exception that allowed the flow "expires", one that
// lapsed "expired" (before, both read "expires", beside a warning and a table saying "expired" of the same date).
import { describe, expect, it } from 'vitest';
import { detailRows } from '../../src/ui/detail-rows.js';
import { displayWidth } from '../../src/ui/text.js';
import { entry, flow } from './helpers.js';

function text(rows: ReturnType<typeof detailRows>): string {
  return rows.map((row) => row.map((cell) => cell.text).join('')).join('\n');
}

describe('the flow detail of a flow with an exception', () => {
  const exception = { id: 'googleapis-ci', reason: 'CI uploads', expires: '2025-06-30' };

  it('says "expired" of the exception that no longer applies', () => {
    const shown = text(detailRows(flow({ expiredException: exception }), 100));
    expect(shown).toMatch(/expired\s+exception googleapis-ci: CI uploads \(expired 2025-06-30\)/);
    expect(shown).not.toContain('(expires 2025-06-30)');
  });

  it('says "expires" of the exception that allowed the flow', () => {
    const shown = text(detailRows(flow({ failing: false, allowedBy: exception }), 100));
    expect(shown).toMatch(/allowed\s+exception googleapis-ci: CI uploads \(expires 2025-06-30\)/);
  });
});

describe('the flow detail of a line in a long-named file', () => {
  // A kubelet path, as `audit /var/log/pods` or a must-gather names every file: the line number came after it on the
  // section's one heading row and was cut with it (at 120 columns the demo's own paths lost `:37  istio-1.9  sidecar`).
  const file = '/var/log/pods/shop_checkout-mksl9j6hfg-ks2d7_2bbb1f40-7cf9-7d6c-6e96-1ae68e61d620/istio-proxy/0.log';
  const rows = detailRows(flow({ sidecar: entry({ file, line: 37 }) }), 80);

  it('shows where the line is, whole, within the width', () => {
    const shown = text(rows);
    expect(shown.replace(/\n {10}/g, '')).toContain(`line 37 of ${file}`);
    expect(shown).toMatch(/── sidecar line {2}istio-1\.9 {2}sidecar/);
    for (const row of shown.split('\n')) expect(displayWidth(row)).toBeLessThanOrEqual(80);
  });
});
