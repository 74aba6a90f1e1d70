import { setTimeout as sleep } from 'node:timers/promises';
import { ResponseCode, retryTopic, TRACE_TOPIC } from '@rocketnest/protocol';
import { consumeTraces } from './message-trace.js';
import { queueKey } from './allocate.js';
import { ConsumeConcurrentlyService } from './consume-concurrently-service.js';
import {
  ListenerCalls,
  type ConsumeMessageService,
  type MessageListener,
  type OwnedQueue,
} from './consume-message-service.js';
import { ConsumeOrderlyService } from './consume-orderly-service.js';
import type { HeldQueue } from './consumer-status.js';
import { ConsumerBase, type ConsumerOptions } from './consumer-base.js';
import { MQClientError } from './errors.js';
import { DeliveryTimes } from './delivery-times.js';
import { MessageReturns } from './message-returns.js';
import { ProcessQueue } from './process-queue.js';
import type { ReceivedMessage } from './received-message.js';
import { sendReply } from './request-reply.js';
import type { MessageQueue } from './topic-route.js';

export type { ConsumeContext, ConsumeResult, MessageListener } from './consume-message-service.js';

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
  private listener: MessageListener | undefined;
  private readonly calls: ListenerCalls;
  /** Concurrent or orderly consumption, as the options say. */
  private readonly service: ConsumeMessageService;

  constructor(private readonly pushOptions: PushConsumerOptions) {
    super(pushOptions, 'CONSUME_PASSIVELY');
    this.calls = new ListenerCalls(
      () => this.listener!,
      pushOptions.concurrency ?? 20,
      pushOptions.suspendCurrentQueueTimeMillis ?? 1000,
      this.stats,
      this.traces &&
        ((batch, startedAt, outcome) => {
          // The trace topic's own messages are not traced.
          if (batch[0]?.topic === (pushOptions.customizedTraceTopic ?? TRACE_TOPIC)) return;
          for (const context of consumeTraces(pushOptions.consumerGroup, batch, startedAt, outcome))
            this.traces!.add(context);
        }),
    );
    const returns = new MessageReturns(
      this.instance,
      pushOptions.consumerGroup,
      pushOptions.maxReconsumeTimes ?? 16,
      (name) => this.masterOf(name),
      new DeliveryTimes(this.instance),
    );
    const parts = { calls: this.calls, returns, offsets: this.offsets };
    const common = {
      clustering: this.clustering,
      batchSize: pushOptions.consumeMessageBatchMaxSize ?? 1,
      running: () => this.running,
    };
    if (pushOptions.orderly === true) {
      this.service = new ConsumeOrderlyService(
        parts,
        { ...common, maxReconsumeTimes: pushOptions.maxReconsumeTimes ?? -1 },
        {
          instance: this.instance,
          group: pushOptions.consumerGroup,
          masterOf: (name, topic) => this.masterOf(name, topic),
          owned: () => this.owned.values(),
        },
      );
    } else {
      this.service = new ConsumeConcurrentlyService(parts, {
        ...common,
        retryDelayMs: pushOptions.retryDelayMs ?? 1000,
      });
    }
  }

  onMessage(listener: MessageListener): this {
    this.listener = listener;
    return this;
  }

  private get clustering(): boolean {
    return (this.options.messageModel ?? 'CLUSTERING') === 'CLUSTERING';
  }

  async start(): Promise<void> {
    if (!this.listener) throw new MQClientError('no listener: call onMessage(listener) before start()');
    if (this.subscriptions.size === 0)
      throw new MQClientError('no subscription: call subscribe(topic, expression) before start()');
    // Failed messages come back on the group's retry topic, which every member reads.
    if (this.clustering) this.subscribe(retryTopic(this.options.consumerGroup), '*');
    await this.startConsuming();
    this.service.start((ms, task) => this.every(ms, task));
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

  protected heldQueues(): HeldQueue[] {
    return [...this.owned.values()].map(({ queue, process }) => {
      const lockedAt = this.service.lockedAt(queue);
      return {
        queue,
        commitOffset: Math.max(0, process.commitOffset()),
        ...process.cached(),
        locked: lockedAt !== undefined,
        lastLockTimestamp: lockedAt ?? 0,
        droped: process.dropped,
        lastPullTimestamp: process.lastPullTimestamp,
        lastConsumeTimestamp: process.lastConsumeTimestamp,
      };
    });
  }

  /** mqadmin queryMsgById -g -d: the listener gets the message alone, outside any queue's order. */
  protected override async consumeDirectly(message: ReceivedMessage): Promise<{ ok: boolean; remark?: string }> {
    const queue = { topic: message.topic, brokerName: message.brokerName, queueId: message.queueId };
    return { ok: await this.calls.call([message], this.calls.context(queue)) };
  }

  protected ownedKeys(topic: string): string[] {
    return [...this.owned.entries()].filter(([, owned]) => owned.queue.topic === topic).map(([key]) => key);
  }

  protected override acquireQueue(queue: MessageQueue): Promise<boolean> {
    return this.service.acquireQueue(queue);
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
    await this.service.released(owned);
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
          this.service.dispatch(owned, result.messages);
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

  /**
   * Stop pulling, let the listener finish what it holds (up to timeoutMs), commit offsets,
   * release queue locks, leave the group, and close.
   */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.calls.settle(timeoutMs);
    for (const owned of this.owned.values()) owned.process.dropped = true;
    await this.service.shutdown();
    await this.stopConsuming();
    this.owned.clear();
  }
}
