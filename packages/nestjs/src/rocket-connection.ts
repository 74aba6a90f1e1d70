import { silentLogger } from '@rocketnest/common';
import { join } from 'node:path';
import {
  HttpException,
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  Admin,
  MessageSelector,
  Producer,
  PushConsumer,
  TransactionProducer,
  type ConsumeContext,
  type LocalTransactionState,
  type Message,
  type ReceivedMessage,
  type TransactionSendResult,
} from '@rocketnest/client';
import { MessageConst, parseTags } from '@rocketnest/protocol';
import { EmbeddedBroker } from './embedded-broker.js';
import { validateRocketOptions } from './rocket-config.js';
import { DeadLetterOutcome, NonRetriableError, RetryOutcome } from './outcomes.js';
import { ROCKET_MODULE_OPTIONS } from './rocket.module-definition.js';
import { DEFAULT_CLIENT, ROCKET_CLIENT_NAME } from './rocket.constants.js';
import type {
  RocketTransactionHandler,
  TransactionalHandlerOptions,
  TransactionOutcome,
} from './transactional-handler.decorator.js';
import type { RocketModuleOptions } from './rocket-module-options.js';
import { MessageProducer } from './message-producer.js';
import { jsonSerializer, type RocketSerializer } from './serializer.js';

/** What became of one delivery of a message to one listener. */
export interface ListenerOutcome {
  listener: string;
  group: string;
  msgId: string;
  reconsumeTimes: number;
  /** When the listener finished with it (ms since the epoch). */
  at: number;
  /** acknowledged; retried (it will come again); dead-lettered (it went to the group's DLQ). */
  outcome: 'acknowledged' | 'retried' | 'dead-lettered';
  reason?: string | undefined;
}

/** A @TransactionalHandler found at boot. */
export interface TransactionHandlerRegistration {
  name: string;
  options: TransactionalHandlerOptions;
  handler: RocketTransactionHandler;
}

/** A listener method found at boot, bound to its instance. */
export interface ListenerRegistration {
  /** Class.method, for logs. */
  name: string;
  topic: string;
  tag: string;
  group: string;
  sql?: string | undefined;
  orderly: boolean;
  broadcasting: boolean;
  consumeFrom: 'first' | 'last' | Date;
  concurrency?: number | undefined;
  /** The handler receives arrays of up to this many payloads and messages. */
  batchSize?: number | undefined;
  retryDelayMs?: number | undefined;
  maxReconsumeTimes?: number | undefined;
  nonRetriable: (abstract new (...args: never[]) => Error)[];
  serializer: RocketSerializer;
  handle(payload: unknown, message: ReceivedMessage | ReceivedMessage[], context: ConsumeContext): unknown;
}

const DEFAULT_GROUP = 'rocketnest';

/**
 * The module's connection: the NameServer address (or the embedded broker started when there is
 * none), the producer, and one push consumer per listener group. Shutdown goes in dependency
 * order: consumers stop pulling and finish what they hold, then the producer closes, then the
 * embedded broker stops.
 */
