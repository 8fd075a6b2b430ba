/**
 * The subcommands of `shardkit`, one file each. Add a command by adding its
 * `register` here (one line).
 */
import type { Command } from 'commander';
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
import { register as router } from './router-command.js';

export const commands: ReadonlyArray<(program: Command) => void> = [demo, handoff, hash, lab, locate, log, meta, node, plan, router, secondaryIndex];
