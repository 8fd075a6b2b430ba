import { describe, expect, it } from 'vitest';
import { HASH32_ALGORITHMS, HASH_ALGORITHMS, hashAlgorithmInfo } from '../hash/registry.js';
import { experiments } from '../lab/experiments/index.js';
import { assignorNames } from '../log/index.js';
import { STRATEGIES } from '../partitioning/registry.js';
import { ASSIGNOR_NAMES, EXPERIMENT_IDS, HASH32_NAMES, HASH_ALGORITHM_HELP, STRATEGY_NAMES } from './names.js';

describe('the CLI name lists (kept as constants so help loads no library module)', () => {
  it('equal the hash registry, descriptions included', () => {
    expect(HASH_ALGORITHM_HELP).toEqual(HASH_ALGORITHMS.map((n) => [n, hashAlgorithmInfo(n).description]));
    expect(HASH32_NAMES).toEqual([...HASH32_ALGORITHMS]);
  });
  it('equal the strategy, assignor and experiment registries', () => {
    expect(STRATEGY_NAMES).toEqual([...STRATEGIES]);
    expect(ASSIGNOR_NAMES).toEqual([...assignorNames]);
    expect(EXPERIMENT_IDS).toEqual(experiments.map((e) => e.id));
  });
});