@Injectable()
export class RocketConnection implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('RocketModule');
  private embedded: EmbeddedBroker | undefined;
  private producerInstance: Producer | undefined;
  private readonly consumers = new Map<string, PushConsumer>();
  /** Topics each listener group reads. */
  private readonly subscribedTopics = new Map<string, Set<string>>();
  private readonly transactionProducers = new Map<string, TransactionProducer>();
  private transactionHandlers: TransactionHandlerRegistration[] = [];
  private readonly outcomeListeners: ((outcome: ListenerOutcome) => void)[] = [];
  readonly producer: MessageProducer;
  namesrvAddr = '';

  constructor(
    @Inject(ROCKET_MODULE_OPTIONS) readonly options: RocketModuleOptions,
    /** Which client this is (RocketModule.forRoot's name). */
    @Inject(ROCKET_CLIENT_NAME) readonly name: string,
  ) {
    validateRocketOptions(options);
    this.producer = new MessageProducer(
      () => {
        if (!this.producerInstance) {
          throw new Error('RocketModule is not initialised yet: send from onModuleInit or later');
        }
        return this.producerInstance;
      },
      (message, arg, options) => this.sendInTransaction(message, arg, options),
      this.serializer,
    );
  }

  /** The serializer of this client (module option serializer, JSON by default). */
  get serializer(): RocketSerializer {
    return this.options.serializer ?? jsonSerializer;
  }

  get group(): string {
    return this.options.group ?? DEFAULT_GROUP;
  }

  /** The embedded broker, when this app runs one. */
  get embeddedBroker(): EmbeddedBroker | undefined {
    return this.embedded;
  }

  async onModuleInit(): Promise<void> {
    if (this.options.namesrvAddr) this.namesrvAddr = this.options.namesrvAddr;
    else {
      this.embedded = new EmbeddedBroker(this.options.embedded ?? {}, this.logger);
      this.namesrvAddr = await this.embedded.start();
    }
    this.producerInstance = new Producer({
      namesrvAddr: this.namesrvAddr,
      producerGroup: this.group,
      logger: silentLogger,
    });
    await this.producerInstance.start();
  }

  /** Start a push consumer per group for the listeners found; listeners of one group and topic share a subscription. */
  async startListeners(registrations: readonly ListenerRegistration[]): Promise<void> {
    await this.embedded?.ensureTopics(registrations.map((registration) => registration.topic));
    for (const [group, listeners] of groupBy(registrations, (registration) => registration.group)) {
      const consumer = this.consumer(group, listeners);
      this.consumers.set(group, consumer);
      this.subscribedTopics.set(group, new Set(listeners.map((listener) => listener.topic)));
      await consumer.start();
      for (const listener of listeners) {
        this.logger.log(
          `${listener.name} -> ${this.name === DEFAULT_CLIENT ? '' : `${this.name}:`}${group}/${listener.topic}/${listener.sql ? `sql(${listener.sql})` : listener.tag}${listener.orderly ? ' orderly' : ''}${listener.broadcasting ? ' broadcasting' : ''}`,
        );
      }
    }
  }

  private consumer(group: string, listeners: ListenerRegistration[]): PushConsumer {
    const first = listeners[0]!;
    for (const listener of listeners) {
      for (const key of ['orderly', 'broadcasting', 'concurrency', 'batchSize', 'maxReconsumeTimes'] as const) {
        if (listener[key] !== first[key]) {
          throw new Error(
            `${listener.name} and ${first.name} are in consumer group "${group}" with different ${key}: give one of them its own group`,
          );
        }
      }
    }
    const consumeFrom = first.consumeFrom;
    const consumer = new PushConsumer({
      namesrvAddr: this.namesrvAddr,
      consumerGroup: group,
      instanceName: `${process.pid}-${group}`,
      messageModel: first.broadcasting ? 'BROADCASTING' : 'CLUSTERING',
      // Broadcasting members keep offsets in a local file: beside the embedded broker's data when there is one.
      offsetStoreDir: this.embedded ? join(this.embedded.dataDir, 'consumer-offsets') : undefined,
      orderly: first.orderly,
      concurrency: first.concurrency,
      consumeMessageBatchMaxSize: first.batchSize,
      maxReconsumeTimes: first.maxReconsumeTimes,
      consumeFromWhere:
        consumeFrom === 'first'
          ? 'CONSUME_FROM_FIRST_OFFSET'
          : consumeFrom === 'last'
            ? 'CONSUME_FROM_LAST_OFFSET'
            : 'CONSUME_FROM_TIMESTAMP',
      consumeTimestamp: consumeFrom instanceof Date ? consumeFrom.getTime() : undefined,
      logger: silentLogger,
    });
    const byTopic = groupBy(listeners, (listener) => listener.topic);
    // Each listener's tags, parsed once: undefined takes every tag.
    const tagsOf = new Map(
      listeners.map((listener) => {
        const tags = parseTags(listener.tag);
        return [listener, tags.length === 0 ? undefined : new Set(tags)] as const;
      }),
    );
    for (const [topic, handlers] of byTopic) {
      const sql = handlers.find((handler) => handler.sql);
      if (sql && handlers.length > 1) {
        throw new Error(
          `${sql.name} has an SQL selector on ${topic} in group "${group}": it cannot share the topic with other listeners of the group`,
        );
      }
      const tagSets = handlers.map((handler) => tagsOf.get(handler));
      const expression = tagSets.some((tags) => !tags)
        ? '*'
        : [...new Set(tagSets.flatMap((tags) => [...tags!]))].join(' || ');
      consumer.subscribe(topic, sql?.sql ? MessageSelector.bySql(sql.sql) : expression);
    }
    consumer.onMessage(async (messages, context) => {
      // A batch holds messages of one queue, so of one topic.
      for (const handler of byTopic.get(messages[0]!.topic) ?? []) {
        const tags = tagsOf.get(handler);
        const mine = tags
          ? messages.filter((message) => message.tags !== undefined && tags.has(message.tags))
          : messages;
        if (mine.length === 0) continue;
        const outcome = await this.run(handler, mine, context);
        if (outcome !== 'CONSUME_SUCCESS') return outcome;
      }
      return 'CONSUME_SUCCESS';
    });
    return consumer;
  }

  /**
   * Call one listener and read its outcome: a value acknowledges (and is the reply to a request);
   * Retry.after(ms) retries after exactly that; DeadLetter(reason), a NonRetriableError, an error
   * of the listener's nonRetriable classes or a payload that fails validation go to the DLQ with
   * the reason logged; any other error retries with the broker's back-off.
   */
  private async run(
    handler: ListenerRegistration,
    messages: ReceivedMessage[],
    context: ConsumeContext,
  ): Promise<'CONSUME_SUCCESS' | 'RECONSUME_LATER'> {
    const message = messages[0]!;
    const where = `${handler.name} on ${message.topic} message ${messages.map((m) => m.msgId).join(', ')}`;
    const report = (outcome: ListenerOutcome['outcome'], reason?: string) => {
      for (const each of messages) {
        const event = {
          listener: handler.name,
          group: handler.group,
          msgId: each.msgId,
          reconsumeTimes: each.reconsumeTimes,
          at: Date.now(),
          outcome,
          reason,
        };
        for (const listener of this.outcomeListeners) listener(event);
      }
    };
    // A failure at the last allowed attempt sends the message to the DLQ (concurrent listeners).
    const lastAttempt = !handler.orderly && message.reconsumeTimes >= (handler.maxReconsumeTimes ?? 16);
    const failed = (reason: string, deadLetter: boolean): 'RECONSUME_LATER' => {
      if (deadLetter) context.delayLevelWhenNextConsume = -1;
      report(deadLetter || lastAttempt ? 'dead-lettered' : 'retried', reason);
      return 'RECONSUME_LATER';
    };
    let result: unknown;
    try {
      result = handler.batchSize
        ? await handler.handle(
            messages.map((each) => handler.serializer.deserialize(each.body)),
            messages,
            context,
          )
        : await handler.handle(handler.serializer.deserialize(message.body), message, context);
    } catch (error) {
      const reason = describe(error);
      if (isNonRetriable(error, handler.nonRetriable)) {
        this.logger.warn(`${where}: ${reason}: not retriable, moved to the dead-letter queue`);
        return failed(reason, true);
      }
      this.logger.warn(`${where} failed (attempt ${message.reconsumeTimes + 1}): ${reason}`);
      if (handler.retryDelayMs !== undefined) context.retryAfterMs = handler.retryDelayMs;
      return failed(reason, false);
    }
    if (result instanceof RetryOutcome) {
      context.retryAfterMs = result.delayMs;
      return failed(`retry after ${result.delayMs} ms`, false);
    }
    if (result instanceof DeadLetterOutcome) {
      this.logger.warn(`${where}: ${result.reason}: moved to the dead-letter queue`);
      return failed(result.reason, true);
    }
    if (result !== undefined && message.properties[MessageConst.CORRELATION_ID]) {
      await this.consumers.get(handler.group)?.reply(message, handler.serializer.serialize(result));
    }
    report('acknowledged');
    return 'CONSUME_SUCCESS';
  }

  /** Be told what became of every delivery to a listener (RocketTestHarness uses this). */
  onOutcome(listener: (outcome: ListenerOutcome) => void): void {
    this.outcomeListeners.push(listener);
  }

  /** Start a transactional producer per producer group of the handlers found, answering the broker's checks. */
  async startTransactionHandlers(handlers: TransactionHandlerRegistration[]): Promise<void> {
    // Most specific first: topic and tag, then topic, then any.
    const specificity = (h: TransactionHandlerRegistration) => (h.options.topic ? 2 : 0) + (h.options.tag ? 1 : 0);
    this.transactionHandlers = [...handlers].sort((a, b) => specificity(b) - specificity(a));
    for (const registration of this.transactionHandlers) {
      const group = this.transactionGroup(registration);
      if (this.transactionProducers.has(group)) continue;
      const producer = new TransactionProducer({
        namesrvAddr: this.namesrvAddr,
        producerGroup: group,
        logger: silentLogger,
        transactionListener: {
          executeLocalTransaction: (message, arg, sent) =>
            this.decide(message.topic, message.tags, 'execute', (handler) =>
              handler.execute(
                {
                  topic: message.topic,
                  tags: message.tags,
                  msgId: sent.msgId,
                  payload: this.serializer.deserialize(Buffer.from(message.body)),
                  properties: { ...message.properties },
                },
                arg,
              ),
            ),
          checkLocalTransaction: (message) =>
            this.decide(message.topic, message.tags, 'check', (handler) =>
              handler.check({
                topic: message.topic,
                tags: message.tags,
                msgId: message.msgId,
                payload: this.serializer.deserialize(message.body),
                properties: message.properties,
              }),
            ),
        },
      });
      await producer.start();
      this.transactionProducers.set(group, producer);
      this.logger.log(
        `${registration.name} -> transactions of ${registration.options.topic ?? 'any topic'}/${registration.options.tag ?? '*'} in ${group}`,
      );
    }
  }

  private transactionGroup(registration: TransactionHandlerRegistration): string {
    return registration.options.producerGroup ?? `${this.group}-tx`;
  }

  private handlerFor(topic: string, tags: string | undefined): TransactionHandlerRegistration | undefined {
    return this.transactionHandlers.find(
      ({ options }) => (!options.topic || options.topic === topic) && (!options.tag || options.tag === tags),
    );
  }

  /** Run execute or check and map its outcome; execute throwing rolls back, check throwing leaves it unknown. */
  private async decide(
    topic: string,
    tags: string | undefined,
    step: 'execute' | 'check',
    run: (handler: RocketTransactionHandler) => Promise<TransactionOutcome> | TransactionOutcome,
  ): Promise<LocalTransactionState> {
    const registration = this.handlerFor(topic, tags);
    if (!registration) {
      this.logger.error(`no @TransactionalHandler for ${topic}/${tags ?? '*'}: the transaction stays unknown`);
      return 'UNKNOW';
    }
    try {
      return TRANSACTION_STATE[await run(registration.handler)];
    } catch (error) {
      this.logger.warn(`${registration.name}.${step} on ${topic} failed: ${describe(error)}`);
      return step === 'execute' ? 'ROLLBACK_MESSAGE' : 'UNKNOW';
    }
  }

  private async sendInTransaction(
    message: Message,
    arg: unknown,
    options: { producerGroup?: string | undefined; shardingKey?: string | undefined },
  ): Promise<TransactionSendResult> {
    const registration = this.handlerFor(message.topic, message.tags);
    if (!registration) {
      throw new Error(
        `no @TransactionalHandler handles ${message.topic}/${message.tags ?? '*'}: add one before sending transactional messages there`,
      );
    }
    const group = options.producerGroup ?? this.transactionGroup(registration);
    const producer = this.transactionProducers.get(group);
    if (!producer) throw new Error(`no @TransactionalHandler is registered in producer group ${group}`);
    return producer.sendMessageInTransaction(message, arg, { shardingKey: options.shardingKey });
  }

  /**
   * Ask the NameServer for the cluster and every broker master for its runtime info; resolves with
   * what answered, throws naming what did not.
   */
  async ping(timeoutMs: number): Promise<{ namesrv: string; brokers: string[] }> {
    const admin = new Admin({ namesrvAddr: this.namesrvAddr, requestTimeoutMs: timeoutMs, logger: silentLogger });
    try {
      const masters = await admin.masters().catch((error: unknown) => {
        throw new Error(`NameServer ${this.namesrvAddr} did not answer: ${(error as Error).message}`);
      });
      if (masters.length === 0) throw new Error(`NameServer ${this.namesrvAddr} knows no broker`);
      await Promise.all(
        masters.map((address) =>
          admin.brokerRuntimeInfo(address).catch((error: unknown) => {
            throw new Error(`broker ${address} did not answer: ${(error as Error).message}`);
          }),
        ),
      );
      return { namesrv: this.namesrvAddr, brokers: masters };
    } finally {
      await admin.shutdown();
    }
  }

  /** Messages each listener group has yet to consume, over its topics. */
  async consumerLag(): Promise<Record<string, number>> {
    const admin = new Admin({ namesrvAddr: this.namesrvAddr, logger: silentLogger });
    try {
      const lag: Record<string, number> = {};
      for (const [group, topics] of this.subscribedTopics) {
        lag[group] = 0;
        for (const topic of topics) {
          for (const queue of await admin.consumerProgress(group, topic)) lag[group] += queue.lag;
        }
      }
      return lag;
    } finally {
      await admin.shutdown();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    const timeoutMs = this.options.shutdownTimeoutMs ?? 10_000;
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.shutdown(timeoutMs)));
    this.consumers.clear();
    await Promise.all([...this.transactionProducers.values()].map((producer) => producer.shutdown()));
    this.transactionProducers.clear();
    await this.producerInstance?.shutdown();
    await this.embedded?.stop();
  }
}

/** Validation failures (HTTP 400 from a pipe) and declared classes are not worth retrying. */
function isNonRetriable(error: unknown, classes: (abstract new (...args: never[]) => Error)[]): boolean {
  if (error instanceof NonRetriableError) return true;
  if (error instanceof HttpException && error.getStatus() === 400) return true;
  return classes.some((errorClass) => error instanceof errorClass);
}

function describe(error: unknown): string {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const detail =
      typeof response === 'object' && response && 'message' in response
        ? (response as { message: unknown }).message
        : response;
    return Array.isArray(detail) ? detail.join('; ') : String(detail);
  }
  return error instanceof Error ? error.message : String(error);
}

const TRANSACTION_STATE: Record<TransactionOutcome, LocalTransactionState> = {
  commit: 'COMMIT_MESSAGE',
  rollback: 'ROLLBACK_MESSAGE',
  unknown: 'UNKNOW',
};

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
