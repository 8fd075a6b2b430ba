/** Injected time and randomness for cores and simulations: `shardkit/util`. */
export { type Clock, ManualClock, systemClock } from './clock.js';
export { type Random, mulberry32, randomInt, randomUint32, shuffle } from './random.js';
