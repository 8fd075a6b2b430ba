/**
 * Child process for the lock race test: waits for a start signal (a file
 * appearing), then opens a broker on argv[2] with fsync `always`. On
 * success it creates an ownership witness with O_EXCL in argv[3] (a second
 * live owner finds it there and prints `double`), produces a few batches
 * printing `ack <offset> <value>` after each `sendBatch` returns, removes the
 * witness and closes. On failure it prints `error <code> <retriable>`. With
 * argv[6] = `hold` it never closes (the test SIGKILLs it, leaving a stale
 * lock behind).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Broker } from '../broker.js';
import { ShardkitError } from '../../errors.js';

const [dataDir, witnessDir, goFile, name, mode] = process.argv.slice(2);
if (dataDir === undefined || witnessDir === undefined || goFile === undefined || name === undefined) throw new Error('usage: lock-racer <dataDir> <witnessDir> <goFile> <name> [hold]');
const say = (s: string) => fs.writeSync(1, `${s}\n`);
say('ready');
while (!fs.existsSync(goFile)) {
  // Spin: every racer leaves the barrier within microseconds of the others.
}
let broker: Broker;
try {
  broker = Broker.open({ dataDir, topicDefaults: { fsync: 'always', segmentBytes: 4096 } });
} catch (e) {
  const err = e as ShardkitError;
  say(`error ${err.code ?? (e as NodeJS.ErrnoException).code ?? 'unknown'} ${err.retriable === true} ${String(err.message).replace(/\n/g, ' ')}`);
  process.exit(0);
}
const witness = path.join(witnessDir, 'owner');
try {
  fs.writeFileSync(witness, `${process.pid}\n`, { flag: 'wx' });
} catch {
  say(`double ${fs.readFileSync(witness, 'utf8').trim()}`);
}
say('owner');
if (!broker.topicNames().includes('race')) broker.createTopic('race', { partitions: 1 });
const producer = broker.producer();
for (let i = 0; i < 15; i++) {
  const values = Array.from({ length: 3 }, (_, k) => `${name}-${i}-${k}`);
  const results = producer.sendBatch('race', values.map((value) => ({ value })));
  say(results.map((r, k) => `ack ${r.offset} ${values[k]}`).join('\n'));
}
if (mode === 'hold') {
  say('holding');
  setInterval(() => {}, 1000);
} else {
  fs.rmSync(witness, { force: true });
  broker.close();
  say('closed');
}
