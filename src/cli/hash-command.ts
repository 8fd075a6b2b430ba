/**
 * `shardkit hash <algorithm> [--json] [--hex|--base64] [--file <path>] [key...]`:
 * the value of each key under one of the bit-exact hash functions, one per
 * line, so a user can check a placement against Redis (`redis-slot`), Kafka
 * (`kafka-murmur2`), Cassandra (`cassandra-token`) or any other
 * implementation. Keys are argv strings (UTF-8), hex or base64 bytes, or
 * lines of a file or stdin (key-input.ts). An unknown algorithm exits 2 with
 * a one-line reason listing the known names (main.ts). The hash registry is
 * loaded only when the command runs.
 */
import type { Command } from 'commander';
import { type InputKey, type KeyInputFlags, addKeyInputOptions, readKeys } from './key-input.js';
import { HASH_ALGORITHM_HELP, HASH_NAMES } from './names.js';

/** One key's value, as printed with --json. */
export interface HashedKey {
  /** The key as text; null when it was given as bytes that are not valid UTF-8 (see `hex`). */
  key: string | null;
  /** The key's bytes in hex, when it was given as bytes (--hex, --base64, --file). */
  hex?: string;
  algorithm: string;
  /** A number for the algorithms of 32 bits or fewer; a decimal or hex string for the 64- and 128-bit ones (exact). */
  value: number | string;
}

const NUMERIC = new Set(['murmur3-x86-32', 'kafka-murmur2', 'redis-slot', 'crc32', 'crc32c', 'fnv1a-32', 'xxh32']);

interface HashFlags extends KeyInputFlags {
  json?: boolean;
}

async function run(algorithm: string, args: string[], flags: HashFlags): Promise<void> {
  const { hashAlgorithmInfo } = await import('../hash/registry.js');
  const info = hashAlgorithmInfo(algorithm);
  const keys: InputKey[] = readKeys(args, flags);
  const rows: HashedKey[] = keys.map((k) => {
    const text = info.toText(k.key);
    const row: HashedKey = { key: k.text ?? null, algorithm: info.name, value: NUMERIC.has(info.name) ? Number(text) : text };
    if (k.hex !== undefined) row.hex = k.hex;
    return row;
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  process.stdout.write(rows.map((r) => `${r.value}\n`).join(''));
}

/** Add `shardkit hash` to the program. */
export function register(program: Command): void {
  const command = program
    .command('hash')
    .description('print the hash of each key under a named algorithm, one value per line (keys from argv, --hex/--base64 bytes, or --file)')
    .argument('<algorithm>', `one of: ${HASH_NAMES.join(', ')}`)
    .argument('[key...]', 'keys to hash (strings, hashed as their UTF-8 bytes; with --hex or --base64, bytes)');
  addKeyInputOptions(command)
    .option('--json', 'print a JSON array of {key, hex?, algorithm, value}')
    .addHelpText(
      'after',
      `\nAlgorithms:\n${HASH_ALGORITHM_HELP.map(([n, d]) => `  ${n.padEnd(16)} ${d}`).join('\n')}\n\nExamples:\n  shardkit hash redis-slot somekey "foo{hash_tag}"\n  shardkit hash kafka-murmur2 --json order-100\n  shardkit hash md5 --hex ff                  the MD5 of the byte 0xFF (argv cannot carry it raw)\n  shardkit hash crc32c --file keys.txt        one value per line of the file, its bytes as they are\n  printf 'a\\nb\\n' | shardkit hash xxh64 --file -\n`,
    )
    .action(run);
}
