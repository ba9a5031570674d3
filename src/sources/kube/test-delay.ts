/**
 * A delay of `watch` that a test shortens through the variable `name` of `env` (a whole number of ms above 0),
 * else `fallback`: the whole-path tests run the CLI as a child process, where a real wait would be a slow test.
 */
export function testDelayFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  return text !== undefined && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : fallback;
}
