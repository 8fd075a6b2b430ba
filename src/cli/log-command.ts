/**
 * `shardkit log <action>`: the partitioned log from the shell, over a data
 * directory. `create` makes the directory if needed and adds a topic;
 * `produce`, `consume`, `topics` and `verify` need an existing log directory
 * (a missing `--dir`, or one without shardkit-log.json, exits 2 and creates
 * nothing: a typo must not leave an empty log behind); `verify` opens the
 * directory (recovering after a crash) and checks every byte of every
 * partition (Broker.verify: batches, CRCs, offsets, indexes); `assign` runs an
 * assignor on a membership change and prints the partitions that moved (no
 * directory). Every count is bounded (parse.ts). The log library is loaded
 * only when an action runs.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CorruptionError, InvalidArgumentError } from '../errors.js';
import type { Broker } from '../log/index.js';
import { ASSIGNOR_NAMES } from './names.js';
import { integerOption } from './parse.js';

/** The broker's marker file (src/log/log-dir.ts): a directory without it is not a log. */
const MARKER = 'shardkit-log.json';

/** Most partitions of one topic (MAX_PARTITIONS of src/log/topic.ts). */
const MAX_TOPIC_PARTITIONS = 10_000;

/**
 * Refuse a `--dir` that is not an existing log directory, before the broker
 * opens it (opening a missing or empty directory would make it a new log).
 */
export function requireLogDir(dir: string): void {
  const what = 'an existing shardkit log directory (one with shardkit-log.json; `shardkit log create` makes one)';
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new InvalidArgumentError('--dir', dir, `${what}: no such directory`);
  }
  if (!isDir) throw new InvalidArgumentError('--dir', dir, `${what}: not a directory`);
  try {
    statSync(join(dir, MARKER));
  } catch {
    throw new InvalidArgumentError('--dir', dir, `${what}: no ${MARKER} in it`);
  }
}

async function withBroker<T>(dir: string, fn: (b: Broker) => T, options: { create?: boolean } = {}): Promise<T> {
  if (options.create !== true) requireLogDir(dir);
  const { Broker } = await import('../log/index.js');
  const b = Broker.open({ dataDir: dir });
  try {
    return fn(b);
  } finally {
    b.close();
  }
}

function memberIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `member-${String(i + 1).padStart(3, '0')}`);
}

function registerReaders(log: Command): void {
  log
    .command('consume')
    .description('print messages (partition, offset, key, value); with --group, resume from and commit its offsets')
    .argument('<topic>')
    .requiredOption('--dir <path>', 'data directory (must exist)')
    .option('--group <id>', 'consumer group')
    .addOption(integerOption('--max <n>', 'most messages to print', 1, 1_000_000).default(100))
    .action(async (topic: string, o: { dir: string; group?: string; max: number }) => {
      await withBroker(o.dir, (b) => {
        const c = b.consumer(o.group === undefined ? {} : { groupId: o.group });
        c.subscribe([topic]);
        const got = c.poll(o.max);
        for (const m of got) process.stdout.write(`${m.partition}\t${m.offset}\t${m.key?.toString() ?? ''}\t${m.value?.toString() ?? '(null)'}\n`);
        c.close();
      });
    });

  log
    .command('topics')
    .description('list topics with each partition’s earliest and latest offsets')
    .requiredOption('--dir <path>', 'data directory (must exist)')
    .action(async (o: { dir: string }) => {
      await withBroker(o.dir, (b) => {
        for (const t of b.topicNames()) {
          const n = b.partitionCount(t);
          const parts = Array.from({ length: n }, (_, p) => `${p}:[${b.earliestOffset(t, p)},${b.latestOffset(t, p)})`);
          process.stdout.write(`${t}\t${parts.join(' ')}\n`);
        }
      });
    });

  log
    .command('verify')
    .description('recover the directory if needed and check every byte of every partition (batches, CRCs, offsets, indexes); exits 2 on damage')
    .requiredOption('--dir <path>', 'data directory (must exist)')
    .action(async (o: { dir: string }) => {
      await withBroker(o.dir, (b) => {
        const r = b.verify();
        b.checkInvariants();
        if (r.problems.length > 0) {
          const lines = r.problems.map((p) => `${p.topic}/${p.partition}: ${p.file} at byte ${p.position}, offset ${p.offset}: ${p.what}`);
          throw new CorruptionError(`${r.problems.length} problem(s) found:\n${lines.join('\n')}`);
        }
        process.stdout.write(`ok: ${r.records} records in ${r.topics} topic(s), every batch CRC valid\n`);
      });
    });
}

export function register(program: Command): void {
  const log = program.command('log').description('the partitioned log: topics, produce, consume, verify, and assignor moves');

  log
    .command('create')
    .description('create a topic (and the data directory, if it does not exist)')
    .argument('<topic>')
    .requiredOption('--dir <path>', 'data directory')
    .addOption(integerOption('--partitions <n>', 'partition count', 1, MAX_TOPIC_PARTITIONS).default(1))
    .action(async (topic: string, o: { dir: string; partitions: number }) => {
      const d = await withBroker(o.dir, (b) => b.createTopic(topic, { partitions: o.partitions }), { create: true });
      process.stdout.write(`created ${d.name} with ${d.partitions} partition(s)\n`);
    });

  log
    .command('produce')
    .description('append values (one message each) to a topic; prints partition and offset of each')
    .argument('<topic>')
    .argument('<value...>')
    .requiredOption('--dir <path>', 'data directory (must exist: `log create` makes it)')
    .option('--key <key>', 'routing key (Kafka murmur2)')
    .action(async (topic: string, values: string[], o: { dir: string; key?: string }) => {
      const results = await withBroker(o.dir, (b) => b.producer().sendBatch(topic, values.map((value) => ({ key: o.key ?? null, value }))));
      process.stdout.write(results.map((r) => `${r.topic}/${r.partition}@${r.offset}\n`).join(''));
    });

  registerReaders(log);

  log
    .command('assign')
    .description('partitions moved when members change, for one assignor')
    .requiredOption('--assignor <name>', `assignor (required): ${ASSIGNOR_NAMES.join(', ')}`)
    .addOption(integerOption('--partitions <n>', 'partitions of one topic', 1, 100_000).default(60))
    .addOption(integerOption('--before <n>', 'members before', 1, 10_000).default(5))
    .addOption(integerOption('--after <n>', 'members after', 1, 10_000).default(6))
    .action(async (o: { assignor: string; partitions: number; before: number; after: number }) => {
      const { assign } = await import('../log/index.js');
      const first = assign(o.assignor, memberIds(o.before), o.partitions);
      const second = assign(o.assignor, memberIds(o.after), o.partitions, first.assignment);
      process.stdout.write(`${o.assignor}: ${second.moved.length} of ${o.partitions} partitions moved (minimum ${second.minimumMoves ?? 'n/a'})\n`);
    });
}
