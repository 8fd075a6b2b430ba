/**
 * Child process for the crash test: opens a broker on the directory given as
 * argv[2] with fsync `always`, then produces batches forever, writing one
 * line per acknowledged message to stdout — `ack <partition> <offset> <value>`
 * — only after `sendBatch` has returned (so after the fdatasync). The test
 * kills it with SIGKILL at random moments.
 */
import { writeSync } from 'node:fs';
import { Broker } from '../broker.js';
import { mulberry32, randomInt } from '../../util/random.js';

const [dataDir, seedArg, runArg] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: crash-producer <dataDir> <seed> <run>');
const random = mulberry32(Number(seedArg ?? 1));
const run = Number(runArg ?? 0);
const broker = Broker.open({ dataDir, topicDefaults: { fsync: 'always', segmentBytes: 16 * 1024 } });
if (!broker.topicNames().includes('crash')) broker.createTopic('crash', { partitions: 2 });
const producer = broker.producer();
writeSync(1, 'ready\n');
for (let seq = 0; ; ) {
  const n = 1 + randomInt(random, 20);
  const messages = Array.from({ length: n }, () => {
    const value = `r${run}-s${seq++}-${'x'.repeat(randomInt(random, 200))}`;
    return { key: randomInt(random, 3) === 0 ? null : `k${randomInt(random, 50)}`, value };
  });
  const results = producer.sendBatch('crash', messages);
  let out = '';
  for (let i = 0; i < n; i++) out += `ack ${results[i]!.partition} ${results[i]!.offset} ${messages[i]!.value}\n`;
  writeSync(1, out);
}
