/**
 * `shardkit hash <algorithm> [--json] <key>...`: the value of each key under
 * one of the bit-exact hash functions, one per line, so a user can check a
 * placement against Redis (`redis-slot`), Kafka (`kafka-murmur2`), Cassandra
 * (`cassandra-token`) or any other implementation. An unknown algorithm exits
 * 2 with a one-line reason listing the known names (main.ts).
 */
import type { Command } from 'commander';
import { HASH_ALGORITHMS, hashAlgorithmInfo } from '../hash/registry.js';

/** One key's value, as printed with --json. */
export interface HashedKey {
  key: string;
  algorithm: string;
  /** A number for the algorithms of 32 bits or fewer; a decimal or hex string for the 64- and 128-bit ones (exact). */
  value: number | string;
}

const NUMERIC = new Set(['murmur3-x86-32', 'kafka-murmur2', 'redis-slot', 'crc32', 'crc32c', 'fnv1a-32', 'xxh32']);

/** Add `shardkit hash` to the program. */
export function register(program: Command): void {
  program
    .command('hash')
    .description('print the hash of each key (UTF-8) under a named algorithm, one value per line')
    .argument('<algorithm>', `one of: ${HASH_ALGORITHMS.join(', ')}`)
    .argument('<key...>', 'keys to hash (strings, hashed as their UTF-8 bytes)')
    .option('--json', 'print a JSON array of {key, algorithm, value}')
    .addHelpText(
      'after',
      `\nAlgorithms:\n${HASH_ALGORITHMS.map((n) => `  ${n.padEnd(16)} ${hashAlgorithmInfo(n).description}`).join('\n')}\n\nExamples:\n  shardkit hash redis-slot somekey "foo{hash_tag}"\n  shardkit hash kafka-murmur2 --json order-100\n`,
    )
    .action((algorithm: string, keys: string[], flags: { json?: boolean }) => {
      const info = hashAlgorithmInfo(algorithm);
      const rows: HashedKey[] = keys.map((key) => {
        const text = info.toText(key);
        return { key, algorithm: info.name, value: NUMERIC.has(info.name) ? Number(text) : text };
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(rows.map((r) => `${r.value}\n`).join(''));
    });
}
