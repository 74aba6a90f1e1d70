import { StatsItems, type StatsSource } from '@rocketnest/common';
import {
  ConsumeMessageDirectlyResultRequestHeader,
  createResponse,
  decodeStoredMessages,
  encodeJavaJson,
  GetConsumerRunningInfoRequestHeader,
  ObjectKeyMap,
  REMOTING_VERSION_NAME,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
  type SubscriptionData,
} from '@rocketnest/protocol';
import type { ClientInstance } from './client-instance.js';
import { receivedMessage, type ReceivedMessage } from './received-message.js';
import type { MessageQueue } from './topic-route.js';

type ConsumerStatsName = 'PULL_TPS' | 'PULL_RT' | 'CONSUME_OK_TPS' | 'CONSUME_FAILED_TPS' | 'CONSUME_RT';

/** One topic's running totals, counted per pull and per listener call. */
interface TopicFigures {
  pulled: number;
  pulls: number;
  pullMs: number;
  ok: number;
  failed: number;
  calls: number;
  consumeMs: number;
}

/** A consumer's pull and consume figures per topic over the last minute and hour (ConsumerStatsManager). */
export class ConsumerStats {
  private readonly topics = new Map<string, TopicFigures>();
  private readonly items = new StatsItems<ConsumerStatsName>({
    PULL_TPS: this.source((f) => [f.pulled, f.pulls]),
    PULL_RT: this.source((f) => [f.pullMs, f.pulls]),
    CONSUME_OK_TPS: this.source((f) => [f.ok, f.calls]),
    CONSUME_FAILED_TPS: this.source((f) => [f.failed, f.calls]),
    CONSUME_RT: this.source((f) => [f.consumeMs, f.calls]),
  });
  private readonly timer = setInterval(() => this.items.tick(), 1000).unref();

  pulled(topic: string, messages: number, ms: number): void {
    const figures = this.figures(topic);
    figures.pulled += messages;
    figures.pulls++;
    figures.pullMs += ms;
  }

  consumed(topic: string, messages: number, ok: boolean, ms: number): void {
    const figures = this.figures(topic);
    if (ok) figures.ok += messages;
    else figures.failed += messages;
    figures.calls++;
    figures.consumeMs += ms;
  }

  private figures(topic: string): TopicFigures {
    let figures = this.topics.get(topic);
    if (!figures)
      this.topics.set(topic, (figures = { pulled: 0, pulls: 0, pullMs: 0, ok: 0, failed: 0, calls: 0, consumeMs: 0 }));
    return figures;
  }

  private source(pick: (figures: TopicFigures) => [number, number]): StatsSource {
    return () => [...this.topics].map(([topic, figures]) => [topic, ...pick(figures)] as const);
  }

  /** ConsumeStatus: RTs are the average per pull or listener call, TPS per second over the minute. */
  status(topic: string): Record<string, number> {
    const minute = (name: ConsumerStatsName) => this.items.data(name, topic)?.statsMinute;
    return {
      pullRT: minute('PULL_RT')?.avgpt ?? 0,
      pullTPS: minute('PULL_TPS')?.tps ?? 0,
      consumeRT: minute('CONSUME_RT')?.avgpt ?? 0,
      consumeOKTPS: minute('CONSUME_OK_TPS')?.tps ?? 0,
      consumeFailedTPS: minute('CONSUME_FAILED_TPS')?.tps ?? 0,
      consumeFailedMsgs: this.items.data('CONSUME_FAILED_TPS', topic)?.statsHour.sum ?? 0,
    };
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** A held queue as ProcessQueueInfo reports it. */
export interface HeldQueue {
  queue: MessageQueue;
  commitOffset: number;
  cachedMsgMinOffset: number;
  cachedMsgMaxOffset: number;
  cachedMsgCount: number;
  cachedMsgSizeInMiB: number;
  locked: boolean;
  lastLockTimestamp: number;
  droped: boolean;
  lastPullTimestamp: number;
  lastConsumeTimestamp: number;
}

/** What a consumer tells mqadmin consumerStatus and the console about itself. */
export interface ConsumerView {
  readonly group: string;
  /** The consumer's options and PROP_ values; only strings, numbers and booleans are shown. */
  properties(): Record<string, unknown>;
  subscriptions(): SubscriptionData[];
  heldQueues(): HeldQueue[];
  readonly stats: ConsumerStats;
  /** Push consumers: give one message to the listener (CONSUME_MESSAGE_DIRECTLY). */
  consumeDirectly?(message: ReceivedMessage): Promise<{ ok: boolean; remark?: string }>;
}

/** ConsumerRunningInfo, with Java's property names for what RocketMQ's tools read. */
export function consumerRunningInfo(view: ConsumerView): string {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(view.properties())) {
    if (['string', 'number', 'boolean'].includes(typeof value)) properties[key] = String(value);
  }
  properties['PROP_NAMESERVER_ADDR'] = properties['namesrvAddr'] ?? '';
  properties['PROP_CONSUMEORDERLY'] = String(properties['orderly'] === 'true');
  properties['PROP_CLIENT_VERSION'] = REMOTING_VERSION_NAME;
  const held = view.heldQueues();
  const topics = new Set([...view.subscriptions().map((s) => s.topic), ...held.map((h) => h.queue.topic)]);
  return encodeJavaJson({
    properties,
    subscriptionSet: view.subscriptions(),
    mqTable: new ObjectKeyMap(
      held.map(({ queue, ...info }) => [
        { brokerName: queue.brokerName, queueId: queue.queueId, topic: queue.topic },
        { ...info, transactionMsgMinOffset: 0, transactionMsgMaxOffset: 0, transactionMsgCount: 0, tryUnlockTimes: 0 },
      ]),
    ),
    statusTable: Object.fromEntries([...topics].map((topic) => [topic, view.stats.status(topic)])),
  });
}

/**
 * Answer what the broker passes on from mqadmin (ClientRemotingProcessor): GET_CONSUMER_RUNNING_INFO
 * with this consumer's running info, and CONSUME_MESSAGE_DIRECTLY by giving the message to the
 * listener and saying how that went.
 */
export function serveConsumerRequests(instance: ClientInstance, view: ConsumerView): void {
  const notHere = (request: RemotingCommand, group: string) =>
    createResponse(request, ResponseCode.SYSTEM_ERROR, {
      remark: `The Consumer Group <${group}> not exist in this consumer`,
    });
  instance.remoting.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (request) => {
    const { consumerGroup } = GetConsumerRunningInfoRequestHeader.decode(request.extFields);
    if (consumerGroup !== view.group) return notHere(request, consumerGroup);
    return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(consumerRunningInfo(view)) });
  });
  instance.remoting.registerProcessor(RequestCode.CONSUME_MESSAGE_DIRECTLY, async (request) => {
    const header = ConsumeMessageDirectlyResultRequestHeader.decode(request.extFields);
    if (header.consumerGroup !== view.group || !view.consumeDirectly) return notHere(request, header.consumerGroup);
    const [stored] = decodeStoredMessages(request.body ?? Buffer.alloc(0));
    if (!stored) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'no message in the request' });
    const started = Date.now();
    const outcome = await view.consumeDirectly(receivedMessage(stored, header.brokerName ?? ''));
    const result = {
      order: false,
      autoCommit: true,
      consumeResult: outcome.ok ? 'CR_SUCCESS' : 'CR_LATER',
      remark: outcome.remark,
      spentTimeMills: Date.now() - started,
    };
    return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(encodeJavaJson(result)) });
  });
}
