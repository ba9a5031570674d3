/**
 * Keeps Ink out of its CI mode. Ink reads CI and CONTINUOUS_INTEGRATION once, when it loads, and in
 * CI mode draws nothing until the app ends. The dashboard is only ever started when stdout is a
 * terminal a person watches (a CI job's debug shell or a tmux test sets CI too), so this module hides
 * those two variables while Ink loads and start.ts puts them back right after: the rest of the
 * process sees its environment unchanged. index.ts and start.ts import this before anything loads ink.
 */
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;
const hidden = new Map<string, string>();
for (const name of CI_VARIABLES) {
  const value = process.env[name];
  if (value !== undefined) {
    hidden.set(name, value);
    delete process.env[name];
  }
}

/** Puts back the variables hidden while Ink loaded (idempotent); called once Ink has been imported. */
export function restoreCiVariables(): void {
  for (const [name, value] of hidden) process.env[name] = value;
  hidden.clear();
}
