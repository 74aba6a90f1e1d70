import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConsumerSendMsgBackRequestHeader,
  createRequest,
  decodeJsonBody,
  encodeJsonBody,
  MessageConst,
  RequestCode,
  ResponseCode,
  retryTopic,
  type LockBatchRequestBody,
  type LockBatchResponseBody,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { queueKey } from './allocate.js';
import { ConsumerBase, type ConsumerOptions } from './consumer-base.js';
import { MQClientError } from './errors.js';
import { ProcessQueue } from './process-queue.js';
import type { ReceivedMessage } from './received-message.js';
import { sendReply } from './request-reply.js';
import { retryTopicRequest } from './retry-topic.js';
import type { MessageQueue } from './topic-route.js';

/**
 * What a listener says of a batch: done; or not done, to be given again later (concurrent: back
 * on the group's retry topic after a delay; orderly: the queue waits, then the same batch again).
 */
export type ConsumeResult = 'CONSUME_SUCCESS' | 'RECONSUME_LATER' | 'SUSPEND_CURRENT_QUEUE_A_MOMENT';

/** What a listener may read and set about the batch it is given. */
export interface ConsumeContext {
  readonly queue: MessageQueue;
  /** Concurrent: the delay level of the next try (0: the broker's 3 + reconsumeTimes; -1: the DLQ). */
  delayLevelWhenNextConsume: number;
  /** Orderly: how long the queue waits before the batch is given again. */
  suspendCurrentQueueTimeMillis: number;
  /**
   * Give the batch again after exactly this long instead (concurrent: back on the retry topic as a
   * timer message, which needs a RocketNest broker; orderly: the queue waits this long).
   */
  retryAfterMs?: number | undefined;
}

export type MessageListener = (
  messages: ReceivedMessage[],
  context: ConsumeContext,
) => Promise<ConsumeResult | void> | ConsumeResult | void;

export interface PushConsumerOptions extends ConsumerOptions {
  /** Listener calls in flight at once, over all queues (default 20). */
  concurrency?: number | undefined;
  /** Messages per listener call (default 1). */
  consumeMessageBatchMaxSize?: number | undefined;
  /** Stop pulling a queue holding more than this many unconsumed messages (default 1000). */
  pullThresholdForQueue?: number | undefined;
  /** ... or more than this many MiB of bodies (default 100). */
  pullThresholdSizeForQueue?: number | undefined;
  /**
   * One queue's messages strictly in order, one batch at a time, the queue locked at the broker
   * so no other member consumes it meanwhile (ConsumeMessageOrderlyService).
   */
  orderly?: boolean | undefined;
  /**
   * Failures after which a message goes to %DLQ%{group} (default 16; orderly: unlimited, as
   * RocketMQ, since a message in the DLQ lets the queue move on past it).
   */
  maxReconsumeTimes?: number | undefined;
  /** Orderly: how long a queue waits after a failed batch (default 1 s). */
  suspendCurrentQueueTimeMillis?: number | undefined;
  /**
   * When the broker cannot take a failed message back (or in broadcasting, where nothing goes
   * back), it is given to the listener again here after this delay (default 1 s).
   */
  retryDelayMs?: number | undefined;
}

/** A queue this consumer owns: its offset, its held messages, its pull loop. */
interface OwnedQueue {
  queue: MessageQueue;
  process: ProcessQueue;
  nextOffset: number;
  /** Orderly: the running consume loop of this queue, and whether it should look again. */
  consuming?: Promise<void> | undefined;
  more?: boolean;
}

/** The broker's queue lock, renewed this often (lockInterval) ... */
const LOCK_RENEW_INTERVAL_MS = 20_000;
/** ... and trusted by the client this long after it was last granted (lockMaxLiveTime). */
const LOCK_VALID_MS = 30_000;

