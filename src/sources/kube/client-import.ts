/**
 * Imports @kubernetes/client-node so that a low `ulimit -n` does not end the run before it starts: under the
 * descriptors its import needs (see load-hooks.ts), the module files are read a few at a time; an import that still
 * fails for want of descriptors says so (exit 3) rather than as an internal error.
 */
import * as nodeModule from 'node:module';
import { InputError } from '../../errors.js';
import { packageFile } from '../../package-files.js';
import { loadFailedForDescriptors, openFilesLimit, tooFewDescriptors } from '../open-files.js';

/** Below this many descriptors, client-node's import (about 760 at once) is made through load-hooks.ts. */
export const IMPORT_DESCRIPTORS = 1024;

type ClientNode = typeof import('@kubernetes/client-node');

let loading: Promise<ClientNode> | null = null;

/** client-node, imported once per process (`limit`: the open-files limit, for tests). */
export function importClientNode(limit = openFilesLimit()): Promise<ClientNode> {
  loading ??= load(limit);
  return loading;
}

async function load(limit: number | null): Promise<ClientNode> {
  const register = (nodeModule as { register?: (specifier: string, parentURL: string) => void }).register;
  // Compiled (dist): the hooks are a .js file of their own in dist/src. Not from sources run by a test runner.
  const hooks = packageFile('dist/src/sources/kube/load-hooks.js');
  if (limit !== null && limit < IMPORT_DESCRIPTORS && typeof register === 'function' && import.meta.url.endsWith('.js')) register(hooks.href, import.meta.url);
  try {
    return await import('@kubernetes/client-node');
  } catch (error) {
    if (loadFailedForDescriptors(error, limit, IMPORT_DESCRIPTORS)) {
      throw new InputError(tooFewDescriptors('cannot load the Kubernetes client', limit));
    }
    throw error;
  }
}
