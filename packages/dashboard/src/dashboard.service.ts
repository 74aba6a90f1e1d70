import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  Admin,
  MQBrokerError,
  Producer,
  type BrokerMember,
  type MessageQueue,
  type QueueProgress,
  type ReceivedMessage,
  type TraceStep,
} from '@rocketnest/client';
import { silentLogger } from '@rocketnest/common';
import {
  createRequest,
  dlqTopic,
  parseJavaJson,
  RequestCode,
  ResponseCode,
  type ConnectionData,
} from '@rocketnest/protocol';
import { MODULE_OPTIONS_TOKEN, type DashboardModuleOptions } from './dashboard.module-definition.js';

/** How many samples each chart keeps: an hour at the default 10 s. */
const HISTORY = 360;

export interface GroupView {
  members: ConnectionData[];
  queues: QueueProgress[];
  consumeTps: number;
  /** Which member holds each queue, as the members report it (their running info). */
  owners: Map<string, string>;
}

/**
 * What the console shows, read from the cluster through Admin (RocketNest or Apache RocketMQ
 * alike), and the TPS and lag samples its charts draw, taken every sampleIntervalSeconds.
 */
@Injectable()
export class DashboardService implements OnModuleInit, OnModuleDestroy {
  readonly admin: Admin;
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Per broker address: [time, TPS in, TPS out]. */
  readonly brokerHistory = new Map<string, [number, number, number][]>();
  /** Per group: [time, lag]. */
  readonly lagHistory = new Map<string, [number, number][]>();

  constructor(@Inject(MODULE_OPTIONS_TOKEN) private readonly options: DashboardModuleOptions) {
    this.admin = new Admin({ ...this.connection(), logger: silentLogger });
  }

  private connection() {
    const { namesrvAddr, accessKey, secretKey, tls } = this.options;
    return { namesrvAddr, credentials: accessKey && secretKey ? { accessKey, secretKey } : undefined, tls };
  }

  onModuleInit(): void {
    const every = (this.options.sampleIntervalSeconds ?? 10) * 1000;
    this.timer = setInterval(() => void this.sample().catch(() => undefined), every).unref();
    void this.sample().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.producer?.shutdown();
    await this.admin.shutdown();
  }

  /** One sample of every broker's TPS and every group's lag, for the charts. */
  async sample(): Promise<void> {
    const now = Date.now();
    for (const broker of await this.admin.brokers()) {
      if (!broker.runtime) continue;
      const tps = (name: string) => Number(broker.runtime?.[name]?.split(' ')[0] ?? 0);
      push(this.brokerHistory, broker.address, [now, tps('putTps'), tps('getTransferedTps')]);
    }
    for (const group of (await this.groups()).slice(0, 50)) {
      const stats = await this.admin.consumeStats(group).catch(() => undefined);
      if (stats) push(this.lagHistory, group, [now, stats.queues.reduce((sum, q) => sum + q.lag, 0)]);
    }
  }

  brokers(): Promise<BrokerMember[]> {
    return this.admin.brokers();
  }

  async topics(): Promise<string[]> {
    return (await this.admin.topicList()).sort();
  }

