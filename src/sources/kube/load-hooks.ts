/**
 * Module-loader hooks (node:module `register`) that read at most LOADS_AT_ONCE module files at a time. Node's ESM
 * loader reads a module graph's files all at once, each an open descriptor: client-node's graph (its generated API,
 * ~1,000 files) needs about 760, so under a lower `ulimit -n` its import failed with EMFILE (exit 70, an "internal
 * error"). Registered only then (client-import.ts): the hooks run on a thread of their own and cost ~0.4 s.
 */

/** Module files read at once while the hooks are registered. */
export const LOADS_AT_ONCE = 16;

let active = 0;
const waiting: (() => void)[] = [];

/** node:module's `load` hook: waits for one of LOADS_AT_ONCE turns, then loads as Node would. */
export async function load(url: string, context: unknown, nextLoad: (url: string, context: unknown) => Promise<unknown>): Promise<unknown> {
  while (active >= LOADS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  try {
    return await nextLoad(url, context);
  } finally {
    active--;
    waiting.shift()?.();
  }
}
