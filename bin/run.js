// Both commands' entry point: loads egress-audit, and says in one line, not a stack trace, when the process
// cannot even open its own modules (an open-files limit of a few dozen: Node's loader opens them many at once).
// The limit is read first, while descriptors are free: once they have run out, /proc/self/limits cannot be read.
let files = null;
try {
  files = await import('../dist/bundle/open-files.js');
  files.openFilesLimit();
  await import('../dist/bundle/main.js');
} catch (error) {
  const code = error?.code;
  const few = files === null ? code === 'EMFILE' || code === 'ENFILE' : files.loadFailedForDescriptors(error, files.openFilesLimit(), files.OWN_MODULES_DESCRIPTORS);
  if (!few) throw error;
  const what = `cannot load its own modules (${code})`;
  process.stderr.write(`egress-audit: ${files === null ? `${what}: too few open files: raise the limit (ulimit -n 4096)` : files.tooFewDescriptors(what)}\n`);
  process.exitCode = 3;
}
