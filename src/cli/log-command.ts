/**
 * `shardkit log <action>`: the partitioned log from the shell, over a data
 * directory. `create`, `produce`, `consume` and `topics` use a broker on
 * `--dir`; `verify` opens the directory (recovering after a crash) and checks
 * every byte of every partition (Broker.verify); `assign` runs an assignor on
 * a membership change and prints the partitions that moved (no directory).
 */
import type { Command } from 'commander';
import { CorruptionError, InvalidArgumentError } from '../errors.js';
import { Broker, assign, assignorNames } from '../log/index.js';

function intOption(name: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(name, v, `an integer ≥ ${min}`);
  return n;
}

function withBroker<T>(dir: string, fn: (b: Broker) => T): T {
  const b = Broker.open({ dataDir: dir });
  try {
    return fn(b);
  } finally {
    b.close();
  }
}

export function register(program: Command): void {
  const log = program.command('log').description('the partitioned log: topics, produce, consume, verify, and assignor moves');

  log
    .command('create')
    .description('create a topic')
    .argument('<topic>')
    .requiredOption('--dir <path>', 'data directory')
    .option('--partitions <n>', 'partition count', '1')
    .action((topic: string, o: { dir: string; partitions?: string }) => {
      const d = withBroker(o.dir, (b) => b.createTopic(topic, { partitions: intOption('partitions', o.partitions, 1, 1) }));
      process.stdout.write(`created ${d.name} with ${d.partitions} partition(s)\n`);
    });

  log
    .command('produce')
    .description('append values (one message each) to a topic; prints partition and offset of each')
    .argument('<topic>')
    .argument('<value...>')
    .requiredOption('--dir <path>', 'data directory')
    .option('--key <key>', 'routing key (Kafka murmur2)')
    .action((topic: string, values: string[], o: { dir: string; key?: string }) => {
      const results = withBroker(o.dir, (b) => b.producer().sendBatch(topic, values.map((value) => ({ key: o.key ?? null, value }))));
      process.stdout.write(results.map((r) => `${r.topic}/${r.partition}@${r.offset}\n`).join(''));
    });

  log
    .command('consume')
    .description('print messages (partition, offset, key, value); with --group, resume from and commit its offsets')
    .argument('<topic>')
    .requiredOption('--dir <path>', 'data directory')
    .option('--group <id>', 'consumer group')
    .option('--max <n>', 'most messages to print', '100')
    .action((topic: string, o: { dir: string; group?: string; max?: string }) => {
      const max = intOption('max', o.max, 100, 1);
      withBroker(o.dir, (b) => {
        const c = b.consumer(o.group === undefined ? {} : { groupId: o.group });
        c.subscribe([topic]);
        const got = c.poll(max);
        for (const m of got) process.stdout.write(`${m.partition}\t${m.offset}\t${m.key?.toString() ?? ''}\t${m.value?.toString() ?? '(null)'}\n`);
        c.close();
      });
    });

  log
    .command('topics')
    .description('list topics with each partition’s earliest and latest offsets')
    .requiredOption('--dir <path>', 'data directory')
    .action((o: { dir: string }) => {
      withBroker(o.dir, (b) => {
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
    .requiredOption('--dir <path>', 'data directory')
    .action((o: { dir: string }) => {
      withBroker(o.dir, (b) => {
        const r = b.verify();
        b.checkInvariants();
        if (r.problems.length > 0) {
          const lines = r.problems.map((p) => `${p.topic}/${p.partition}: ${p.file} at byte ${p.position}, offset ${p.offset}: ${p.what}`);
          throw new CorruptionError(`${r.problems.length} problem(s) found:\n${lines.join('\n')}`);
        }
        process.stdout.write(`ok: ${r.records} records in ${r.topics} topic(s), every batch CRC valid\n`);
      });
    });

  log
    .command('assign')
    .description('partitions moved when members change, for one assignor')
    .requiredOption('--assignor <name>', assignorNames.join(', '))
    .option('--partitions <n>', 'partitions of one topic', '60')
    .option('--before <n>', 'members before', '5')
    .option('--after <n>', 'members after', '6')
    .action((o: { assignor: string; partitions?: string; before?: string; after?: string }) => {
      const partitions = intOption('partitions', o.partitions, 60, 0);
      const ids = (n: number) => Array.from({ length: n }, (_, i) => `member-${String(i + 1).padStart(3, '0')}`);
      const first = assign(o.assignor, ids(intOption('before', o.before, 5, 1)), partitions);
      const second = assign(o.assignor, ids(intOption('after', o.after, 6, 1)), partitions, first.assignment);
      process.stdout.write(`${o.assignor}: ${second.moved.length} of ${partitions} partitions moved (minimum ${second.minimumMoves ?? 'n/a'})\n`);
    });
}
