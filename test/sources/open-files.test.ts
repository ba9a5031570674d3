// What running out of descriptors while loading modules looks like, told from a module really missing (a broken
// install), which must not be blamed on the open-files limit.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadFailedForDescriptors } from '../../src/sources/open-files.js';

const MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const notFound = (named: string): Error => Object.assign(new Error(`Cannot find package '${named}' imported from /app/dist/src/sources/pod-snapshot.js`), { code: 'ERR_MODULE_NOT_FOUND' });

describe('loadFailedForDescriptors', () => {
  it('blames the limit for EMFILE and ENFILE, whatever the limit', () => {
    expect(loadFailedForDescriptors(Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }), null, 256)).toBe(true);
    expect(loadFailedForDescriptors(Object.assign(new Error('ENFILE'), { code: 'ENFILE' }), 65536, 256)).toBe(true);
  });

  it('blames it for a package "not found" that is installed (the loader could not open its package.json), under a low limit only', () => {
    expect(loadFailedForDescriptors(notFound(`${MODULES}yaml/index.js`), 48, 256)).toBe(true);
    expect(loadFailedForDescriptors(notFound(`${MODULES}@kubernetes/client-node/index.js`), 300, 1024)).toBe(true);
    expect(loadFailedForDescriptors(notFound(`${MODULES}yaml/index.js`), 4096, 256)).toBe(false);
    expect(loadFailedForDescriptors(notFound(`${MODULES}yaml/index.js`), null, 256)).toBe(false);
  });

  it('does not blame it for a module really missing: named as imported, or not installed', () => {
    expect(loadFailedForDescriptors(notFound('yaml'), 48, 256)).toBe(false);
    expect(loadFailedForDescriptors(notFound(`${MODULES}no-such-package-here/index.js`), 48, 256)).toBe(false);
    expect(loadFailedForDescriptors(notFound('/app/dist/src/no-such-module.js'), 48, 256)).toBe(false);
    expect(loadFailedForDescriptors(new Error('something else'), 48, 256)).toBe(false);
    expect(loadFailedForDescriptors(null, 48, 256)).toBe(false);
  });
});
