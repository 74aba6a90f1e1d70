import { jsonSerializer, type RocketSerializer } from './serializer.js';
import type { Message, Producer, ReceivedMessage, SendResult, TransactionSendResult } from '@rocketnest/client';

export interface RocketSendOptions {
  tags?: string;
  keys?: string | string[];
  properties?: Record<string, string>;
  /** Messages with one sharding key go to one queue, in order. */
  shardingKey?: string;
  timeoutMs?: number;
}

/** When a delayed message is delivered: a RocketMQ delay level, a delay in ms, or a time. */
export type RocketDelay = { level: number } | number | Date;

/**
 * The producer a `@RocketProducer()` constructor parameter receives: promise-only sends of
 * payloads (objects as JSON), in order by sharding key, delayed, batched, as requests.
 */
export class MessageProducer {
  constructor(
    private readonly producer: () => Producer,
    private readonly transactional: (
      message: Message,
      arg: unknown,
      options: { producerGroup?: string | undefined; shardingKey?: string | undefined },
    ) => Promise<TransactionSendResult>,
    private readonly serializer: RocketSerializer = jsonSerializer,
  ) {}

  /**
   * Send a half message, run the @TransactionalHandler for its topic and tag (execute), and commit
   * or roll back by its outcome; an unknown outcome is settled later by the handler's check.
   * Rejects with TransactionRolledBackError when execute rolled back or threw.
   */
  sendInTransaction(
    topic: string,
    payload: unknown,
    arg?: unknown,
    options: Omit<RocketSendOptions, 'timeoutMs'> & { producerGroup?: string } = {},
  ): Promise<TransactionSendResult> {
    const { producerGroup, shardingKey, ...message } = options;
    return this.transactional({ topic, body: this.serializer.serialize(payload), ...message }, arg, {
      producerGroup,
      shardingKey,
    });
  }

  send(topic: string, payload: unknown, options: RocketSendOptions = {}): Promise<SendResult> {
    const { shardingKey, timeoutMs, ...message } = options;
    return this.producer().send(
      { topic, body: this.serializer.serialize(payload), ...message },
      { shardingKey, timeoutMs },
    );
  }

  sendOneway(topic: string, payload: unknown, options: Omit<RocketSendOptions, 'timeoutMs'> = {}): Promise<void> {
    const { shardingKey, ...message } = options;
    return this.producer().sendOneway({ topic, body: this.serializer.serialize(payload), ...message }, { shardingKey });
  }

  sendOrderly(
    topic: string,
    payload: unknown,
    shardingKey: string,
    options: RocketSendOptions = {},
  ): Promise<SendResult> {
    return this.send(topic, payload, { ...options, shardingKey });
  }

  sendDelayed(
    topic: string,
    payload: unknown,
    when: RocketDelay,
    options: RocketSendOptions = {},
  ): Promise<SendResult> {
    const { shardingKey, timeoutMs, ...message } = options;
    const delay =
      typeof when === 'number'
        ? { deliverAt: Date.now() + when }
        : when instanceof Date
          ? { deliverAt: when }
          : { delayLevel: when.level };
    return this.producer().send(
      { topic, body: this.serializer.serialize(payload), ...message, ...delay },
      { shardingKey, timeoutMs },
    );
  }

  sendBatch(topic: string, payloads: readonly unknown[], options: RocketSendOptions = {}): Promise<SendResult> {
    const { shardingKey, timeoutMs, ...message } = options;
    return this.producer().sendBatch(
      payloads.map((payload) => ({ topic, body: this.serializer.serialize(payload), ...message })),
      { shardingKey, timeoutMs },
    );
  }

  /** Send a request and wait for the listener's returned value (JSON-decoded when it is JSON). */
  async request<T = unknown>(topic: string, payload: unknown, timeoutMs = 3000): Promise<T> {
    const reply: ReceivedMessage = await this.producer().request(
      { topic, body: this.serializer.serialize(payload) },
      timeoutMs,
    );
    return this.serializer.deserialize(reply.body) as T;
  }
}
