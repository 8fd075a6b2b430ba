import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../util/clock.js';
import { Broker } from '../broker.js';
import type { Consumer } from '../consumer.js';
import { tpKey } from '../types.js';

describe('consumer groups in one process (LocalGroup over the pure coordinator)', () => {
  it('over random joins, leaves, polls and produces, every partition has at most one owner at every step and every message is consumed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('range', 'round-robin', 'sticky', 'cooperative-sticky'),
        fc.integer({ min: 1, max: 6 }),
        fc.array(
          fc.oneof(
            fc.constant({ op: 'join' as const }),
            fc.record({ op: fc.constant('leave' as const), i: fc.nat(8) }),
            fc.record({ op: fc.constant('poll' as const), i: fc.nat(8), max: fc.integer({ min: 1, max: 7 }) }),
            fc.record({ op: fc.constant('produce' as const), n: fc.integer({ min: 1, max: 6 }) }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        (assignor, partitions, ops) => {
          const broker = Broker.open({ clock: new ManualClock(0), topicDefaults: { fsync: 'never' } });
          broker.createTopic('t', { partitions });
          const producer = broker.producer();
          let members: Consumer[] = [];
          let produced = 0;
          const consumed = new Set<string>();
          const checkOwnership = () => {
            const owners = new Map<string, number>();
            members.forEach((m, i) => {
              for (const tp of m.assignment()) {
                const k = tpKey(tp.topic, tp.partition);
                expect(owners.has(k)).toBe(false);
                owners.set(k, i);
              }
            });
            broker.checkInvariants();
          };
          for (const o of ops) {
            if (o.op === 'join' || (o.op !== 'produce' && members.length === 0)) {
              const c = broker.consumer({ groupId: 'g', assignor, autoCommitIntervalMs: 0 });
              c.subscribe(['t']);
              members.push(c);
            } else if (o.op === 'leave') {
              const c = members[o.i % members.length]!;
              c.close();
              members = members.filter((m) => m !== c);
            } else if (o.op === 'poll') {
              for (const m of members[o.i % members.length]!.poll(o.max)) consumed.add(`${m.partition}/${m.offset}`);
            } else {
              producer.sendBatch('t', Array.from({ length: o.n }, (_, i) => ({ value: `v${produced + i}` })));
              produced += o.n;
            }
            checkOwnership();
          }
          // Drain: keep polling until nothing comes; a new member if none is left.
          if (members.length === 0) {
            const c = broker.consumer({ groupId: 'g', assignor });
            c.subscribe(['t']);
            members.push(c);
          }
          for (let round = 0; round < 1000; round++) {
            let got = 0;
            for (const m of members) for (const msg of m.poll(100)) {
              consumed.add(`${msg.partition}/${msg.offset}`);
              got++;
            }
            checkOwnership();
            if (got === 0) break;
          }
          // With auto-commit, a handed-over partition resumes at its committed offset: nothing is skipped.
          expect(consumed.size).toBe(produced);
          const owned = members.reduce((n, m) => n + m.assignment().length, 0);
          expect(owned).toBe(partitions);
        },
      ),
      { seed: 55_005, numRuns: 150 },
    );
  });
});
