import type { AuditOptions } from '../cli/options.js';
import { UsageError } from '../errors.js';

/** `egress-audit audit` (being built: the engine lands with issue 3). */
export async function runAudit(_inputs: string[], _options: AuditOptions): Promise<number> {
  throw new UsageError('audit: not available yet in this build');
}
