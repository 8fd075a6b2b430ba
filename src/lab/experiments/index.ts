/**
 * The lab's experiments, in report order. An experiment is listed only when
 * the module it measures exists: the lab never reports numbers it did not
 * measure.
 */
import type { Experiment } from '../experiment.js';
import { balance } from './balance.js';
import { consumerGroups } from './consumer-groups.js';
import { hintedHandoff } from './hinted-handoff.js';
import { hotKeys } from './hot-keys.js';
import { rangeSkew } from './range-skew.js';
import { rebalancing } from './rebalancing.js';
import { requestRouting } from './request-routing.js';
import { secondaryIndexes } from './secondary-indexes.js';

export const experiments: readonly Experiment[] = [rebalancing, balance, rangeSkew, hotKeys, secondaryIndexes, consumerGroups, hintedHandoff, requestRouting];