/**
 * A push consumer (DefaultMQPushConsumer). Clustering: the group's queues are shared out by
 * rebalancing (every 20 s and whenever the broker says the group changed); each owned queue is
 * long-polled; offsets are committed up to the lowest message still being processed. Concurrent
 * listeners run up to `concurrency` batches at once; a failed message goes back to the broker
 * (CONSUMER_SEND_MSG_BACK), returns on %RETRY%{group} after a back-off and after
 * maxReconsumeTimes goes to %DLQ%{group}; when the broker cannot take it back, it is retried
 * here: nothing is dropped. Orderly listeners take one queue's messages in order, one batch at a
 * time, under a broker lock. Broadcasting: every member owns every queue and keeps its own
 * offsets in a local file.
 */
export class PushConsumer extends ConsumerBase {
  private readonly owned = new Map<string, OwnedQueue>();
  private readonly lockedAt = new Map<string, number>();
  private listener: MessageListener | undefined;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly consuming = new Set<Promise<void>>();

  constructor(private readonly pushOptions: PushConsumerOptions) {
    super(pushOptions, 'CONSUME_PASSIVELY');
  }

  onMessage(listener: MessageListener): this {
    this.listener = listener;
    return this;
  }

  private get clustering(): boolean {
    return (this.options.messageModel ?? 'CLUSTERING') === 'CLUSTERING';
  }

  private get orderly(): boolean {
    return this.pushOptions.orderly === true;
  }

  async start(): Promise<void> {
    if (!this.listener) throw new MQClientError('no listener: call onMessage(listener) before start()');
    if (this.subscriptions.size === 0)
      throw new MQClientError('no subscription: call subscribe(topic, expression) before start()');
    // Failed messages come back on the group's retry topic, which every member reads.
    if (this.clustering) this.subscribe(retryTopic(this.options.consumerGroup), '*');
    await this.startConsuming();
    if (this.orderly && this.clustering) this.every(LOCK_RENEW_INTERVAL_MS, () => this.renewLocks());
  }

  /**
   * Answer a request message (one a producer sent with request()): the reply goes back through
   * the broker that holds the request to the requester waiting for it.
   */
  async reply(
    request: ReceivedMessage,
    body: Buffer | string,
    properties?: Readonly<Record<string, string>>,
  ): Promise<void> {
    const address = await this.masterOf(request.brokerName);
    if (!address) throw new MQClientError(`no master for broker ${request.brokerName}`);
    await sendReply(this.instance, address, this.options.consumerGroup, request, body, properties);
  }

  /** Queues this consumer owns now. */
  get assignedQueues(): MessageQueue[] {
    return [...this.owned.values()].map((owned) => owned.queue);
  }

  protected persistOffsets(): Promise<void> {
    return this.offsets.persist();
  }

  protected owns(key: string): boolean {
    return this.owned.has(key);
  }

  protected ownedKeys(topic: string): string[] {
    return [...this.owned.entries()].filter(([, owned]) => owned.queue.topic === topic).map(([key]) => key);
  }

  /** Orderly clustering: a queue is taken only once the broker locks it for this member. */
  protected override async acquireQueue(queue: MessageQueue): Promise<boolean> {
    if (!this.orderly || !this.clustering) return true;
    const locked = await this.lock(queue.brokerName, [queue]);
    return locked.has(queueKey(queue));
  }

  protected addQueue(queue: MessageQueue, offset: number): void {
    const owned: OwnedQueue = { queue, process: new ProcessQueue(), nextOffset: offset };
    this.owned.set(queueKey(queue), owned);
    void this.pullLoop(owned);
  }

  /**
   * Stop pulling a queue and commit where it got to. Orderly: the batch in hand is finished
   * first and the lock released after the commit, so the next owner starts exactly after it.
   * Concurrent: messages in hand may reach the next owner too.
   */
  protected async removeQueue(key: string): Promise<void> {
    const owned = this.owned.get(key);
    if (!owned) return;
    owned.process.dropped = true;
    this.owned.delete(key);
    await owned.consuming;
    await this.offsets.persist([owned.queue]);
    this.offsets.remove(owned.queue);
    if (this.orderly && this.clustering) {
      this.lockedAt.delete(key);
      await this.unlock(owned.queue.brokerName, [owned.queue]);
    }
  }

