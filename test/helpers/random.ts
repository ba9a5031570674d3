/** Tests use the generator's seeded PRNG, so "random" test data is the same on every run. */
import { seeded } from '../../bench/random.js';

export { seeded };

/** A copy of `items` in a seeded Fisher-Yates order: the same "random" permutation on every run, for order-independence properties. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seeded(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
