/**
 * The log's public entry points against the hostile-value generator
 * (src/testing/hostile.ts): every value gets a typed ShardkitError or is
 * accepted as documented, never a plain TypeError (a null-prototype topic
 * name once made the unknown-topic error itself throw, "Cannot convert
 * object to primitive value"), and the broker is unchanged afterwards.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from './broker.js';
import { expectTypedOrAccepted, hostileValues } from '../testing/hostile.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openBroker(): Broker {
  const d = mkdtempSync(join(tmpdir(), 'shardkit-hostile-log-'));
  dirs.push(d);
  const b = Broker.open({ dataDir: d });
  b.createTopic('orders', { partitions: 2 });
  b.producer().send('orders', { key: 'k', value: 'v' });
  return b;
}

/** What a caller can observe of the broker: topics, their partitions and end offsets. */
function observe(b: Broker): string {
  return JSON.stringify(b.topicNames().map((t) => [t, b.describeTopic(t), b.latestOffset(t, 0)]));
}

describe('log: hostile values at every entry point (issue 12 §4)', () => {
  it('topic names, options and messages: a typed error or a documented acceptance, and nothing changes', () => {
    const b = openBroker();
    try {
      const check = (what: string, call: () => unknown, accepted: boolean) => {
        const before = observe(b);
        const out = expectTypedOrAccepted(what, call, accepted);
        if (!out.ok) expect(observe(b), `${what}: the broker changed although the call was refused`).toBe(before);
      };
      for (const h of hostileValues()) {
        const label = (what: string) => `${what} with ${h.name}`;
        const isNullish = h.name === 'undefined' || h.name === 'null';
        // "__proto__" is a valid topic name (topics live in a Map): created, then found.
        const validName = h.name === 'string "__proto__"';
        check(label('createTopic(name)'), () => b.createTopic(h.make() as string), validName);
        check(label('createTopic(options.partitions)'), () => b.createTopic(`t-${observe(b).length}`, { partitions: h.make() as number }), h.name === 'undefined');
        check(label('send(topic)'), () => b.producer().send(h.make() as string, { value: 'x' }), validName);
        check(label('send(message.key)'), () => b.producer().send('orders', { key: h.make() as string, value: 'x' }), h.kind === 'string' || isNullish || h.name === 'Uint8Array');
        check(label('describeTopic'), () => b.describeTopic(h.make() as string), validName);
        check(label('offsetForTime'), () => b.offsetForTime('orders', 0, h.make() as number), h.kind === 'number' && h.name !== 'NaN');
        check(label('commitOffsets(groupId)'), () => b.commitOffsets(h.make() as string, [{ topic: 'orders', partition: 0, offset: 1 }], null), h.kind === 'string');
      }
    } finally {
      b.close();
    }
  });
});
