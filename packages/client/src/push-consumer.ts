import { setTimeout as sleep } from 'node:timers/promises';
import { ResponseCode } from '@rocketnest/protocol';
import { queueKey } from './allocate.js';
import { ConsumerBase, type ConsumerOptions } from './consumer-base.js';
import { MQClientError } from './errors.js';
import { ProcessQueue } from './process-queue.js';
import type { ReceivedMessage } from './received-message.js';
import type { MessageQueue } from './topic-route.js';

/** What a listener says of a batch: done, or give it to me again later. */
export type ConsumeResult = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';

export type MessageListener = (messages: ReceivedMessage[]) => Promise<ConsumeResult | void> | ConsumeResult | void;

export interface PushConsumerOptions extends ConsumerOptions {
  /** Listener calls in flight at once, over all queues (default 20). */
  concurrency?: number | undefined;
  /** Messages per listener call (default 1). */
  consumeMessageBatchMaxSize?: number | undefined;
  /** Stop pulling a queue holding more than this many unconsumed messages (default 1000). */
  pullThresholdForQueue?: number | undefined;
  /** ... or more than this many MiB of bodies (default 100). */
  pullThresholdSizeForQueue?: number | undefined;
  /** Delay before a message the listener failed on is given to it again (default 1 s). */
  retryDelayMs?: number | undefined;
}

/** A queue this consumer owns: its offset, its held messages, its pull loop. */
interface OwnedQueue {
  queue: MessageQueue;
  process: ProcessQueue;
  nextOffset: number;
}

/**
 * A push consumer (DefaultMQPushConsumer). Clustering: the group's queues are shared out
 * by rebalancing (every 20 s and whenever the broker says the group changed); each owned queue
 * is long-polled; messages go to the listener with a concurrency limit; offsets are committed up
 * to the lowest message still being processed. A listener that throws or answers RECONSUME_LATER
 * gets the message again after retryDelayMs (retry topics come with the reliability features):
 * nothing is skipped. Broadcasting: every member owns every queue and keeps its own offsets in a
 * local file.
 */
export class PushConsumer extends ConsumerBase {
  private readonly owned = new Map<string, OwnedQueue>();
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

  async start(): Promise<void> {
    if (!this.listener) throw new MQClientError('no listener: call onMessage(listener) before start()');
    if (this.subscriptions.size === 0)
      throw new MQClientError('no subscription: call subscribe(topic, expression) before start()');
    await this.startConsuming();
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

  protected addQueue(queue: MessageQueue, offset: number): void {
    const owned: OwnedQueue = { queue, process: new ProcessQueue(), nextOffset: offset };
    this.owned.set(queueKey(queue), owned);
    void this.pullLoop(owned);
  }

  /** Stop pulling a queue, and commit where it got to; messages in hand may reach its next owner too. */
  protected async removeQueue(key: string): Promise<void> {
    const owned = this.owned.get(key);
    if (!owned) return;
    owned.process.dropped = true;
    this.owned.delete(key);
    await this.offsets.persist([owned.queue]);
    this.offsets.remove(owned.queue);
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

  /** Hand messages to the listener in batches, within the concurrency limit. */
  private dispatch(owned: OwnedQueue, messages: ReceivedMessage[]): void {
    const batchSize = this.pushOptions.consumeMessageBatchMaxSize ?? 1;
    for (let i = 0; i < messages.length; i += batchSize) {
      const batch = messages.slice(i, i + batchSize);
      const consumed = this.consume(owned, batch).finally(() => this.consuming.delete(consumed));
      this.consuming.add(consumed);
    }
  }

  private async consume(owned: OwnedQueue, batch: ReceivedMessage[]): Promise<void> {
    for (;;) {
      await this.acquire();
      let result: ConsumeResult | void;
      try {
        result = await this.listener!(batch);
      } catch {
        result = 'RECONSUME_LATER';
      } finally {
        this.releaseSlot();
      }
      if (result !== 'RECONSUME_LATER') break;
      // Not consumed: held (so its offset is not committed past it) and given again later.
      if (owned.process.dropped || !this.running) return;
      for (const message of batch) message.reconsumeTimes++;
      await sleep(this.pushOptions.retryDelayMs ?? 1000);
      if (owned.process.dropped || !this.running) return;
    }
    const offset = owned.process.remove(batch);
    if (offset >= 0 && !owned.process.dropped) this.offsets.update(owned.queue, offset);
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
   * leave the group, and close.
   */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await Promise.race([Promise.allSettled([...this.consuming]), sleep(timeoutMs, undefined, { ref: false })]);
    for (const owned of this.owned.values()) owned.process.dropped = true;
    await this.stopConsuming();
    this.owned.clear();
  }
}
