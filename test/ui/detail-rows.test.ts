// The flow detail speaks of an exception's date in its tense: an exception that allowed the flow "expires", one that
// lapsed "expired" (before, both read "expires", beside a warning and a table saying "expired" of the same date).
import { describe, expect, it } from 'vitest';
import { detailRows } from '../../src/ui/detail-rows.js';
import { flow } from './helpers.js';

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
