/**
 * Experiment 6 — consumer groups: partitions moved per membership change by
 * Kafka's assignors, over one random join/leave history, against the fewest
 * moves any balanced assignment allows. Every moved partition is a pause in
 * consumption and a cache to rebuild; the same "move as little as possible"
 * rule as rebalancing partitions over nodes (DDIA ch. 6, "Rebalancing
 * partitions"), applied to consumers. Uses the log module's pure `assign()`.
 */
import type { Check, Experiment, ExperimentContext, ExperimentOutput } from '../experiment.js';
import { assign, assignorNames } from '../../log/assignors/index.js';
import type { TopicPartition } from '../../log/types.js';
import { randomInt } from '../../util/random.js';
import { round } from '../workload.js';

const PARTITIONS = 60;
const START_MEMBERS = 5;
const MAX_MEMBERS = 20;

interface Event {
  readonly kind: 'join' | 'leave';
  readonly member: string;
  readonly membersAfter: number;
}

/** A random history: joins and leaves, between 1 and MAX_MEMBERS members. */
function history(events: number, random: () => number): { start: string[]; events: Event[] } {
  let next = 0;
  const id = () => `consumer-${next++}`;
  const start = Array.from({ length: START_MEMBERS }, id);
  const members = [...start];
  const out: Event[] = [];
  for (let i = 0; i < events; i++) {
    const join = members.length === 1 || (members.length < MAX_MEMBERS && random() < 0.5);
    if (join) {
      const m = id();
      members.push(m);
      out.push({ kind: 'join', member: m, membersAfter: members.length });
    } else {
      const m = members.splice(randomInt(random, members.length), 1)[0] as string;
      out.push({ kind: 'leave', member: m, membersAfter: members.length });
    }
  }
  return { start, events: out };
}

interface Run {
  readonly moved: number[];
  readonly minimum: number[];
}

function replay(assignor: string, start: readonly string[], events: readonly Event[]): Run {
  let members = [...start];
  let previous: ReadonlyMap<string, readonly TopicPartition[]> = assign(assignor, members, PARTITIONS).assignment;
  const moved: number[] = [];
  const minimum: number[] = [];
  for (const e of events) {
    members = e.kind === 'join' ? [...members, e.member] : members.filter((m) => m !== e.member);
    const r = assign(assignor, members, PARTITIONS, previous);
    moved.push(r.moved.length);
    minimum.push(r.minimumMoves ?? NaN);
    previous = r.assignment;
  }
  return { moved, minimum };
}

