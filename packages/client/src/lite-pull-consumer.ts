import { setTimeout as sleep } from 'node:timers/promises';
import { ResponseCode } from '@rocketnest/protocol';
import { queueKey } from './allocate.js';
import type { HeldQueue } from './consumer-status.js';
import { ConsumerBase, type ConsumerOptions } from './consumer-base.js';
import type { MessageSelector } from './message-selector.js';
import { MQClientError } from './errors.js';
import type { ReceivedMessage } from './received-message.js';
import { routeQueues, type MessageQueue } from './topic-route.js';

export interface LitePullConsumerOptions extends ConsumerOptions {
  /** Commit what poll() returned every autoCommitIntervalMs (default true). */
  autoCommit?: boolean | undefined;
  autoCommitIntervalMs?: number | undefined;
  /** Messages poll() returns at most (default 10). */
  pollBatchSize?: number | undefined;
  /** Stop pulling while this many messages wait for poll() (default 10,000). */
  pullThresholdForAll?: number | undefined;
}

/** A queue being read: where the next pull starts, what poll() has handed out, its state. */
interface PulledQueue {
  queue: MessageQueue;
  nextOffset: number;
  /** The offset after the last message poll() returned: what a commit stores. */
  consumedOffset: number;
  paused: boolean;
  dropped: boolean;
  /** Bumped by seek(): pulls begun before it are discarded. */
  generation: number;
}

/**
 * A lite pull consumer (DefaultLitePullConsumer): subscribe (the group shares the queues out) or
 * assign queues; messages are pulled ahead in the background and taken with poll(); offsets of
 * what poll() returned are committed automatically or with commit(); seek(), pause() and resume()
 * per queue.
 */
export class LitePullConsumer extends ConsumerBase {
  private readonly pulled = new Map<string, PulledQueue>();
  private readonly ready: ReceivedMessage[] = [];
  private readonly readers: (() => void)[] = [];
  private assigned: MessageQueue[] | undefined;

  constructor(private readonly pullOptions: LitePullConsumerOptions) {
    super(
      { ...pullOptions, persistConsumerOffsetInterval: pullOptions.autoCommitIntervalMs ?? 5000 },
      'CONSUME_ACTIVELY',
    );
  }

  /** Read exactly these queues (no rebalancing); instead of subscribe(). */
  assign(queues: readonly MessageQueue[]): this {
    if (this.subscriptions.size > 0) throw new MQClientError('assign() and subscribe() exclude each other');
    this.assigned = [...queues];
    return this;
  }

  override subscribe(topic: string, expression: string | MessageSelector = '*'): this {
    if (this.assigned) throw new MQClientError('assign() and subscribe() exclude each other');
    return super.subscribe(topic, expression);
  }

  protected override get rebalances(): boolean {
    return this.assigned === undefined;
  }

  async start(): Promise<void> {
    if (!this.assigned && this.subscriptions.size === 0)
      throw new MQClientError('call subscribe() or assign() before start()');
    for (const queue of this.assigned ?? []) await this.instance.route(queue.topic);
    await this.startConsuming();
    for (const queue of this.assigned ?? []) this.addQueue(queue, await this.startOffset(queue));
  }

