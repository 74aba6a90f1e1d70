import {
  createRequest,
  QueryConsumerOffsetRequestHeader,
  RequestCode,
  ResponseCode,
  UpdateConsumerOffsetRequestHeader,
  OffsetResponseHeader,
} from '@rocketnest/protocol';
import { queueKey } from './allocate.js';
import type { ClientInstance } from './client-instance.js';
import { MQBrokerError } from './errors.js';
import type { MessageQueue } from './topic-route.js';

/** Where a consumer keeps its offsets: the broker (clustering) or a local file (broadcasting). */
export interface OffsetStore {
  /** The stored offset, or -1 when there is none. */
  read(queue: MessageQueue): Promise<number>;
  update(queue: MessageQueue, offset: number): void;
  /** Store what moved (of these queues, or of all). */
  persist(queues?: readonly MessageQueue[]): Promise<void>;
  remove(queue: MessageQueue): void;
}

interface OffsetEntry {
  queue: MessageQueue;
  offset: number;
}

/**
 * RemoteBrokerOffsetStore: a clustering group's offsets, kept in memory as consumption moves and
 * committed to the queue's broker every persist interval, on rebalance and on shutdown.
 */
export class RemoteOffsetStore implements OffsetStore {
  private readonly offsets = new Map<string, OffsetEntry>();

  constructor(
    private readonly instance: ClientInstance,
    private readonly group: string,
    private readonly brokerAddress: (queue: MessageQueue) => Promise<string | undefined>,
  ) {}

  /** The broker's committed offset, or -1 when the group has none for the queue. */
  async read(queue: MessageQueue): Promise<number> {
    const address = await this.brokerAddress(queue);
    if (!address) throw new Error(`no address for broker ${queue.brokerName}`);
    const response = await this.instance.remoting.invoke(
      address,
      createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
        extFields: QueryConsumerOffsetRequestHeader.encode({
          consumerGroup: this.group,
          topic: queue.topic,
          queueId: queue.queueId,
        }),
      }),
    );
    if (response.code === ResponseCode.QUERY_NOT_FOUND) return -1;
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, address);
    const { offset } = OffsetResponseHeader.decode(response.extFields);
    this.offsets.set(queueKey(queue), { queue, offset });
    return offset;
  }

  update(queue: MessageQueue, offset: number): void {
    const key = queueKey(queue);
    const known = this.offsets.get(key);
    if (known) known.offset = offset;
    else this.offsets.set(key, { queue, offset });
  }

  /**
   * Commit every offset (of these queues, or of all), moved or not, as RocketMQ's persistAll
   * does: a broker that restarted after a crash lost what it had not yet written to
   * consumerOffset.json, and a slave keeps the group's offsets while its master is away. A
   * commit the broker did not take is tried once more after a route refresh: the master may have
   * just died, and its slave now keeps the offsets (it copies the master's only every 10 s).
   */
  async persist(queues?: readonly MessageQueue[]): Promise<void> {
    const keys = queues ? queues.map(queueKey) : [...this.offsets.keys()];
    await Promise.all(
      keys.map(async (key) => {
        const entry = this.offsets.get(key);
        if (!entry || entry.offset < 0) return;
        const address = await this.brokerAddress(entry.queue);
        if (!address || (await this.commit(entry, address))) return;
        await this.instance.refreshRoute(entry.queue.topic).catch(() => undefined);
        const now = await this.brokerAddress(entry.queue);
        if (now && now !== address) await this.commit(entry, now);
      }),
    );
  }

  /** UPDATE_CONSUMER_OFFSET of the entry's offset at address; false when it was not taken. */
  private async commit({ queue, offset }: OffsetEntry, address: string): Promise<boolean> {
    try {
      const response = await this.instance.remoting.invoke(
        address,
        createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
          extFields: UpdateConsumerOffsetRequestHeader.encode({
            consumerGroup: this.group,
            topic: queue.topic,
            queueId: queue.queueId,
            commitOffset: offset,
          }),
        }),
      );
      return response.code === ResponseCode.SUCCESS;
    } catch {
      return false;
    }
  }

  remove(queue: MessageQueue): void {
    this.offsets.delete(queueKey(queue));
  }
}
