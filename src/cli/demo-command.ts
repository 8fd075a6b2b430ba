/** `shardkit demo`: a short tour of placement — where keys go, and what moves when a node joins. The strategy is loaded only when it runs. */
import type { Command } from 'commander';

async function run(): Promise<void> {
  const { ModNPlacement } = await import('../partitioning/mod-n.js');
  const nodes = ['a', 'b', 'c', 'd'];
  const p = new ModNPlacement(nodes);
  console.log(p.describe());
  for (const key of ['user:1', 'user:2', 'user:3', 'user:42']) console.log(`  ${key} -> ${p.locate(key)}`);
  const { plan } = p.withNode('e');
  console.log(`adding node e moves ${(plan.movedFraction * 100).toFixed(1)}% of all keys (the optimum is ${(100 / 5).toFixed(1)}%)`);
}

export function register(program: Command): void {
  program.command('demo').description('a short placement demo: where keys go and what moves when a node joins').action(run);
}
