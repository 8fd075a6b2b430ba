/**
 * `shardkit rebalance` against a running cluster started in this process:
 * the metadata service (in memory, served over HTTP as `shardkit meta`
 * serves it) holding the map, and three nodes under that map. The CLI is
 * found through a cluster directory (cluster.json) or --meta/--name.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../util/clock.js';
import { type ClusterMap, encodeMap, initialMap, placementOf } from '../cluster/map.js';
import { startMetaServer, type MetaServer } from '../cluster/meta/http/server.js';
import { MemoryMetaStore } from '../cluster/meta/memory.js';
import { clusterPrefix } from '../cluster/meta/types.js';
import { FileMapSource } from '../cluster/node/map-source.js';
import { type RunningNode, startNode } from '../cluster/node/node.js';
import { freePorts } from '../cluster/testing/harness.js';
import { RespClient } from '../cluster/testing/resp-client.js';
import type { PlanJournal, RebalancePlan } from '../cluster/rebalance/types.js';
import { runCli } from './run-in-process.js';

const NAME = 'rbtest';
const prefix = clusterPrefix(NAME);
let dir = '';
let store: MemoryMetaStore;
let server: MetaServer;
let map: ClusterMap;
const nodes: RunningNode[] = [];
let newPort = 0;
/** Keys written per partition. */
const written = new Map<number, number>();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-cli-rebalance-'));
  store = new MemoryMetaStore();
  server = await startMetaServer({ store, host: '127.0.0.1', port: 0 });
  const ports = await freePorts(4);
  newPort = ports[3] as number;
  map = initialMap('redis-slots', {}, ports.slice(0, 3).map((port, i) => ({ id: `n${i + 1}`, weight: 1, host: '127.0.0.1', port })));
  await store.put(`${prefix}map`, encodeMap(map));
  fs.writeFileSync(path.join(dir, 'map.json'), encodeMap(map));
  fs.writeFileSync(
    path.join(dir, 'cluster.json'),
    JSON.stringify({ format: 1, name: NAME, strategy: 'redis-slots', meta: { host: '127.0.0.1', port: server.port, url: server.url }, nodes: map.nodes.map(({ id, host, port }) => ({ id, host, port })) }),
  );
  for (const n of map.nodes) {
    nodes.push(await startNode({ id: n.id, host: n.host, port: n.port, dataDir: path.join(dir, n.id), maps: new FileMapSource(path.join(dir, 'map.json')), clock: systemClock, fsync: 'never' }));
  }
  const placement = placementOf(map);
  const clients = new Map<number, RespClient>();
  for (let i = 0; i < 300; i++) {
    const key = `key:${i}`;
    const owner = map.nodes.find((n) => n.id === placement.locate(key))!;
    let c = clients.get(owner.port);
    if (c === undefined) clients.set(owner.port, (c = await RespClient.connect(owner.port)));
    expect(await c.call('SET', key, 'v'.repeat(i % 50))).toBe('OK');
    const slot = (await c.call('CLUSTER', 'KEYSLOT', key)) as number;
    written.set(slot, (written.get(slot) ?? 0) + 1);
  }
  for (const c of clients.values()) c.close();
}, 30_000);

