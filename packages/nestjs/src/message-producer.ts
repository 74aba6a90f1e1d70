import { jsonSerializer, type RocketSerializer } from './serializer.js';
import { tracedSend } from './tracing.js';
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

/** Which payload each topic carries, for a typed producer: `MessageProducer<{ OrderEvents: OrderEvent }>`. */
export type TopicPayloads = Record<string, unknown>;

/** The topics a producer typed by Topics sends to: its keys, or any name when it has none (untyped). */
export type TopicOf<Topics> = [keyof Topics] extends [never] ? string : keyof Topics & string;

/** The payload of a topic: Topics' entry, or anything for an untyped producer. */
export type PayloadOf<Topics, Topic> = Topic extends keyof Topics ? Topics[Topic] : unknown;

/**
 * The producer a `@RocketProducer()` constructor parameter receives: promise-only sends of
 * payloads (objects as JSON), in order by sharding key, delayed, batched, as requests. Typed by a
 * map of topics to payloads (`MessageProducer<{ OrderEvents: OrderEvent }>`), it takes those
 * topics only, each with its payload; untyped, any topic and payload.
 */
export class MessageProducer<Topics extends object = TopicPayloads> {
  constructor(
    private readonly producer: () => Producer,
    private readonly transactional: (
      message: Message,
      arg: unknown,
      options: { producerGroup?: string | undefined; shardingKey?: string | undefined },
    ) => Promise<TransactionSendResult>,
    private readonly serializer: RocketSerializer = jsonSerializer,
    /** Told of every send the broker answered (the 'sent' lifecycle event). */
    private readonly onSent: (topic: string, result: SendResult) => void = () => {},
  ) {}

  /** A send traced (its span's context added to the properties) and, once answered, reported as sent. */
  private publish<Result extends SendResult | void>(
    topic: string,
    properties: Readonly<Record<string, string>> | undefined,
    send: (properties: Record<string, string>) => Promise<Result>,
  ): Promise<Result> {
    return tracedSend(topic, properties, send, (result) => {
      if (!result) return undefined;
      this.onSent(topic, result);
      return result.msgId;
    });
  }

  /**
   * Send a half message, run the @TransactionalHandler for its topic and tag (execute), and commit
   * or roll back by its outcome; an unknown outcome is settled later by the handler's check.
   * Rejects with TransactionRolledBackError when execute rolled back or threw.
   */
  sendInTransaction<Topic extends TopicOf<Topics>>(
    topic: Topic,
    payload: PayloadOf<Topics, Topic>,
    arg?: unknown,
    options: Omit<RocketSendOptions, 'timeoutMs'> & { producerGroup?: string } = {},
  ): Promise<TransactionSendResult> {
    const { producerGroup, shardingKey, properties, ...message } = options;
    return this.publish(topic, properties, (traced) =>
      this.transactional({ topic, body: this.serializer.serialize(payload), ...message, properties: traced }, arg, {
        producerGroup,
        shardingKey,
      }),
    );
  }

  send<Topic extends TopicOf<Topics>>(
    topic: Topic,
    payload: PayloadOf<Topics, Topic>,
    options: RocketSendOptions = {},
  ): Promise<SendResult> {
    const { shardingKey, timeoutMs, properties, ...message } = options;
    return this.publish(topic, properties, (traced) =>
      this.producer().send(
        { topic, body: this.serializer.serialize(payload), ...message, properties: traced },
        { shardingKey, timeoutMs },
      ),
    );
  }

  sendOneway<Topic extends TopicOf<Topics>>(
    topic: Topic,
    payload: PayloadOf<Topics, Topic>,
    options: Omit<RocketSendOptions, 'timeoutMs'> = {},
  ): Promise<void> {
    const { shardingKey, properties, ...message } = options;
    return this.publish(topic, properties, (traced) =>
      this.producer().sendOneway(
        { topic, body: this.serializer.serialize(payload), ...message, properties: traced },
        { shardingKey },
      ),
    );
  }

  sendOrderly<Topic extends TopicOf<Topics>>(
    topic: Topic,
    payload: PayloadOf<Topics, Topic>,
    shardingKey: string,
    options: RocketSendOptions = {},
  ): Promise<SendResult> {
    return this.send(topic, payload, { ...options, shardingKey });
  }

  sendDelayed<Topic extends TopicOf<Topics>>(
    topic: Topic,
    payload: PayloadOf<Topics, Topic>,
    when: RocketDelay,
    options: RocketSendOptions = {},
  ): Promise<SendResult> {
    const { shardingKey, timeoutMs, properties, ...message } = options;
    const delay =
      typeof when === 'number'
        ? { deliverAt: Date.now() + when }
        : when instanceof Date
          ? { deliverAt: when }
          : { delayLevel: when.level };
    return this.publish(topic, properties, (traced) =>
      this.producer().send(
        { topic, body: this.serializer.serialize(payload), ...message, ...delay, properties: traced },
        { shardingKey, timeoutMs },
      ),
    );
  }

  sendBatch<Topic extends TopicOf<Topics>>(
    topic: Topic,
    payloads: readonly PayloadOf<Topics, Topic>[],
    options: RocketSendOptions = {},
  ): Promise<SendResult> {
    const { shardingKey, timeoutMs, properties, ...message } = options;
    return this.publish(topic, properties, (traced) =>
      this.producer().sendBatch(
        payloads.map((payload) => ({
          topic,
          body: this.serializer.serialize(payload),
          ...message,
          properties: traced,
        })),
        { shardingKey, timeoutMs },
      ),
    );
  }

  /** Send a request and wait for the listener's returned value (JSON-decoded when it is JSON). */
  async request<Reply = unknown, Topic extends TopicOf<Topics> = TopicOf<Topics>>(
    topic: Topic,
    payload: PayloadOf<Topics, Topic>,
    timeoutMs = 3000,
  ): Promise<Reply> {
    const reply: ReceivedMessage = await tracedSend(
      topic,
      undefined,
      (properties) =>
        this.producer().request({ topic, body: this.serializer.serialize(payload), properties }, timeoutMs),
      () => undefined, // the answer's id is the reply's, not the request's
    );
    return this.serializer.deserialize(reply.body) as Reply;
  }
}
