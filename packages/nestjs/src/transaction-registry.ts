import type { ClusterConnection } from './rocket-module-options.js';
import type { Logger } from '@nestjs/common';
import { silentLogger } from '@rocketnest/common';
import {
  TransactionProducer,
  type LocalTransactionState,
  type Message,
  type TransactionSendResult,
} from '@rocketnest/client';
import { describeError } from './listener-outcome-policy.js';
import { TransactionRolledBackError } from './transaction-rolled-back.error.js';
import type { RocketSerializer } from './serializer.js';
import type {
  RocketTransactionHandler,
  TransactionalHandlerOptions,
  TransactionOutcome,
} from './transactional-handler.decorator.js';

/** A @TransactionalHandler found at boot. */
export interface TransactionHandlerRegistration {
  name: string;
  options: TransactionalHandlerOptions;
  handler: RocketTransactionHandler;
}

/** A transactional send's argument for the handler, and what its execute threw. */
interface Attempt {
  arg: unknown;
  failure: unknown;
}

const TRANSACTION_STATE: Record<TransactionOutcome, LocalTransactionState> = {
  commit: 'COMMIT_MESSAGE',
  rollback: 'ROLLBACK_MESSAGE',
  unknown: 'UNKNOW',
};

/**
 * The @TransactionalHandlers and their transactional producers, one per producer group: a
 * transactional send runs the handler of its topic and tag (the most specific first), and the
 * broker's checks are answered by the same handler.
 */
export class TransactionRegistry {
  private handlers: TransactionHandlerRegistration[] = [];
  private readonly producers = new Map<string, TransactionProducer>();

  constructor(
    private readonly module: { group: string; serializer: RocketSerializer },
    private readonly logger: Logger,
  ) {}

  /** Start a transactional producer per producer group of the handlers found. */
  async start(handlers: TransactionHandlerRegistration[], cluster: ClusterConnection): Promise<void> {
    // Most specific first: topic and tag, then topic, then any.
    const specificity = (h: TransactionHandlerRegistration) => (h.options.topic ? 2 : 0) + (h.options.tag ? 1 : 0);
    this.handlers = [...handlers].sort((a, b) => specificity(b) - specificity(a));
    const { serializer } = this.module;
    for (const registration of this.handlers) {
      const group = this.groupOf(registration);
      if (this.producers.has(group)) continue;
      const producer = new TransactionProducer({
        ...cluster,
        producerGroup: group,
        logger: silentLogger,
        transactionListener: {
          executeLocalTransaction: (message, attempt, sent) =>
            this.decide(
              message.topic,
              message.tags,
              'execute',
              (handler) =>
                handler.execute(
                  {
                    topic: message.topic,
                    tags: message.tags,
                    msgId: sent.msgId,
                    payload: serializer.deserialize(Buffer.from(message.body)),
                    properties: { ...message.properties },
                  },
                  (attempt as Attempt).arg,
                ),
              (error) => ((attempt as Attempt).failure = error),
            ),
          checkLocalTransaction: (message) =>
            this.decide(message.topic, message.tags, 'check', (handler) =>
              handler.check({
                topic: message.topic,
                tags: message.tags,
                msgId: message.msgId,
                payload: serializer.deserialize(message.body),
                properties: message.properties,
              }),
            ),
        },
      });
      await producer.start();
      this.producers.set(group, producer);
      this.logger.log(
        `${registration.name} -> transactions of ${registration.options.topic ?? 'any topic'}/${registration.options.tag ?? '*'} in ${group}`,
      );
    }
  }

  /** Send a message in a transaction that its handler runs; refused (rejected) without a handler. */
  async send(
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
    const group = options.producerGroup ?? this.groupOf(registration);
    const producer = this.producers.get(group);
    if (!producer) throw new Error(`no @TransactionalHandler is registered in producer group ${group}`);
    // The handler gets arg; what execute threw comes back in the attempt, for the rejection.
    const attempt: Attempt = { arg, failure: undefined };
    const result = await producer.sendMessageInTransaction(message, attempt, { shardingKey: options.shardingKey });
    if (result.localTransactionState === 'ROLLBACK_MESSAGE') {
      throw new TransactionRolledBackError(result, message.topic, attempt.failure);
    }
    return result;
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.producers.values()].map((producer) => producer.shutdown()));
    this.producers.clear();
  }

  private groupOf(registration: TransactionHandlerRegistration): string {
    return registration.options.producerGroup ?? `${this.module.group}-tx`;
  }

  private handlerFor(topic: string, tags: string | undefined): TransactionHandlerRegistration | undefined {
    return this.handlers.find(
      ({ options }) => (!options.topic || options.topic === topic) && (!options.tag || options.tag === tags),
    );
  }

  /** Run execute or check and map its outcome; execute throwing rolls back, check throwing leaves it unknown. */
  private async decide(
    topic: string,
    tags: string | undefined,
    step: 'execute' | 'check',
    run: (handler: RocketTransactionHandler) => Promise<TransactionOutcome> | TransactionOutcome,
    failed: (error: unknown) => void = () => {},
  ): Promise<LocalTransactionState> {
    const registration = this.handlerFor(topic, tags);
    if (!registration) {
      this.logger.error(`no @TransactionalHandler for ${topic}/${tags ?? '*'}: the transaction stays unknown`);
      return 'UNKNOW';
    }
    try {
      return TRANSACTION_STATE[await run(registration.handler)];
    } catch (error) {
      this.logger.warn(`${registration.name}.${step} on ${topic} failed: ${describeError(error)}`);
      failed(error);
      return step === 'execute' ? 'ROLLBACK_MESSAGE' : 'UNKNOW';
    }
  }
}
