import { setTimeout as sleep } from 'node:timers/promises';
import {
  createRequest,
  decodeJsonBody,
  encodeJsonBody,
  RequestCode,
  ResponseCode,
  type LockBatchRequestBody,
  type LockBatchResponseBody,
} from '@rocketnest/protocol';
import { queueKey } from './allocate.js';
import type { ClientInstance } from './client-instance.js';
import type { ConsumeMessageService, ConsumeParts, OwnedQueue } from './consume-message-service.js';
import type { MessageQueue } from './topic-route.js';

/** The broker's queue lock, renewed this often (lockInterval) ... */
const LOCK_RENEW_INTERVAL_MS = 20_000;
/** ... and trusted by the client this long after it was last granted (lockMaxLiveTime). */
const LOCK_VALID_MS = 30_000;

/**
 * Orderly consumption (ConsumeMessageOrderlyService): one queue's messages strictly in order,
 * one batch at a time. In clustering, a queue is consumed only while the broker holds its lock
 * for this member (LOCK_BATCH_MQ, renewed every 20 s), so that no other member consumes it
 * meanwhile. A failed batch waits and is given again, until a message of it reached
 * maxReconsumeTimes (unlimited by default): then it goes to the DLQ and the queue moves on.
 */
export class ConsumeOrderlyService implements ConsumeMessageService {
  private readonly lockTimes = new Map<string, number>();

  constructor(
    private readonly parts: ConsumeParts,
    private readonly settings: {
      readonly clustering: boolean;
      readonly batchSize: number;
      readonly maxReconsumeTimes: number;
      readonly running: () => boolean;
    },
    private readonly brokers: {
      readonly instance: ClientInstance;
      readonly group: string;
      readonly masterOf: (brokerName: string, topic?: string) => Promise<string | undefined>;
      /** The queues the consumer owns now. */
      readonly owned: () => Iterable<OwnedQueue>;
    },
  ) {}

  start(every: (ms: number, task: () => Promise<void>) => void): void {
    if (this.settings.clustering) every(LOCK_RENEW_INTERVAL_MS, () => this.renewLocks());
  }

  /** Start the queue's orderly loop, or tell the running one there is more. */
  dispatch(owned: OwnedQueue): void {
    if (owned.consuming) {
      owned.more = true;
      return;
    }
    owned.consuming = this.parts.calls.track(this.loop(owned)).finally(() => (owned.consuming = undefined));
  }

  /** In clustering, a queue is taken only once the broker locks it for this member. */
  async acquireQueue(queue: MessageQueue): Promise<boolean> {
    if (!this.settings.clustering) return true;
    const locked = await this.lock(queue.brokerName, [queue]);
    return locked.has(queueKey(queue));
  }

  lockedAt(queue: MessageQueue): number | undefined {
    return this.lockTimes.get(queueKey(queue));
  }

  /** The lock goes after the queue's offset is committed, so the next owner starts exactly after it. */
  async released(owned: OwnedQueue): Promise<void> {
    if (!this.settings.clustering) return;
    this.lockTimes.delete(queueKey(owned.queue));
    await this.unlock(owned.queue.brokerName, [owned.queue]);
  }

  async shutdown(): Promise<void> {
    if (!this.settings.clustering) return;
    await this.parts.offsets.persist();
    for (const [brokerName, queues] of this.ownedByBroker()) await this.unlock(brokerName, queues);
  }

  /** Lock every owned queue again, per broker; one the broker refuses stops being consumed. */
  private async renewLocks(): Promise<void> {
    for (const [brokerName, queues] of this.ownedByBroker()) {
      const locked = await this.lock(brokerName, queues).catch(() => new Set<string>());
      const owned = new Map([...this.brokers.owned()].map((o) => [queueKey(o.queue), o]));
      for (const queue of queues) {
        const held = owned.get(queueKey(queue));
        if (held && locked.has(queueKey(queue))) this.dispatch(held);
      }
    }
  }

  /** One batch at a time from the lowest offset, while the queue's lock is valid. */
  private async loop(owned: OwnedQueue): Promise<void> {
    const { clustering, batchSize, maxReconsumeTimes: max, running } = this.settings;
    const key = queueKey(owned.queue);
    do {
      owned.more = false;
      while (!owned.process.dropped && running()) {
        if (clustering && Date.now() - (this.lockTimes.get(key) ?? 0) > LOCK_VALID_MS) {
          // The lock lapsed (the broker unreachable, say): wait for the renewal to take it again.
          await sleep(1000, undefined, { ref: false });
          continue;
        }
        const batch = owned.process.first(batchSize);
        if (batch.length === 0) break;
        const context = this.parts.calls.context(owned.queue);
        let done = await this.parts.calls.call(batch, context);
        const exhausted = max >= 0 && batch.some((message) => message.reconsumeTimes >= max);
        if (!done && (exhausted || context.delayLevelWhenNextConsume < 0)) {
          done = (await this.parts.returns.sendBack(batch, -1)).length === 0;
        }
        if (done) {
          const offset = owned.process.remove(batch);
          if (offset >= 0) this.parts.offsets.update(owned.queue, offset);
          continue;
        }
        for (const message of batch) message.reconsumeTimes++;
        await sleep(context.retryAfterMs ?? context.suspendCurrentQueueTimeMillis, undefined, { ref: false });
      }
    } while (owned.more && !owned.process.dropped && running());
  }

  /** LOCK_BATCH_MQ: the keys of the queues the broker now holds for this member. */
  private async lock(brokerName: string, queues: MessageQueue[]): Promise<Set<string>> {
    const { instance, masterOf } = this.brokers;
    const address = await masterOf(brokerName, queues[0]?.topic);
    if (!address) return new Set();
    const response = await instance.remoting.invoke(
      address,
      createRequest(RequestCode.LOCK_BATCH_MQ, { body: this.lockBody(queues) }),
    );
    if (response.code !== ResponseCode.SUCCESS) return new Set();
    const { lockOKMQSet } = decodeJsonBody<LockBatchResponseBody>(response.body, 'LockBatchResponseBody');
    const now = Date.now();
    const locked = new Set(lockOKMQSet.map(queueKey));
    for (const key of locked) this.lockTimes.set(key, now);
    return locked;
  }

  private async unlock(brokerName: string, queues: MessageQueue[]): Promise<void> {
    const address = await this.brokers.masterOf(brokerName, queues[0]?.topic);
    if (!address) return;
    await this.brokers.instance.remoting
      .invoke(address, createRequest(RequestCode.UNLOCK_BATCH_MQ, { body: this.lockBody(queues) }))
      .catch(() => undefined);
  }

  private lockBody(queues: MessageQueue[]): Buffer {
    const body: LockBatchRequestBody = {
      consumerGroup: this.brokers.group,
      clientId: this.brokers.instance.clientId,
      onlyThisBroker: false,
      mqSet: queues.map(({ topic, brokerName, queueId }) => ({ topic, brokerName, queueId })),
    };
    return encodeJsonBody(body);
  }

  private ownedByBroker(): Map<string, MessageQueue[]> {
    const byBroker = new Map<string, MessageQueue[]>();
    for (const { queue } of this.brokers.owned()) {
      byBroker.set(queue.brokerName, [...(byBroker.get(queue.brokerName) ?? []), queue]);
    }
    return byBroker;
  }
}