  /** Drop what is held of each owned queue and pull it again from its new offset. */
  protected async resetOffsets(offsets: [MessageQueue, number][]): Promise<void> {
    for (const [queue, offset] of offsets) {
      const key = queueKey(queue);
      const owned = this.owned.get(key);
      if (!owned) continue;
      owned.process.dropped = true;
      this.owned.delete(key);
      await owned.consuming;
      this.offsets.update(queue, offset);
      await this.offsets.persist([queue]);
      if (this.running) this.addQueue(queue, offset);
    }
  }

  /** Long-poll one queue until it is dropped, holding back while too much is unconsumed. */
  private async pullLoop(owned: OwnedQueue): Promise<void> {
    const { queue, process } = owned;
    const maxCount = this.pushOptions.pullThresholdForQueue ?? 1000;
    const maxBytes = (this.pushOptions.pullThresholdSizeForQueue ?? 100) * 1024 * 1024;
    while (!process.dropped && this.running) {
      if (process.count > maxCount || process.bytes > maxBytes) {
        await sleep(50);
        continue;
      }
      let result;
      try {
        result = await this.pull(queue, owned.nextOffset, process.commitOffset());
      } catch {
        if (!process.dropped && this.running) await sleep(3000, undefined, { ref: false });
        continue;
      }
      if (process.dropped) return;
      const next = result.nextOffset;
      switch (result.code) {
        case ResponseCode.SUCCESS:
          process.add(result.messages);
          process.advance(next);
          owned.nextOffset = next;
          if (result.messages.length === 0) this.offsets.update(queue, process.commitOffset());
          this.dispatch(owned, result.messages);
          break;
        case ResponseCode.PULL_NOT_FOUND:
        case ResponseCode.PULL_RETRY_IMMEDIATELY:
          process.advance(next);
          owned.nextOffset = next;
          if (process.count === 0) this.offsets.update(queue, next);
          break;
        case ResponseCode.PULL_OFFSET_MOVED:
          owned.nextOffset = next;
          process.advance(next);
          this.offsets.update(queue, next);
          await this.offsets.persist([queue]);
          break;
        default:
          await sleep(3000, undefined, { ref: false });
      }
    }
  }