/** Partitions moved when a 6th member joins 5 (the KafkaJS figure: round-robin moves 50 of 60; 10 is the minimum). */
function sixthJoin(assignor: string): { moved: number; minimum: number } {
  const five = ['consumer-0', 'consumer-1', 'consumer-2', 'consumer-3', 'consumer-4'];
  const before = assign(assignor, five, PARTITIONS).assignment;
  const r = assign(assignor, [...five, 'consumer-5'], PARTITIONS, before);
  return { moved: r.moved.length, minimum: r.minimumMoves ?? NaN };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export const consumerGroups: Experiment = {
  id: 'consumer-groups',
  title: 'Consumer groups: partitions moved when members come and go',
  claim:
    'When a consumer joins or leaves a group, the eager range and round-robin assignors reshuffle far more partitions than needed, while the sticky and cooperative-sticky assignors move only the minimum a balanced assignment requires — the rebalancing rule of DDIA ch. 6 ("move no more data than necessary") applied to consumers (Kafka KIP-54, KIP-429).',
  run(ctx: ExperimentContext): ExperimentOutput {
    const h = history(ctx.size(200, 60), ctx.random);
    const names = [...assignorNames];
    const runs = new Map<string, Run>();
    names.forEach((a, i) => {
      runs.set(a, replay(a, h.start, h.events));
      ctx.progress(i + 1, names.length);
    });
    // The minimum depends on who owned what before, so each run is held to its own; the chart's line is the sticky run's.
    const reference = names.find((a) => /sticky/.test(a)) ?? (names[0] as string);
    const minimum = (runs.get(reference) as Run).minimum;
    const cumulative = (xs: readonly number[]) => {
      let s = 0;
      return xs.map((x, i) => ({ x: i + 1, y: (s += x) }));
    };
    const six = new Map(names.map((a) => [a, sixthJoin(a)]));
    const checks: Check[] = [];
    for (const a of names) {
      const r = runs.get(a) as Run;
      const extra = sum(r.moved) - sum(r.minimum);
      const exact = r.moved.every((m, i) => m === r.minimum[i]);
      const sticky = /sticky/.test(a);
      checks.push(
        sticky
          ? {
              claim: `${a} moves exactly the minimum on every change`,
              held: exact,
              measured: `${sum(r.moved)} partitions moved over ${h.events.length} changes; minimum ${sum(r.minimum)}; changes above the minimum: ${r.moved.filter((m, i) => m !== r.minimum[i]).length}`,
            }
          : {
              claim: `${a} moves far more than the minimum (at least 2× over the history)`,
              held: sum(r.moved) >= 2 * sum(r.minimum),
              measured: `${sum(r.moved)} partitions moved over ${h.events.length} changes; minimum ${sum(r.minimum)} (${extra} extra, ${(sum(r.moved) / sum(r.minimum)).toFixed(1)}×)`,
            },
      );
    }
    return {
      charts: [
        {
          id: 'cumulative',
          title: `Partitions moved, cumulative, over a random join/leave history (${PARTITIONS} partitions)`,
          type: 'line',
          x: { label: 'membership changes', unit: 'changes' },
          y: { label: 'partitions moved so far', unit: 'partitions' },
          series: [...names.map((a) => ({ label: a, points: cumulative((runs.get(a) as Run).moved) })), { label: 'minimum', dashed: true, points: cumulative(minimum) }],
          caption: 'Sticky and cooperative-sticky sit on the minimum line: they keep every partition they can.',
        },
        {
          id: 'per-change',
          title: 'Partitions moved per change',
          type: 'bar',
          x: { label: 'measure', unit: '', scale: 'category' },
          y: { label: 'partitions moved', unit: 'partitions' },
          categories: ['mean per change', 'max in one change', '6th member joins 5'],
          series: [
            ...names.map((a) => {
              const r = runs.get(a) as Run;
              return { label: a, values: [round(sum(r.moved) / r.moved.length, 3), Math.max(...r.moved), (six.get(a) as { moved: number }).moved] };
            }),
            { label: 'minimum', dashed: true, values: [round(sum(minimum) / minimum.length, 3), Math.max(...minimum), (six.get(names[0] as string) as { minimum: number }).minimum] },
          ],
        },
      ],
      tables: [
        {
          title: `Partitions moved (${PARTITIONS} partitions, ${h.events.length} random joins and leaves from ${START_MEMBERS} members, at most ${MAX_MEMBERS})`,
          columns: [
            { label: 'assignor' },
            { label: 'total moved', unit: 'partitions', format: 'int' },
            { label: 'minimum', unit: 'partitions', format: 'int' },
            { label: 'moved / minimum', unit: '×', format: 'fixed2' },
            { label: 'mean per change', unit: 'partitions', format: 'fixed1' },
            { label: '6th member joins 5', unit: 'partitions', format: 'int' },
          ],
          rows: names.map((a) => {
            const r = runs.get(a) as Run;
            return [a, sum(r.moved), sum(r.minimum), round(sum(r.moved) / sum(r.minimum), 3), round(sum(r.moved) / r.moved.length, 3), (six.get(a) as { moved: number }).moved];
          }),
        },
      ],
      checks,
      notes: [
        `One topic of ${PARTITIONS} partitions. The same seeded history for every assignor: ${h.events.filter((e) => e.kind === 'join').length} joins and ${h.events.filter((e) => e.kind === 'leave').length} leaves. A partition counts as moved when its owner changes, including partitions of a member that left (they must move).`,
        'The minimum is the fewest partitions any assignment balanced within one partition must move: the partitions of departed members plus what the surviving members must give up to reach their quota. It depends on who owned what before, so each assignor is held to the minimum of its own history; the charts draw the sticky run’s.',
      ],
    };
  },
};
