import type { ClusterConnection } from './rocket-module-options.js';
import { join } from 'node:path';
import { silentLogger } from '@rocketnest/common';
import type { Logger } from '@nestjs/common';
import {
  MessageSelector,
  PushConsumer,
  type MessageQueue,
  type PushConsumerOptions,
  type ReceivedMessage,
} from '@rocketnest/client';
import { parseTags } from '@rocketnest/protocol';
import type { ListenerOutcomePolicy, ListenerRegistration } from './listener-outcome-policy.js';
import type { ResolvedListenerOptions } from './rocket-listener.decorator.js';

/** The consumer settings a listener's options make; listeners of one group must agree on them. */
function consumerSettings(options: ResolvedListenerOptions) {
  return {
    broadcasting: options.broadcasting,
    orderly: options.orderly,
    concurrency: options.concurrency,
    batchSize: options.batchSize,
    maxReconsumeTimes: options.maxReconsumeTimes,
  };
}

/** The push consumer a group's listeners share, made from the first one's options. */
function pushConsumerOptions(
  group: string,
  options: ResolvedListenerOptions,
  cluster: ClusterConnection,
  offsetStoreDir: string | undefined,
): PushConsumerOptions {
  const { consumeFrom } = options;
  return {
    ...cluster,
    consumerGroup: group,
    instanceName: `${process.pid}-${group}`,
    messageModel: options.broadcasting ? 'BROADCASTING' : 'CLUSTERING',
    offsetStoreDir,
    orderly: options.orderly,
    concurrency: options.concurrency,
    consumeMessageBatchMaxSize: options.batchSize,
    maxReconsumeTimes: options.maxReconsumeTimes,
    consumeFromWhere:
      consumeFrom === 'first'
        ? 'CONSUME_FROM_FIRST_OFFSET'
        : consumeFrom === 'last'
          ? 'CONSUME_FROM_LAST_OFFSET'
          : 'CONSUME_FROM_TIMESTAMP',
    consumeTimestamp: consumeFrom instanceof Date ? consumeFrom.getTime() : undefined,
    logger: silentLogger,
  };
}

/**
 * The listeners' push consumers: one per consumer group, subscribed to the topics its listeners
 * read with the union of their tags, routing each message to the listeners whose tags it has.
 */
export class ListenerConsumers {
  private readonly consumers = new Map<string, PushConsumer>();
  /** Topics each listener group reads. */
  private readonly topics = new Map<string, Set<string>>();
  private registrations: readonly ListenerRegistration[] = [];

  constructor(
    private readonly outcomes: ListenerOutcomePolicy,
    private readonly logger: Logger,
    private readonly onRebalance: (group: string, topic: string, queues: readonly MessageQueue[]) => void,
  ) {}

  /** Start a consumer per group; offsetStoreDir keeps broadcasting groups' offsets. */
  async start(
    registrations: readonly ListenerRegistration[],
    cluster: ClusterConnection,
    offsetStoreDir: string | undefined,
    clientLabel: string,
  ): Promise<void> {
    this.registrations = [...this.registrations, ...registrations];
    for (const [group, listeners] of groupBy(registrations, (registration) => registration.options.group)) {
      const consumer = this.consumer(group, listeners, cluster, offsetStoreDir);
      this.consumers.set(group, consumer);
      this.topics.set(group, new Set(listeners.map((listener) => listener.topic)));
      await consumer.start();
      for (const { name, topic, tag, options } of listeners) {
        this.logger.log(
          `${name} -> ${clientLabel}${group}/${topic}/${options.sql ? `sql(${options.sql})` : tag}${options.orderly ? ' orderly' : ''}${options.broadcasting ? ' broadcasting' : ''}`,
        );
      }
    }
  }

  /** Topics each listener group reads. */
  subscribedTopics(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.topics;
  }

  /** The listeners (Class.method) a message of this topic and tag goes to. */
  listenersFor(topic: string, tags: string | undefined): string[] {
    return this.registrations
      .filter((listener) => {
        if (listener.topic !== topic) return false;
        const wanted = parseTags(listener.tag);
        return wanted.length === 0 || (tags !== undefined && wanted.includes(tags));
      })
      .map((listener) => listener.name);
  }

  /** Answer a request message through the consumer of the group that took it. */
  async reply(group: string, request: ReceivedMessage, body: Buffer | string): Promise<void> {
    await this.consumers.get(group)?.reply(request, body);
  }

  /** Stop pulling and let each consumer finish what it holds (at most timeoutMs). */
  async shutdown(timeoutMs: number): Promise<void> {
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.shutdown(timeoutMs)));
    this.consumers.clear();
  }

  private consumer(
    group: string,
    listeners: ListenerRegistration[],
    cluster: ClusterConnection,
    offsetStoreDir: string | undefined,
  ): PushConsumer {
    const first = listeners[0]!;
    const settings = consumerSettings(first.options);
    for (const listener of listeners) {
      const theirs = consumerSettings(listener.options);
      for (const key of Object.keys(settings) as (keyof typeof settings)[]) {
        if (theirs[key] !== settings[key]) {
          throw new Error(
            `${listener.name} and ${first.name} are in consumer group "${group}" with different ${key}: give one of them its own group`,
          );
        }
      }
    }
    const consumer = new PushConsumer({
      ...pushConsumerOptions(group, first.options, cluster, offsetStoreDir),
      onRebalance: (topic, queues) => this.onRebalance(group, topic, queues),
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
      const sql = handlers.find((handler) => handler.options.sql);
      if (sql && handlers.length > 1) {
        throw new Error(
          `${sql.name} has an SQL selector on ${topic} in group "${group}": it cannot share the topic with other listeners of the group`,
        );
      }
      const tagSets = handlers.map((handler) => tagsOf.get(handler));
      const expression = tagSets.some((tags) => !tags)
        ? '*'
        : [...new Set(tagSets.flatMap((tags) => [...tags!]))].join(' || ');
      consumer.subscribe(topic, sql?.options.sql ? MessageSelector.bySql(sql.options.sql) : expression);
    }
    consumer.onMessage(async (messages, context) => {
      // A batch holds messages of one queue, so of one topic.
      for (const handler of byTopic.get(messages[0]!.topic) ?? []) {
        const tags = tagsOf.get(handler);
        const mine = tags
          ? messages.filter((message) => message.tags !== undefined && tags.has(message.tags))
          : messages;
        if (mine.length === 0) continue;
        const outcome = await this.outcomes.run(handler, mine, context);
        if (outcome !== 'CONSUME_SUCCESS') return outcome;
      }
      return 'CONSUME_SUCCESS';
    });
    return consumer;
  }
}

/** Where broadcasting members keep their offsets: beside the embedded broker's data when there is one. */
export function broadcastOffsetDir(embeddedDataDir: string | undefined): string | undefined {
  return embeddedDataDir ? join(embeddedDataDir, 'consumer-offsets') : undefined;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
