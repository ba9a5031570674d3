import type { WatchOptions } from '../cli/options.js';
import { UsageError } from '../errors.js';

/** `egress-audit watch` (being built: the live source lands with issue 4). */
export async function runWatch(_options: WatchOptions): Promise<number> {
  throw new UsageError('watch: not available yet in this build');
}
