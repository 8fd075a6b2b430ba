/**
 * The subcommands of `shardkit`, one file each. Add a command by adding its
 * `register` here (one line). A command file imports at its top only
 * commander, the CLI's own helpers (names.ts, parse.ts, ...) and types; what
 * its action needs is imported inside the action (`await import(...)`), so
 * starting the CLI loads no library module (startup.test.ts checks).
 */
import type { Command } from 'commander';
import { register as cluster } from './cluster-command.js';
import { register as demo } from './demo-command.js';
import { register as handoff } from './handoff-command.js';
import { register as hash } from './hash-command.js';
import { register as secondaryIndex } from './index-command.js';
import { register as lab } from './lab-command.js';
import { register as locate } from './locate-command.js';
import { register as log } from './log-command.js';
import { register as meta } from './meta-command.js';
import { register as node } from './node-command.js';
import { register as plan } from './plan-command.js';
import { register as rebalance } from './rebalance-command.js';
import { register as router } from './router-command.js';

export const commands: ReadonlyArray<(program: Command) => void> = [cluster, demo, handoff, hash, lab, locate, log, meta, node, plan, rebalance, router, secondaryIndex];
