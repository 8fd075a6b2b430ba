/**
 * Suite `consumer-offsets`: the cost of one offset commit
 * (`Broker.commitOffsets`, one group, one partition, fsync of the offsets
 * log) when the broker holds the committed offsets of 10, 1,000 and 100,000
 * groups. The table is set up by converting a `consumer-offsets.json` of that
 * many groups (one compacted write), then each timed call commits to
 * `COMMITS` groups in turn. With the append-only offsets log the cost should
 * not grow with the number of groups; the table it replaced was rewritten
 * whole on every commit.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Broker } from '../src/log/broker.js';
import { OFFSETS_LOG, OLD_OFFSETS_TABLE } from '../src/log/offsets-log.js';
import { QUICK, measure, single, size, writeSuite, type BenchResult } from './harness.js';

const SUITE = 'consumer-offsets';
const GROUPS = QUICK ? [10, 1_000, 10_000] : [10, 1_000, 100_000];
const COMMITS = size(200, 20);

const rows: BenchResult[] = [];
for (const groups of GROUPS) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-bench-offsets-'));
  try {
    const setup = Broker.open({ dataDir });
    setup.createTopic('t');
    setup.close();
    const table = Array.from({ length: groups }, (_, g) => [`group-${g}`, [['t/0', g]]]);
    fs.writeFileSync(path.join(dataDir, OLD_OFFSETS_TABLE), JSON.stringify({ format: 'shardkit-offsets', groups: table }));
    const broker = Broker.open({ dataDir });
    let next = 0;
    const ns = measure(
      `commit with ${groups} groups`,
      () => {
        for (let i = 0; i < COMMITS; i++, next++) broker.commitOffsets(`group-${next % groups}`, [{ topic: 't', partition: 0, offset: groups + next }], null);
        return next;
      },
      COMMITS,
    );
    const check = broker.committedOffset(`group-${(next - 1) % groups}`, 't', 0);
    if (check !== groups + next - 1) throw new Error(`commit not visible: ${check}`);
    const fileBytes = fs.statSync(path.join(dataDir, OFFSETS_LOG)).size;
    broker.close();
    rows.push(single(SUITE, `commitOffsets (1 partition, fsync) with ${groups} groups committed`, ns, { groups, commitsPerCall: COMMITS, offsetsLogBytes: fileBytes }));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
writeSuite(SUITE, rows);
