/**
 * Durability of acknowledged writes (fsync `always`, and `interval`, whose
 * acknowledged writes are in the OS and so survive a killed process): a client pipelines SETs
 * to a node; the test SIGKILLs the node at seeded random moments (20 kills),
 * restarts it each time, and checks that every SET answered OK before the
 * kill is there with its value, and that the store keeps serving after each
 * crash. A key is written once, so the value read must be exactly the acknowledged one.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { Harness } from '../testing/harness.js';
import { RespClient } from '../testing/resp-client.js';
import { mulberry32, randomInt } from '../../util/random.js';

const h = new Harness();
afterAll(() => h.stopAll(), 30_000);

const KILLS = 20;
const WINDOW = 64;

/** Pipeline SETs with at most WINDOW in flight until the connection drops; returns the acknowledged keys and values. */
async function writeUntilKilled(port: number, run: number, random: () => number, onStarted: () => void): Promise<Map<string, string>> {
  const acked = new Map<string, string>();
  const c = await RespClient.connect(port);
  const sent: Array<[string, string]> = [];
  let next = 0;
  const sendOne = () => {
    const key = `r${run}:${next++}`;
    const value = `v${randomInt(random, 1e9)}:${'x'.repeat(randomInt(random, 200))}`;
    sent.push([key, value]);
    c.send('SET', key, value);
  };
  for (let i = 0; i < WINDOW; i++) sendOne();
  onStarted();
  for (;;) {
    let reply;
    try {
      reply = await c.read(10_000);
    } catch {
      break;
    }
    const [key, value] = sent.shift() as [string, string];
    if (reply === 'OK') acked.set(key, value);
    else throw new Error(`SET ${key} answered ${String(reply)}`);
    sendOne();
  }
  c.close();
  return acked;
}

describe.each([
  { fsync: 'always', kills: KILLS, seed: 1414 },
  { fsync: 'interval', kills: 8, seed: 1415 },
] as const)('no acknowledged write is lost when the node is SIGKILLed (fsync $fsync)', ({ fsync, kills, seed }) => {
  it(`${kills} kills at seeded random moments, every acknowledged SET survives`, async () => {
    const random = mulberry32(seed);
    const cluster = await h.startShardkitCluster(1, { fsync });
    const port = cluster.ports[0] as number;
    const all = new Map<string, string>();
    try {
      for (let run = 0; run < kills; run++) {
        const proc = cluster.procs[0];
        const delayMs = 20 + randomInt(random, 250);
        const acked = await writeUntilKilled(port, run, random, () => setTimeout(() => proc?.kill('SIGKILL'), delayMs));
        await proc?.exited;
        for (const [k, v] of acked) all.set(k, v);
        await cluster.restart(0);
        const c = await RespClient.connect(port);
        const keys = [...all.keys()];
        for (const k of keys) c.send('GET', k);
        const lost: string[] = [];
        for (const k of keys) {
          const got = await c.read(10_000);
          if (!Buffer.isBuffer(got) || got.toString() !== all.get(k)) lost.push(`${k}: expected ${all.get(k)?.slice(0, 20)}, got ${String(got).slice(0, 20)}`);
        }
        c.close();
        expect(lost, `run ${run} (kill after ${delayMs} ms): lost acknowledged writes\n${h.logs()}`).toEqual([]);
      }
      expect(all.size).toBeGreaterThan(kills * 10);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${h.logs()}`);
    }
  }, 120_000);
});
