/** Tests use the generator's seeded PRNG, so "random" test data is the same on every run. */
export { seeded } from '../../bench/random.js';
