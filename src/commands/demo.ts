import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { EXIT } from '../errors.js';
import { packageFile } from '../package-files.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../../parsers/index.js';
import { canDrawDashboard } from '../run/dashboard-run.js';
import { runAudit } from './audit.js';

/** Where the bundled demo capture lives (shipped with the package). */
const DEMO = fileURLToPath(packageFile('fixtures/demo/'));

/**
 * `egress-audit demo` (what `npm start` runs): the audit of the bundled capture, in the dashboard on a
 * terminal. It exits 0 when the audit found what the demo is there to show, and says what CI would do.
 */
export async function runDemo(options: { color: boolean }): Promise<number> {
  const code = await runAudit([DEMO], {
    format: ['auto'],
    maxLineLength: DEFAULT_MAX_LINE_LENGTH,
    policy: join(DEMO, 'policy.yaml'),
    meshCidr: [],
    clusterDomain: null,
    gatewayHost: [],
    gatewayNamespaces: [],
    windowMs: 5000,
    maxPending: 200_000,
    output: null,
    report: [],
    failOn: ['direct'],
    baseline: null,
    writeBaseline: null,
    color: options.color,
    sidecar: [],
    gateway: [],
    ingress: [],
    sidecarPod: [],
    gatewayPod: [],
    ingressPod: [],
    proxyContainer: [],
    pods: null,
    explain: false,
    dashboard: canDrawDashboard(), // else the table, without audit's "--dashboard needs a terminal" (the demo was not asked for one)
    speed: 0,
    window: null,
  });
  if (code !== EXIT.findings) return code;
  process.stderr.write(
    `egress-audit demo: some egress went direct, so in CI this audit would exit 1.\n` +
      `Next: egress-audit audit ${DEMO} --policy ${join(DEMO, 'policy.yaml')} -o markdown (or --dashboard, -o sarif, --explain)\n`,
  );
  return EXIT.ok;
}
