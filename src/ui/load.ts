/**
 * Loads the dashboard with React and Ink set up by the environment they read once, when they load:
 * - React's production build. With NODE_ENV unset React runs its development build, which costs several times the
 *   CPU per render and records a performance measure per render that Node never drops (vadimdemedes/ink#869,
 *   facebook/react#35761): a dashboard left running would grow without bound. An explicit NODE_ENV wins.
 * - Ink outside its CI mode, in which it draws nothing until the app ends. The dashboard is only ever started on a
 *   terminal a person watches (a CI job's debug shell or a tmux test sets CI too), so CI and CONTINUOUS_INTEGRATION are
 *   hidden while Ink loads and put back at once: the rest of the process sees its environment unchanged.
 * This is done here, by awaiting Ink before the dashboard's modules, and not by the order of their imports: a bundle
 * evaluates a chunk's external imports (Ink, React) before any of its own code.
 */

const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

/** The dashboard's modules, with Ink and React loaded first as described above (every call after the first is free). */
export async function loadDashboard(): Promise<typeof import('./index.js')> {
  process.env['NODE_ENV'] ??= 'production';
  const hidden = new Map<string, string>();
  for (const name of CI_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) {
      hidden.set(name, value);
      delete process.env[name];
    }
  }
  try {
    await import('ink');
  } finally {
    for (const [name, value] of hidden) process.env[name] = value;
  }
  return import('./index.js');
}