afterAll(async () => {
  for (const n of nodes) await n.close();
  await server?.close();
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const planOf = async (id: string): Promise<RebalancePlan> => JSON.parse(new TextDecoder().decode((await store.get(`${prefix}rebalance/plans/${id}`))!.value)) as RebalancePlan;

describe('shardkit rebalance against a running cluster', () => {
  let addId = '';

  it('plan --add gathers SK.PARTSTATS from every node, stores a proposed plan and prints its moves and id', async () => {
    const r = await runCli('rebalance', 'plan', '--dir', dir, '--add', 'n4', '--address', `127.0.0.1:${newPort}`, '--max-bytes-per-sec', '1048576');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = /^plan (add-e1-[0-9a-z]{6}) \(proposed\): add n4 \(127\.0\.0\.1:\d+\), from map epoch 1$/m.exec(r.stdout)?.[1];
    expect(id, r.stdout).toBeDefined();
    addId = id as string;
    expect(r.stdout).toMatch(/MOVE\s+PARTITIONS\s+FROM\s+TO\s+KEYS\s+BYTES/);
    expect(r.stdout).toContain(`approve with: shardkit rebalance approve ${addId}`);
    const plan = await planOf(addId);
    expect(plan.state).toBe('proposed');
    expect(plan.moves.reduce((s, m) => s + m.last - m.first + 1, 0)).toBe(4096);
    expect(plan.moves.every((m) => m.to === 'n4')).toBe(true);
    // Keys per move are the keys written to its slots.
    for (const m of plan.moves) {
      let keys = 0;
      for (let p = m.first; p <= m.last; p++) keys += written.get(p) ?? 0;
      expect(m.keys).toBe(keys);
    }
    const keys = plan.moves.reduce((s, m) => s + m.keys, 0);
    expect(keys).toBeGreaterThan(0);
    expect(r.stdout).toMatch(new RegExp(`total: ${plan.moves.length} moves, 4096 partitions, ${keys} keys, .*; estimate .* at 1\\.0 MiB/s and 2 moves at once per node`));
  });

  it('show and list print the stored plan; --meta and --name find the cluster without a directory', async () => {
    const show = await runCli('rebalance', 'show', addId, '--meta', server.url, '--name', NAME);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`plan ${addId} (proposed): add n4`);
    const json = await runCli('rebalance', 'show', addId, '--dir', dir, '--json');
    expect(JSON.parse(json.stdout)).toEqual({ plan: await planOf(addId), journal: null });
    const list = await runCli('rebalance', 'list', '--dir', dir);
    expect(list.stdout).toMatch(new RegExp(`^${addId}\\s+proposed\\s+add\\s+n4\\s+\\d+\\s+4096`, 'm'));
  });

  it('approve --no-run approves without running; a second plan cannot be approved meanwhile; status shows progress from the journal', async () => {
    const ok = await runCli('rebalance', 'approve', addId, '--dir', dir, '--no-run');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`plan ${addId} is approved`);
    expect((await planOf(addId)).state).toBe('approved');

    const other = await runCli('rebalance', 'plan', '--dir', dir, '--remove', 'n3', '--json');
    expect(other.code).toBe(0);
    const removeId = (JSON.parse(other.stdout) as { plan: RebalancePlan }).plan.id;
    const refused = await runCli('rebalance', 'approve', removeId, '--dir', dir, '--no-run');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`cannot approve plan ${removeId}: plan ${addId} is approved`);
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    const plan = await planOf(addId);
    const first = plan.moves[0]!;
    const journal: PlanJournal = {
      format: 1,
      plan: addId,
      updatedAtMs: 1_700_000_000_000,
      moves: [
        { index: 0, phase: 'done', copiedKeys: first.keys, copiedBytes: first.bytes, lagChanges: 0, restarts: 0 },
        { index: 1, phase: 'copy', copiedKeys: 0, copiedBytes: Math.floor(plan.moves[1]!.bytes / 2), lagChanges: 7, restarts: 0 },
      ],
    };
    await store.put(`${prefix}rebalance/journal/${addId}`, new TextEncoder().encode(JSON.stringify(journal)));
    const status = await runCli('rebalance', 'status', '--dir', dir);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`plan ${addId} (approved)`);
    expect(status.stdout).toMatch(/PROGRESS\s+COPIED\s+PHASE\s+LAG/);
    expect(status.stdout).toMatch(/^1\s+\S+\s+n\d\s+n4\s+\d+\s+.*\[#{20}\].*done\s+0$/m);
    expect(status.stdout).toMatch(/^2\s+.*\[#{10}\.{10}\].*copy\s+7$/m);
    expect(status.stdout).toMatch(new RegExp(`progress: ${addId} approved \\[[#.]{20}\\] 1/${plan.moves.length} moves, .* ETA \\d`));
    const json = JSON.parse((await runCli('rebalance', 'status', addId, '--dir', dir, '--json')).stdout) as { plan: RebalancePlan; journal: PlanJournal };
    expect(json).toEqual({ plan, journal });
  });

  it('pause (the active plan by default) and resume --no-run; cancel ends a plan, and a final plan cannot change any more', async () => {
    const pause = await runCli('rebalance', 'pause', '--dir', dir);
    expect(pause.code).toBe(0);
    expect(pause.stdout).toContain(`plan ${addId} is paused`);
    const resumed = await runCli('rebalance', 'resume', addId, '--dir', dir, '--no-run');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`plan ${addId} is approved`);
    const r = await runCli('rebalance', 'cancel', addId, '--dir', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`plan ${addId} is cancelled`);
    const again = await runCli('rebalance', 'approve', addId, '--dir', dir, '--no-run');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`plan ${addId} cannot become approved: it is cancelled, a final state`);
    const resume = await runCli('rebalance', 'resume', addId, '--dir', dir, '--no-run');
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain('only a paused plan can be resumed');
    const none = await runCli('rebalance', 'pause', '--dir', dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no plan is approved, running or paused: nothing to pause');
  });

  it('refuses bad requests with one clear line and a non-zero exit, storing nothing', async () => {
    const before = (await store.list(`${prefix}rebalance/plans/`)).kvs.length;
    const cases: Array<[string[], RegExp]> = [
      [['--add', 'n9'], /invalid --address/],
      [['--add', 'n1', '--address', '127.0.0.1:9'], /invalid node to add: got "n1"; allowed: an id not in the map already/],
      [['--remove', 'n7'], /unknown node "n7"; known: n1, n2, n3/],
      [['--add', 'n9', '--address', '127.0.0.1:9', '--remove', 'n1'], /exactly one of --add/],
      [['--balance', '--by', 'load'], /nodes keep no per-partition load/],
      [['--balance', '--by', 'heat'], /invalid --by/],
      [['--balance', '--moves-per-node', '0'], /--moves-per-node must be an integer from 1 to 64/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli('rebalance', 'plan', '--dir', dir, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await store.list(`${prefix}rebalance/plans/`)).kvs.length).toBe(before);
    const nodir = await runCli('rebalance', 'list', '--dir', path.join(dir, 'nope'));
    expect(nodir.code).toBe(2);
    expect(nodir.stderr).toMatch(/no cluster in .*nope.*--meta <url>/);
    const unknown = await runCli('rebalance', 'show', 'nope-1', '--dir', dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown rebalance plan "nope-1"; known: /);
    const noMap = await runCli('rebalance', 'plan', '--meta', server.url, '--name', 'other', '--balance');
    expect(noMap.code).toBe(2);
    expect(noMap.stderr).toMatch(/no cluster map under \/shardkit\/other\/map/);
  });

  it('balance by keys plans swaps that even out the nodes and reports the imbalance', async () => {
    const r = await runCli('rebalance', 'plan', '--dir', dir, '--balance', '--by', 'keys');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(proposed\): balance by keys, from map epoch 1/);
    expect(r.stdout).toMatch(/imbalance by keys \(most loaded node \/ its share\): \d\.\d{3} → \d\.\d{3} \(goal ≤ 1\.05\)/);
  });
});