  /** The readable queues of a topic. */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    const route = await this.instance.route(topic);
    if (!route) throw new MQClientError(`topic ${topic} has no route`);
    return routeQueues(topic, route, 'read');
  }

  /** Queues being read now. */
  get assignedQueues(): MessageQueue[] {
    return [...this.pulled.values()].map((p) => p.queue);
  }

  /** Messages pulled ahead, up to pollBatchSize; waits up to timeoutMs for some when there are none. */
  async poll(timeoutMs = 5000): Promise<ReceivedMessage[]> {
    if (this.ready.length === 0 && timeoutMs > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.readers.push(resolve)),
        sleep(timeoutMs, undefined, { ref: false }),
      ]);
    }
    const taken = this.ready.splice(0, this.pullOptions.pollBatchSize ?? 10);
    for (const message of taken) {
      const pulled = this.pulled.get(queueKey(message));
      if (pulled && !pulled.dropped) pulled.consumedOffset = Math.max(pulled.consumedOffset, message.queueOffset + 1);
    }
    return taken;
  }

  /** Commit what poll() returned so far. */
  async commit(): Promise<void> {
    this.moveOffsets();
    await this.offsets.persist();
  }

  /** The group's committed offset of a queue, or -1. */
  committed(queue: MessageQueue): Promise<number> {
    return this.offsets.read(queue);
  }

  /** Read a queue from this offset on: what was pulled ahead of it is dropped. */
  seek(queue: MessageQueue, offset: number): void {
    const pulled = this.pulled.get(queueKey(queue));
    if (!pulled) throw new MQClientError(`seek: ${queueKey(queue)} is not being read by this consumer`);
    pulled.generation++;
    pulled.nextOffset = offset;
    pulled.consumedOffset = offset;
    this.discardReady(queueKey(queue));
  }

  protected async resetOffsets(offsets: [MessageQueue, number][]): Promise<void> {
    for (const [queue, offset] of offsets) if (this.pulled.has(queueKey(queue))) this.seek(queue, offset);
  }

  async seekToBegin(queue: MessageQueue): Promise<void> {
    this.seek(queue, 0);
  }

  async seekToEnd(queue: MessageQueue): Promise<void> {
    this.seek(queue, await this.maxOffset(queue));
  }

  pause(queues: readonly MessageQueue[]): void {
    for (const queue of queues) {
      const pulled = this.pulled.get(queueKey(queue));
      if (pulled) pulled.paused = true;
    }
  }

  resume(queues: readonly MessageQueue[]): void {
    for (const queue of queues) {
      const pulled = this.pulled.get(queueKey(queue));
      if (pulled) pulled.paused = false;
    }
  }

  /** The periodic commit, and the last one on shutdown: only when committing is automatic. */
  protected async persistOffsets(): Promise<void> {
    if (this.pullOptions.autoCommit === false) return;
    this.moveOffsets();
    await this.offsets.persist();
  }

  private moveOffsets(): void {
    for (const pulled of this.pulled.values())
      if (pulled.consumedOffset >= 0) this.offsets.update(pulled.queue, pulled.consumedOffset);
  }

  protected owns(key: string): boolean {
    return this.pulled.has(key);
  }

  protected heldQueues(): HeldQueue[] {
    return [...this.pulled.entries()].map(([key, pulled]) => {
      const ready = this.ready.filter((message) => queueKey(message) === key);
      return {
        queue: pulled.queue,
        commitOffset: Math.max(0, pulled.consumedOffset),
        cachedMsgMinOffset: ready[0]?.queueOffset ?? 0,
        cachedMsgMaxOffset: ready.at(-1)?.queueOffset ?? 0,
        cachedMsgCount: ready.length,
        cachedMsgSizeInMiB: Math.floor(ready.reduce((bytes, message) => bytes + message.body.length, 0) / 1024 ** 2),
        locked: false,
        lastLockTimestamp: 0,
        droped: pulled.dropped,
        lastPullTimestamp: 0,
        lastConsumeTimestamp: 0,
      };
    });
  }

  protected ownedKeys(topic: string): string[] {
    return [...this.pulled.entries()].filter(([, p]) => p.queue.topic === topic).map(([key]) => key);
  }

  protected addQueue(queue: MessageQueue, offset: number): void {
    const pulled: PulledQueue = {
      queue,
      nextOffset: offset,
      consumedOffset: -1,
      paused: false,
      dropped: false,
      generation: 0,
    };
    this.pulled.set(queueKey(queue), pulled);
    void this.pullLoop(pulled);
  }

  protected async removeQueue(key: string): Promise<void> {
    const pulled = this.pulled.get(key);
    if (!pulled) return;
    pulled.dropped = true;
    this.pulled.delete(key);
    this.discardReady(key);
    if (this.pullOptions.autoCommit !== false && pulled.consumedOffset >= 0) {
      this.offsets.update(pulled.queue, pulled.consumedOffset);
    }
    await this.offsets.persist([pulled.queue]);
    this.offsets.remove(pulled.queue);
  }

  private discardReady(key: string): void {
    for (let i = this.ready.length - 1; i >= 0; i--) if (queueKey(this.ready[i]!) === key) this.ready.splice(i, 1);
  }

  private async pullLoop(pulled: PulledQueue): Promise<void> {
    const threshold = this.pullOptions.pullThresholdForAll ?? 10_000;
    while (!pulled.dropped && this.running) {
      if (pulled.paused || this.ready.length >= threshold) {
        await sleep(20, undefined, { ref: false });
        continue;
      }
      const generation = pulled.generation;
      let result;
      try {
        result = await this.pull(pulled.queue, pulled.nextOffset, 0);
      } catch {
        if (!pulled.dropped && this.running) await sleep(3000, undefined, { ref: false });
        continue;
      }
      // Dropped, or seek() moved the queue meanwhile: this answer is for a place no longer read.
      // Paused meanwhile: it is read again from the same offset after resume().
      if (pulled.dropped || pulled.paused || generation !== pulled.generation) continue;
      if (
        result.code === ResponseCode.SUCCESS ||
        result.code === ResponseCode.PULL_NOT_FOUND ||
        result.code === ResponseCode.PULL_RETRY_IMMEDIATELY ||
        result.code === ResponseCode.PULL_OFFSET_MOVED
      ) {
        pulled.nextOffset = result.nextOffset;
        if (result.messages.length > 0) {
          this.ready.push(...result.messages);
          for (const reader of this.readers.splice(0)) reader();
        } else if (!this.ready.some((m) => queueKey(m) === queueKey(pulled.queue))) {
          // Everything before nextOffset was polled or filtered out: a commit may pass it.
          pulled.consumedOffset = Math.max(pulled.consumedOffset, result.nextOffset);
        }
      } else {
        await sleep(3000, undefined, { ref: false });
      }
    }
  }

  /** Stop pulling, commit what poll() returned (unless autoCommit is off), leave the group, close. */
  async shutdown(): Promise<void> {
    if (!this.running) return;
    for (const pulled of this.pulled.values()) pulled.dropped = true;
    for (const reader of this.readers.splice(0)) reader();
    await this.stopConsuming();
  }
}