  /** Consumer groups the masters have configs for, sorted. */
  async groups(): Promise<string[]> {
    const groups = new Set<string>();
    for (const address of await this.admin.masters()) {
      const response = await this.admin.call(address, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
      const body = parseJavaJson(response.body?.toString('utf8') ?? '{}') as { subscriptionGroupTable?: object };
      for (const group of Object.keys(body.subscriptionGroupTable ?? {})) groups.add(group);
    }
    return [...groups].sort();
  }

  /** Groups that consume a topic now or have offsets on it. */
  async consumersOf(topic: string): Promise<string[]> {
    const groups = new Set<string>();
    for (const broker of (await this.admin.topicRoute(topic)).brokerDatas) {
      const address = broker.brokerAddrs['0'];
      if (!address) continue;
      const response = await this.admin.call(address, RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { topic });
      for (const group of (parseJavaJson(response.body!.toString('utf8')) as { groupList: string[] }).groupList)
        groups.add(group);
    }
    return [...groups].sort();
  }

  async group(group: string): Promise<GroupView> {
    const stats = await this.admin.consumeStats(group).catch((error: unknown) => {
      if (error instanceof MQBrokerError) return { queues: [], consumeTps: 0 };
      throw error;
    });
    const members = await this.members(group);
    const owners = new Map<string, string>();
    for (const member of members) {
      const info = await this.runningInfo(group, member.clientId).catch(() => undefined);
      for (const key of Object.keys(info?.mqTable ?? {})) {
        const queue = JSON.parse(key) as MessageQueue;
        owners.set(`${queue.topic}@${queue.brokerName}:${queue.queueId}`, member.clientId);
      }
    }
    return { members, queues: stats.queues, consumeTps: stats.consumeTps, owners };
  }

  private async members(group: string): Promise<ConnectionData[]> {
    for (const address of await this.admin.masters()) {
      const response = await this.admin.instance.remoting.invoke(
        address,
        createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, { extFields: { consumerGroup: group } }),
      );
      if (response.code === ResponseCode.SUCCESS) {
        return (parseJavaJson(response.body!.toString('utf8')) as { connectionSet: ConnectionData[] }).connectionSet;
      }
    }
    return [];
  }

  private async runningInfo(group: string, clientId: string): Promise<{ mqTable?: Record<string, unknown> }> {
    const [address] = await this.admin.masters();
    const response = await this.admin.call(address!, RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup: group,
      clientId,
      jstackEnable: 'false',
    });
    return parseJavaJson(response.body!.toString('utf8')) as { mqTable?: Record<string, unknown> };
  }

  /** The newest messages of a topic (up to limit), stored within [begin, end], newest first. */
  async recentMessages(topic: string, limit: number, begin = 0, end = Date.now()): Promise<ReceivedMessage[]> {
    const found: ReceivedMessage[] = [];
    for (const { queue, minOffset, maxOffset } of await this.admin.topicStats(topic)) {
      for await (const batch of this.admin.readRange(queue, Math.max(minOffset, maxOffset - limit), maxOffset)) {
        found.push(...batch.filter((m) => m.storeTimestamp >= begin && m.storeTimestamp <= end));
      }
    }
    return found.sort((a, b) => b.storeTimestamp - a.storeTimestamp).slice(0, limit);
  }

  /** A message by its unique id within a topic, or by its offset id alone. */
  async message(id: string, topic: string | undefined): Promise<ReceivedMessage | undefined> {
    if (topic) {
      const [found] = (await this.admin.queryMessageByKey(topic, id)).filter(
        (m) => m.msgId === id || m.offsetMsgId === id,
      );
      if (found) return found;
    }
    return this.admin.viewMessage(id).catch(() => undefined);
  }

  trace(msgId: string): Promise<TraceStep[]> {
    return this.admin.messageTrace(msgId);
  }

  /** The group's dead letters, newest first. */
  async deadLetters(group: string, limit = 100): Promise<ReceivedMessage[]> {
    if (!(await this.admin.instance.fetchRoute(dlqTopic(group)))) return [];
    return this.recentMessages(dlqTopic(group), limit);
  }

  async send(topic: string, body: string, tags?: string, keys?: string): Promise<string> {
    this.producer ??= await this.startProducer();
    const result = await this.producer.send({
      topic,
      body,
      tags: tags || undefined,
      keys: keys ? keys.split(' ') : undefined,
    });
    return result.msgId;
  }

  private async startProducer(): Promise<Producer> {
    const producer = new Producer({
      ...this.connection(),
      producerGroup: 'ROCKETNEST_DASHBOARD',
      logger: silentLogger,
    });
    await producer.start();
    return producer;
  }
}

function push<T>(history: Map<string, T[]>, key: string, sample: T): void {
  const samples = history.get(key) ?? [];
  samples.push(sample);
  if (samples.length > HISTORY) samples.shift();
  history.set(key, samples);
}
