/**
 * A producer: routes messages to partitions (explicit partition, else the
 * key's Kafka partition, else the partitioner's choice for unkeyed messages)
 * and appends them, one batch per partition per send. Every message of a send,
 * and the size of every partition's batch, is validated before anything is
 * appended: a bad one stores nothing. (An I/O failure, such as a full disk,
 * on one partition's append can still leave the partitions before it written:
 * appends to different partitions are separate files.)
 */
import { InvalidArgumentError, readArray, readOptions } from '../errors.js';
import type { Broker } from './broker.js';
import { readMessage, requireMethods } from './message.js';
import { partitionerByName, type Partitioner } from './partitioner.js';
import { BATCH_HEADER_BYTES, MAX_BATCH_BYTES, recordBytes } from './storage/record-batch.js';
import type { Message, ProduceResult, RecordInput } from './types.js';

/** Producer settings. */
export interface ProducerOptions {
  /** 'default' (= 'round-robin' for unkeyed), 'uniform-sticky', or your own. Keyed messages use Kafka's murmur2 in both built-ins. */
  partitioner?: string | Partitioner;
}

/** Sends messages to a broker's topics. */
export class Producer {
  private readonly broker: Broker;
  readonly partitioner: Partitioner;

  constructor(broker: Broker, given: ProducerOptions = {}) {
    this.broker = broker;
    const options = readOptions('producer options', given, ['partitioner'], 'an object { partitioner? }');
    const p = options.partitioner ?? 'default';
    const allowed = 'a partitioner name or an object with partition()';
    if (typeof p === 'string') this.partitioner = partitionerByName(p, broker.random);
    else if (p !== null && typeof p === 'object') {
      requireMethods('partitioner', p, ['partition'], allowed);
      this.partitioner = p;
    } else throw new InvalidArgumentError('partitioner', p, allowed);
  }

  /** Send one message; returns where it landed. */
  send(topic: string, message: Message): ProduceResult {
    return this.sendBatch(topic, [message])[0] as ProduceResult;
  }

  /**
   * Send `messages` to `topic`: one batch (one write, one fsync under
   * `always`) per partition touched. Results are in input order; within a
   * partition offsets follow input order. O(total bytes).
   */
  sendBatch(topic: string, given: readonly Message[]): ProduceResult[] {
    // The list and each message's fields are read once: what is checked is what is stored.
    const messages = readArray('messages', given, 'an array of messages');
    const n = this.broker.partitionCount(topic);
    const now = this.broker.clock.now();
    const records: RecordInput[] = new Array(messages.length);
    const explicitPartitions: (number | undefined)[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const { record, partition: explicit } = readMessage(messages[i], i, now);
      records[i] = record;
      if (explicit !== undefined && (typeof explicit !== 'number' || !Number.isInteger(explicit) || explicit < 0 || explicit >= n)) {
        throw new InvalidArgumentError(`messages[${i}].partition`, explicit, `an integer from 0 to ${n - 1} (topic ${topic} has ${n})`);
      }
      explicitPartitions[i] = explicit as number | undefined;
    }
    const target = new Int32Array(messages.length);
    const byPartition = new Map<number, number[]>();
    const batchBytes = new Map<number, number>();
    for (let i = 0; i < messages.length; i++) {
      const r = records[i] as RecordInput;
      const explicit = explicitPartitions[i];
      const size = recordBytes(r);
      const p = explicit ?? this.partitioner.partition(topic, r.key, size, n);
      // A partitioner's answer is checked before anything is written (a bad one would otherwise fail halfway through the batch).
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= n) {
        throw new InvalidArgumentError(`partition chosen by the partitioner for messages[${i}]`, p, `an integer from 0 to ${n - 1}`);
      }
      target[i] = p;
      let list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, (list = []));
      list.push(i);
      batchBytes.set(p, (batchBytes.get(p) ?? BATCH_HEADER_BYTES) + size);
    }
    for (const [p, bytes] of batchBytes) {
      if (bytes > MAX_BATCH_BYTES) throw new InvalidArgumentError(`batch bytes for partition ${p} of topic ${topic}`, bytes, `at most ${MAX_BATCH_BYTES} (split the send)`);
    }
    const offsets = new Float64Array(messages.length);
    for (const [p, idx] of byPartition) {
      // Records made by toRecord are already checked: append them as they are.
      const base = this.broker.topic(topic).log(p).appendChecked(idx.length === messages.length ? records : idx.map((i) => records[i] as RecordInput));
      idx.forEach((i, k) => (offsets[i] = base + k));
    }
    const out: ProduceResult[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) out[i] = { topic, partition: target[i] as number, offset: offsets[i] as number, timestampMs: (records[i] as RecordInput).timestampMs };
    return out;
  }
}
