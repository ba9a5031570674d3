import { packageManifest } from './package-files.js';

/** The package version, read once from package.json so `--version` and reports never disagree. */
export const VERSION: string = packageManifest().version;