  /** Hand messages to the listener: in batches within the concurrency limit, or to the queue's orderly loop. */
  private dispatch(owned: OwnedQueue, messages: ReceivedMessage[]): void {
    if (this.orderly) {
      this.consumeOrderly(owned);
      return;
    }
    const batchSize = this.pushOptions.consumeMessageBatchMaxSize ?? 1;
    for (let i = 0; i < messages.length; i += batchSize) {
      this.track(this.consumeConcurrently(owned, messages.slice(i, i + batchSize)));
    }
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.consuming.delete(tracked));
    this.consuming.add(tracked);
    return tracked;
  }

  private context(queue: MessageQueue): ConsumeContext {
    return {
      queue,
      delayLevelWhenNextConsume: 0,
      suspendCurrentQueueTimeMillis: this.pushOptions.suspendCurrentQueueTimeMillis ?? 1000,
    };
  }

  /** Call the listener within the concurrency limit; a throw counts as "give it to me again later". */
  private async callListener(batch: ReceivedMessage[], context: ConsumeContext): Promise<boolean> {
    await this.acquire();
    try {
      const result = await this.listener!(batch, context);
      return result === undefined || result === 'CONSUME_SUCCESS';
    } catch {
      return false;
    } finally {
      this.releaseSlot();
    }
  }

  private async consumeConcurrently(owned: OwnedQueue, messages: ReceivedMessage[]): Promise<void> {
    let batch = messages;
    for (;;) {
      const context = this.context(owned.queue);
      if (await this.callListener(batch, context)) break;
      if (owned.process.dropped || !this.running) return;
      // Back to the broker, which redelivers after a back-off; what it cannot take is retried here.
      if (this.clustering) {
        batch =
          context.retryAfterMs !== undefined && context.delayLevelWhenNextConsume >= 0
            ? await this.retryAfter(batch, context.retryAfterMs)
            : await this.sendBack(batch, context.delayLevelWhenNextConsume);
      }
      if (batch.length === 0) break;
      for (const message of batch) message.reconsumeTimes++;
      await sleep(this.pushOptions.retryDelayMs ?? 1000);
      if (owned.process.dropped || !this.running) return;
    }
    const offset = owned.process.remove(messages);
    if (offset >= 0 && !owned.process.dropped) this.offsets.update(owned.queue, offset);
  }

  /** Start the queue's orderly loop, or tell the running one there is more. */
  private consumeOrderly(owned: OwnedQueue): void {
    if (owned.consuming) {
      owned.more = true;
      return;
    }
    owned.consuming = this.track(this.orderlyLoop(owned)).finally(() => (owned.consuming = undefined));
  }

  /**
   * One batch at a time from the lowest offset, while the queue's lock is valid; a failed batch
   * waits suspendCurrentQueueTimeMillis and is given again, until a message of it reached
   * maxReconsumeTimes: then it goes to the DLQ and the queue moves on.
   */
  private async orderlyLoop(owned: OwnedQueue): Promise<void> {
    const batchSize = this.pushOptions.consumeMessageBatchMaxSize ?? 1;
    const max = this.pushOptions.maxReconsumeTimes ?? -1;
    const key = queueKey(owned.queue);
    do {
      owned.more = false;
      while (!owned.process.dropped && this.running) {
        if (this.clustering && Date.now() - (this.lockedAt.get(key) ?? 0) > LOCK_VALID_MS) {
          // The lock lapsed (the broker unreachable, say): wait for the renewal to take it again.
          await sleep(1000, undefined, { ref: false });
          continue;
        }
        const batch = owned.process.first(batchSize);
        if (batch.length === 0) break;
        const context = this.context(owned.queue);
        let done = await this.callListener(batch, context);
        const exhausted = max >= 0 && batch.some((message) => message.reconsumeTimes >= max);
        if (!done && (exhausted || context.delayLevelWhenNextConsume < 0)) {
          done = (await this.sendBack(batch, -1)).length === 0;
        }
        if (done) {
          const offset = owned.process.remove(batch);
          if (offset >= 0) this.offsets.update(owned.queue, offset);
          continue;
        }
        for (const message of batch) message.reconsumeTimes++;
        await sleep(context.retryAfterMs ?? context.suspendCurrentQueueTimeMillis, undefined, { ref: false });
      }
    } while (owned.more && !owned.process.dropped && this.running);
  }

  /** CONSUMER_SEND_MSG_BACK each message; returns those the broker did not take. */
  private sendBack(batch: ReceivedMessage[], delayLevel: number): Promise<ReceivedMessage[]> {
    return this.eachToItsBroker(batch, (message) =>
      createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
        extFields: ConsumerSendMsgBackRequestHeader.encode({
          offset: message.commitLogOffset,
          group: this.options.consumerGroup,
          delayLevel,
          originMsgId: message.msgId,
          originTopic: message.topic,
          maxReconsumeTimes: this.pushOptions.maxReconsumeTimes ?? 16,
        }),
      }),
    );
  }

  /**
   * Send each message to the group's retry topic due in ms (a timer message: RETRY_TOPIC,
   * ORIGIN_MESSAGE_ID and the count go with it, as the Java client's fallback does); one that has
   * used its retries goes to the DLQ. Returns those the broker did not take.
   */
  private async retryAfter(batch: ReceivedMessage[], ms: number): Promise<ReceivedMessage[]> {
    const group = this.options.consumerGroup;
    const max = this.pushOptions.maxReconsumeTimes ?? 16;
    const exhausted = batch.filter((message) => message.reconsumeTimes >= max);
    const kept = exhausted.length > 0 ? await this.sendBack(exhausted, -1) : [];
    const retried = await this.eachToItsBroker(
      batch.filter((message) => message.reconsumeTimes < max),
      (message) =>
        retryTopicRequest(group, message, {
          producerGroup: group,
          reconsumeTimes: message.reconsumeTimes + 1,
          // This count includes the retry being made; the broker dead-letters at >= max.
          maxReconsumeTimes: max + 1,
          properties: {
            [MessageConst.ORIGIN_MESSAGE_ID]: message.properties[MessageConst.ORIGIN_MESSAGE_ID] ?? message.offsetMsgId,
            [MessageConst.RECONSUME_TIME]: String(message.reconsumeTimes + 1),
            [MessageConst.MAX_RECONSUME_TIMES]: String(max),
            [MessageConst.TIMER_DELAY_MS]: String(Math.round(ms)),
          },
        }),
    );
    return [...kept, ...retried];
  }

  /** Send each message's request to the master of its broker; returns the messages not answered SUCCESS. */
  private async eachToItsBroker(
    batch: ReceivedMessage[],
    request: (message: ReceivedMessage) => RemotingCommand,
  ): Promise<ReceivedMessage[]> {
    const kept: ReceivedMessage[] = [];
    for (const message of batch) {
      try {
        const address = await this.masterOf(message.brokerName);
        if (!address) throw new MQClientError(`no master for broker ${message.brokerName}`);
        const response = await this.instance.remoting.invoke(address, request(message));
        if (response.code !== ResponseCode.SUCCESS) kept.push(message);
      } catch {
        kept.push(message);
      }
    }
    return kept;
  }

  /** LOCK_BATCH_MQ: the keys of the queues the broker now holds for this member. */
  private async lock(brokerName: string, queues: MessageQueue[]): Promise<Set<string>> {
    const address = await this.masterOf(brokerName, queues[0]?.topic);
    if (!address) return new Set();
    const response = await this.instance.remoting.invoke(
      address,
      createRequest(RequestCode.LOCK_BATCH_MQ, { body: this.lockBody(queues) }),
    );
    if (response.code !== ResponseCode.SUCCESS) return new Set();
    const { lockOKMQSet } = decodeJsonBody<LockBatchResponseBody>(response.body, 'LockBatchResponseBody');
    const now = Date.now();
    const locked = new Set(lockOKMQSet.map(queueKey));
    for (const key of locked) this.lockedAt.set(key, now);
    return locked;
  }

  private async unlock(brokerName: string, queues: MessageQueue[]): Promise<void> {
    const address = await this.masterOf(brokerName, queues[0]?.topic);
    if (!address) return;
    await this.instance.remoting
      .invoke(address, createRequest(RequestCode.UNLOCK_BATCH_MQ, { body: this.lockBody(queues) }))
      .catch(() => undefined);
  }

  private lockBody(queues: MessageQueue[]): Buffer {
    const body: LockBatchRequestBody = {
      consumerGroup: this.options.consumerGroup,
      clientId: this.instance.clientId,
      onlyThisBroker: false,
      mqSet: queues.map(({ topic, brokerName, queueId }) => ({ topic, brokerName, queueId })),
    };
    return encodeJsonBody(body);
  }

  /** Lock every owned queue again, per broker; one the broker refuses stops being consumed. */
  private async renewLocks(): Promise<void> {
    for (const [brokerName, queues] of this.ownedByBroker()) {
      const locked = await this.lock(brokerName, queues).catch(() => new Set<string>());
      for (const queue of queues) {
        const owned = this.owned.get(queueKey(queue));
        if (owned && locked.has(queueKey(queue))) this.consumeOrderly(owned);
      }
    }
  }

  private ownedByBroker(): Map<string, MessageQueue[]> {
    const byBroker = new Map<string, MessageQueue[]>();
    for (const { queue } of this.owned.values()) {
      byBroker.set(queue.brokerName, [...(byBroker.get(queue.brokerName) ?? []), queue]);
    }
    return byBroker;
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < (this.pushOptions.concurrency ?? 20)) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  private releaseSlot(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }

  /**
   * Stop pulling, let the listener finish what it holds (up to timeoutMs), commit offsets,
   * release queue locks, leave the group, and close.
   */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await Promise.race([Promise.allSettled([...this.consuming]), sleep(timeoutMs, undefined, { ref: false })]);
    for (const owned of this.owned.values()) owned.process.dropped = true;
    if (this.orderly && this.clustering) {
      await this.persistOffsets();
      for (const [brokerName, queues] of this.ownedByBroker()) await this.unlock(brokerName, queues);
    }
    await this.stopConsuming();
    this.owned.clear();
  }
}
