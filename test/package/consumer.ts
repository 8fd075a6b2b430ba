/**
 * A TypeScript program that uses shardkit the way another project does:
 * through every subpath of the package, with the strictest flags a consumer
 * is likely to set (package.test.ts type-checks it against the installed
 * tarball under moduleResolution node16 and bundler). In this repository it
 * is type-checked against the sources too, as part of `npm run typecheck`.
 */
import * as shardkit from 'shardkit';
import { runtimeInfo, type RuntimeInfo } from 'shardkit';
import { redisKeySlot, kafkaPartition, hash32ByName, crc32cBytes, type Hash32 } from 'shardkit/hash';
import { ConsistentHashRing, SlotPlacement, createPlacement, formatPlan, type Placement, type RingOptions } from 'shardkit/partitioning';
import { RangeStore, KeySalter, type RangeStoreOptions } from 'shardkit/range';
import { DocumentPartitionedDB, TermPartitionedDB } from 'shardkit/index';
import { Broker, assign, type BrokerOptions } from 'shardkit/log';
import { Coordinator, type CoordinatorOptions } from 'shardkit/replication';
import { ManualClock, mulberry32, type Clock, type Random } from 'shardkit/util';
import { InvalidArgumentError, ShardkitError } from 'shardkit/errors';
import { ClusterClient, OwnerUnreachableError, decodeMap, encodeMap, initialMap, type ClusterClientOptions, type ClusterMap, type MetaStore } from 'shardkit/cluster';

const info: RuntimeInfo = runtimeInfo();
const backend: 'isa-l' | '@node-rs/crc32' = info.crc32cBackend;

const h: Hash32 = hash32ByName('xxh32');
const slot: number = redisKeySlot('foo{hash_tag}');
const partition: number = kafkaPartition('order-42', 12);
const crc: number = crc32cBytes(new TextEncoder().encode('123456789'));

const ringOptions: RingOptions = { vnodes: 16 };
const ring = new ConsistentHashRing(['a', 'b', { id: 'c', weight: 2 }], ringOptions);
const { placement, plan } = ring.withNode('d');
const asPlacement: Placement = placement;
const planText: string = formatPlan(plan);
const redis = SlotPlacement.redis(['n1', 'n2', 'n3']);
const tokens = createPlacement('tokens', { nodes: ['a', 'b', 'c'], tokensPerNode: 16, allocation: 'balanced' });

const storeOptions: RangeStoreOptions<string> = { maxPartitionSize: 1000, nodes: ['n1', 'n2'] };
const store = new RangeStore<string>(storeOptions);
store.put('user:42', 'Ada');
const salted: string = new KeySalter(8).salt('user:42');

const local = new DocumentPartitionedDB({ partitions: 4, fields: ['color'] });
local.put('191', { color: 'red' });
const global = new TermPartitionedDB({ partitions: 4, fields: ['color'], indexMode: 'async', pendingMax: 100 });
global.put('191', { color: 'red' });

const brokerOptions: BrokerOptions = {};
const broker = Broker.open(brokerOptions);
broker.createTopic('orders', { partitions: 3 });
const sent = broker.producer().send('orders', { key: 'user-1', value: 'paid' });
const assignment = assign('cooperative-sticky', ['m1', 'm2'], { orders: 3 });

const clock: Clock = new ManualClock(0);
const random: Random = mulberry32(7);
const coordinatorOptions: CoordinatorOptions = { nodes: ['a', 'b', 'c', 'd', 'e'], n: 3, w: 2, r: 2, hintTtlMs: 60_000, clock };
const coordinator = new Coordinator(coordinatorOptions);
coordinator.nodeDown('b');
const written = coordinator.write('user:1', 'Ada');

let rejected = false;
try {
  new ConsistentHashRing([]);
} catch (e) {
  rejected = e instanceof InvalidArgumentError && e instanceof ShardkitError;
}

const clusterMap: ClusterMap = decodeMap(encodeMap(initialMap('redis-slots', {}, [{ id: 'n1', weight: 1, host: '127.0.0.1', port: 7001 }])));
const clientOptions: ClusterClientOptions = { map: clusterMap, redirectsMax: 3 };
const metaStore: MetaStore | undefined = undefined;

export const results = {
  backend,
  hash: h('key') >>> 0,
  slot,
  partition,
  crc,
  locate: ring.locate('user:42'),
  preference: asPlacement.preferenceList('user:42', 2),
  planText: planText.length > 0,
  redisPartition: redis.partitionOf('{user1000}.following'),
  tokens: tokens.locate('k'),
  storePartitions: store.stats().partitionCount,
  salted,
  localHits: local.queryByField('color', 'red').hits.length,
  sentOffset: sent.offset,
  assignment,
  random: random(),
  written: written.ok,
  rejected,
  namespaces: typeof shardkit.partitioning.createPlacement === 'function',
  clusterMap,
  clientOptions,
  connect: typeof ClusterClient.connect === 'function',
  unreachable: OwnerUnreachableError.name,
  meta: metaStore,
};
