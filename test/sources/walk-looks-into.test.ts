// Which files a directory walk leaves out as documentation or configuration, and which of those it looks into and reads
// after all because their head holds access-log entries (sources/input-paths.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findInputs } from '../../src/sources/input-paths.js';
import { leaveOutOwnOutputs } from '../../src/sources/own-output.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();
const ENTRY = '[2021-06-08T03:14:11.201Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 2381 12 12 "-" "curl/7.64.0" "599df0d8" "www.baidu.com" "183.2.172.185:80" PassthroughCluster 10.244.0.22:47908 183.2.172.185:80 10.244.0.22:47906 - allow_any';
const ESCAPED = ENTRY.replaceAll('"', '&quot;');

/** The names a walk of `dir` reads, relative to it, and what it warned. */
async function walked(dir: string): Promise<{ names: string[]; warnings: string[] }> {
  const warnings: string[] = [];
  const found = await findInputs([dir], (w) => warnings.push(w));
  return { names: found.map((f) => f.name.slice(dir.length + 1)), warnings };
}

describe('a directory walk', () => {
  it('reads an XML or HTML export whose head holds access-log entries, plain or escaped, and leaves the rest out', async () => {
    const dir = tempDir('ea-walk-markup-');
    writeFileSync(join(dir, 'sleep.log'), `${ENTRY}\n`);
    writeFileSync(join(dir, 'splunk.xml'), `<?xml version='1.0' encoding='UTF-8'?>\n<results preview='0'>\n<result offset='0'>\n<field k='_raw'><v xml:space='preserve' trunc='0'>${ESCAPED}</v></field>\n</result>\n</results>\n`);
    writeFileSync(join(dir, 'page.HTML'), `<html><body><pre>${ENTRY}\n</pre></body></html>\n`);
    writeFileSync(join(dir, 'view.htm'), `<html><body><table><tr><td>${ENTRY.replaceAll('"', '&#34;')}</td></tr></table></body></html>\n`);
    writeFileSync(join(dir, 'pom.xml'), '<?xml version="1.0"?>\n<project><artifactId>app</artifactId></project>\n');
    writeFileSync(join(dir, 'index.html'), '<html><body>Access logs for the shop namespace</body></html>\n');
    // Documentation, scripts and hidden files are not looked into: READMEs beside logs quote entries as examples.
    writeFileSync(join(dir, 'README.md'), `An example entry:\n\n    ${ENTRY}\n`);
    writeFileSync(join(dir, 'replay.sh'), `echo '${ENTRY}'\n`);
    writeFileSync(join(dir, '.hidden.xml'), `<v>${ESCAPED}</v>\n`);
    expect(await walked(dir)).toEqual({ names: ['page.HTML', 'sleep.log', 'splunk.xml', 'view.htm'], warnings: [] });
  });

  it("leaves out egress-audit's own JUnit report, whose text may hold an entry, as every walked report is left out (with a note)", async () => {
    const dir = tempDir('ea-walk-junit-');
    writeFileSync(join(dir, 'sleep.log'), `${ENTRY}\n`);
    const junit = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="egress-audit" tests="1" failures="1" errors="0" time="0.01">\n  <testsuite name="egress-audit.destinations" tests="1" failures="1">\n    <testcase name="www.baidu.com:80"><failure type="direct/passthrough-cluster">${ESCAPED}</failure></testcase>\n  </testsuite>\n</testsuites>\n`;
    writeFileSync(join(dir, 'egress.junit.xml'), junit);
    const found = await findInputs([dir], () => undefined);
    const leftOut: string[] = [];
    const kept = await leaveOutOwnOutputs(found, (n) => leftOut.push(n), () => undefined, true);
    expect(kept.map((f) => f.name.slice(dir.length + 1))).toEqual(['sleep.log']);
    expect(leftOut).toEqual([expect.stringMatching(/egress\.junit\.xml: an egress-audit report \(junit\), not a log; left out$/)]);
  });
});
