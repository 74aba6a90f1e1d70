import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerStats } from './consumer-status.js';
import type { MessageReturns } from './message-returns.js';
import type { OffsetStore } from './offset-store.js';
import type { ProcessQueue } from './process-queue.js';
import type { ReceivedMessage } from './received-message.js';
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

/** A queue a push consumer owns: its offset, its held messages, its pull loop. */
export interface OwnedQueue {
  queue: MessageQueue;
  process: ProcessQueue;
  nextOffset: number;
  /** Orderly: the running consume loop of this queue, and whether it should look again. */
  consuming?: Promise<void> | undefined;
  more?: boolean;
}

/**
 * How a push consumer hands what it pulled to its listener (ConsumeMessageService): concurrently,
 * or one queue at a time in order.
 */
export interface ConsumeMessageService {
  /** The consumer started: schedule what the service does on its own, with the consumer's timers. */
  start(every: (ms: number, task: () => Promise<void>) => void): void;
  /** Messages were added to an owned queue's process queue. */
  dispatch(owned: OwnedQueue, messages: ReceivedMessage[]): void;
  /** May this member take the queue now? */
  acquireQueue(queue: MessageQueue): Promise<boolean>;
  /** The queue was given up, its offset committed. */
  released(owned: OwnedQueue): Promise<void>;
  /** When the broker last confirmed this member's lock of the queue (orderly), if it holds one. */
  lockedAt(queue: MessageQueue): number | undefined;
  /** The consumer is stopping, the listener done with what it held: give the queues up. */
  shutdown(): Promise<void>;
}

/** What both services work with: the listener's calls, returns to the brokers, the offsets. */
export interface ConsumeParts {
  readonly calls: ListenerCalls;
  readonly returns: MessageReturns;
  readonly offsets: OffsetStore;
}

/** How a listener call ended: consumed, not (to be given again), or by throwing. */
export type CallOutcome = 'success' | 'failed' | 'exception';

/**
 * The listener's calls: at most `concurrency` at once over all queues, each given a fresh
 * context; a throw counts as "give it to me again later". It keeps the consuming work in hand so
 * that a shutdown can wait for it.
 */
export class ListenerCalls {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly consuming = new Set<Promise<void>>();

  constructor(
    private readonly listener: () => MessageListener,
    private readonly concurrency: number,
    private readonly suspendCurrentQueueTimeMillis: number,
    private readonly stats: ConsumerStats,
    /** Told of each call when message traces are on. */
    private readonly trace?: (batch: ReceivedMessage[], startedAt: number, outcome: CallOutcome) => void,
  ) {}

  context(queue: MessageQueue): ConsumeContext {
    return { queue, delayLevelWhenNextConsume: 0, suspendCurrentQueueTimeMillis: this.suspendCurrentQueueTimeMillis };
  }

  /** Call the listener within the concurrency limit; true when it consumed the batch. */
  async call(batch: ReceivedMessage[], context: ConsumeContext): Promise<boolean> {
    await this.acquire();
    const started = Date.now();
    // A throw is "give it to me again later", as a failure is.
    let outcome: CallOutcome = 'exception';
    try {
      const result = await this.listener()(batch, context);
      outcome = result === undefined || result === 'CONSUME_SUCCESS' ? 'success' : 'failed';
    } catch {
      // outcome stays 'exception'
    } finally {
      this.release();
      this.stats.consumed(context.queue.topic, batch.length, outcome === 'success', Date.now() - started);
      this.trace?.(batch, started, outcome);
    }
    return outcome === 'success';
  }

  /** Keep a piece of consuming work in hand until it settles. */
  track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.consuming.delete(tracked));
    this.consuming.add(tracked);
    return tracked;
  }

  /** Wait for the work in hand, at most timeoutMs. */
  async settle(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.consuming]), sleep(timeoutMs, undefined, { ref: false })]);
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < this.concurrency) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}
