import {
  createRequest,
  UpdateConsumerOffsetRequestHeader,
  encodeJsonBody,
  decodeOffsetMessageId,
  decodeStoredMessages,
  dlqTopic,
  parseJavaJson,
  Perm,
  RequestCode,
  ResetOffsetRequestHeader,
  ResponseCode,
  type ClusterInfo,
  type ConnectionData,
  type RemotingCommand,
  type TopicList,
  type TopicRouteData,
  GetConsumerConnectionListRequestHeader,
  PromoteToMasterRequestHeader,
  QueryMessageRequestHeader,
  PullMessageRequestHeader,
  PullSysFlag,
  TRACE_TOPIC,
} from '@rocketnest/protocol';
import { ClientInstance, type ClientOptions } from './client-instance.js';
import { MQBrokerError, MQClientError } from './errors.js';
import { receivedMessage, type ReceivedMessage } from './received-message.js';
import { retryTopicRequest } from './retry-topic.js';
import { brokerMembers, type BrokerMember } from './broker-members.js';
import { traceSteps, type TraceStep } from './message-trace.js';
import { mastersOf, queueMap, type MessageQueue } from './topic-route.js';

export type { BrokerMember } from './broker-members.js';
export type { QueueProgress, QueueStats, TopicOptions } from './admin-types.js';
import type { QueueProgress, QueueStats, TopicOptions } from './admin-types.js';

/** The group admin sends and reads are made as (MixAll.TOOLS_CONSUMER_GROUP). */
const TOOLS_PRODUCER_GROUP = 'TOOLS_CONSUMER';
const TOOLS_CONSUMER_GROUP = 'TOOLS_CONSUMER';

/**
 * Admin calls (MQAdminExt) against any RocketMQ-compatible cluster: topics, clusters, brokers,
 * consumer progress, and message lookups by id and key.
 */
export class Admin {
  readonly instance: ClientInstance;

  constructor(options: ClientOptions) {
    this.instance = new ClientInstance(options);
  }

  async shutdown(): Promise<void> {
    await this.instance.shutdown();
  }

  /** One request to a broker or NameServer; any answer but SUCCESS throws MQBrokerError with its remark. */
  async call(
    address: string,
    code: number,
    extFields: Record<string, string> = {},
    body?: Buffer,
  ): Promise<RemotingCommand> {
    const response = await this.instance.remoting.invoke(address, createRequest(code, { extFields, body }));
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, address);
    return response;
  }

  /** A NameServer request's JSON body, from the first NameServer that answers. */
  async namesrvBody<T>(code: number, extFields: Record<string, string> = {}): Promise<T> {
    const response = await this.instance.invokeNamesrv(() => createRequest(code, { extFields }));
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, 'NameServer');
    return parseJavaJson(response.body?.toString('utf8') ?? '{}') as T;
  }

  /** Clusters, their broker names, and each broker's addresses by id (fastjson's form read too). */
  clusterInfo(): Promise<ClusterInfo> {
    return this.namesrvBody<ClusterInfo>(RequestCode.GET_BROKER_CLUSTER_INFO);
  }

  async topicList(): Promise<string[]> {
    return (await this.namesrvBody<TopicList>(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)).topicList;
  }

  async topicRoute(topic: string): Promise<TopicRouteData> {
    const route = await this.instance.fetchRoute(topic);
    if (!route) throw new MQClientError(`topic ${topic} has no route: no broker serves it`);
    return route;
  }

  /**
   * Every broker the NameServer lists, masters and slaves, with its role, runtime figures and how
   * far its CommitLog is behind its master's. A broker that does not answer is listed with the error.
   */
  brokers(): Promise<BrokerMember[]> {
    return brokerMembers(this);
  }

  /** Master addresses of a cluster's brokers (of every cluster when none is named). */
  async masters(clusterName?: string): Promise<string[]> {
    const info = await this.clusterInfo();
    const names = clusterName ? (info.clusterAddrTable[clusterName] ?? []) : Object.keys(info.brokerAddrTable);
    if (clusterName && names.length === 0) throw new MQClientError(`cluster ${clusterName} has no broker`);
    return names
      .map((name) => info.brokerAddrTable[name]?.brokerAddrs['0'])
      .filter((a): a is string => a !== undefined);
  }

  /** Create or update a topic on every master of the cluster (UPDATE_AND_CREATE_TOPIC). */
  async createTopic(topic: string, options: TopicOptions = {}): Promise<void> {
    const queueNums = String(options.queueNums ?? 8);
    for (const address of await this.masters(options.clusterName)) {
      await this.call(address, RequestCode.UPDATE_AND_CREATE_TOPIC, {
        topic,
        defaultTopic: 'TBW102',
        readQueueNums: queueNums,
        writeQueueNums: queueNums,
        perm: String(options.perm ?? Perm.READ_WRITE),
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: '0',
        order: String(options.order ?? false),
      });
    }
  }

  /**
   * Create or update a consumer group on every master of the cluster
   * (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, as mqadmin updateSubGroup), for brokers that do not
   * create groups themselves (autoCreateSubscriptionGroup=false).
   */
  /** orderly: RocketMQ 5's consumeMessageOrderly, which makes the group's v5 (gRPC) consumers FIFO. */
  async createGroup(
    group: string,
    options: { clusterName?: string; retryMaxTimes?: number; orderly?: boolean } = {},
  ): Promise<void> {
    const body = encodeJsonBody({
      groupName: group,
      consumeEnable: true,
      consumeFromMinEnable: true,
      consumeBroadcastEnable: true,
      retryQueueNums: 1,
      retryMaxTimes: options.retryMaxTimes ?? 16,
      brokerId: 0,
      whichBrokerWhenConsumeSlowly: 1,
      notifyConsumerIdsChangedEnable: true,
      consumeMessageOrderly: options.orderly ?? false,
    });
    for (const address of await this.masters(options.clusterName)) {
      await this.call(address, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body);
    }
  }

  /** Delete a topic from the cluster's brokers and from the NameServers. */
  async deleteTopic(topic: string, clusterName?: string): Promise<void> {
    for (const address of await this.masters(clusterName))
      await this.call(address, RequestCode.DELETE_TOPIC_IN_BROKER, { topic });
    const extFields: Record<string, string> = clusterName ? { topic, clusterName } : { topic };
    await this.instance.invokeNamesrv(() => createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, { extFields }));
  }

  /**
   * Make the slave at brokerAddr the master of its brokerName, once its master is lost for good
   * (PROMOTE_TO_MASTER, RocketNest brokers only). The broker refuses while a NameServer lists a
   * master for its brokerName or the old master answers. Resolves with the broker's account.
   */
  async promoteToMaster(brokerAddr: string, role: 'ASYNC_MASTER' | 'SYNC_MASTER' = 'ASYNC_MASTER'): Promise<string> {
    const request = createRequest(RequestCode.PROMOTE_TO_MASTER, {
      extFields: PromoteToMasterRequestHeader.encode({ brokerRole: role }),
    });
    // The broker first probes the old master, up to 3 s for each address it was known at.
    const response = await this.instance.remoting.invoke(brokerAddr, request, { timeoutMs: 30_000 });
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, brokerAddr);
    return response.remark ?? '';
  }

  /** A broker's runtime figures (GET_BROKER_RUNTIME_INFO), as mqadmin brokerStatus shows them. */
  async brokerRuntimeInfo(brokerAddr: string): Promise<Record<string, string>> {
    const response = await this.call(brokerAddr, RequestCode.GET_BROKER_RUNTIME_INFO);
    return (parseJavaJson(response.body!.toString('utf8')) as { table: Record<string, string> }).table;
  }

  /** Min and max offsets of every queue of a topic, on every broker of its route. */
  async topicStats(topic: string): Promise<QueueStats[]> {
    return this.statsAt(mastersOf(await this.topicRoute(topic)), topic);
  }

  private async statsAt(masters: Map<string, string>, topic: string): Promise<QueueStats[]> {
    const stats: QueueStats[] = [];
    for (const address of masters.values()) {
      const response = await this.call(address, RequestCode.GET_TOPIC_STATS_INFO, { topic });
      for (const [queue, value] of queueMap<Omit<QueueStats, 'queue'>>(response.body)) stats.push({ queue, ...value });
    }
    return sortByQueue(stats);
  }

  /**
   * Commit the group's offset of every queue of the topic at the queue's end, so that a group
   * that has never consumed it reads only what arrives from now on: brokers start such a group at
   * offset 0, whatever its consumeFromWhere, while the topic's first messages are still in memory.
   */
  async commitGroupAtEnd(group: string, topic: string): Promise<void> {
    const masters = mastersOf(await this.topicRoute(topic));
    for (const { queue, maxOffset } of await this.statsAt(masters, topic)) {
      const address = masters.get(queue.brokerName);
      if (!address) continue;
      await this.call(
        address,
        RequestCode.UPDATE_CONSUMER_OFFSET,
        UpdateConsumerOffsetRequestHeader.encode({
          consumerGroup: group,
          topic,
          queueId: queue.queueId,
          commitOffset: maxOffset,
        }),
      );
    }
  }

  /** The group's live members on the brokers of a topic. */
  async consumerConnections(group: string, topic: string): Promise<ConnectionData[]> {
    const members = new Map<string, ConnectionData>();
    for (const address of [...mastersOf(await this.topicRoute(topic)).values()]) {
      const response = await this.instance.remoting.invoke(
        address,
        createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, {
          extFields: GetConsumerConnectionListRequestHeader.encode({ consumerGroup: group }),
        }),
      );
      if (response.code !== ResponseCode.SUCCESS) continue;
      const body = parseJavaJson(response.body!.toString('utf8')) as { connectionSet: ConnectionData[] };
      for (const connection of body.connectionSet) members.set(connection.clientId, connection);
    }
    return [...members.values()];
  }

  /** Per queue of a topic: the broker's max offset, the group's committed offset, and the lag. */
  async consumerProgress(group: string, topic: string): Promise<QueueProgress[]> {
    return (await this.consumeStats(group, topic)).queues;
  }

  /**
   * The group's progress per queue and its consume TPS (GET_CONSUME_STATS), on a topic's brokers,
   * or on every master for every topic the group consumes when no topic is given.
   */
  async consumeStats(group: string, topic?: string): Promise<{ queues: QueueProgress[]; consumeTps: number }> {
    const queues: QueueProgress[] = [];
    let consumeTps = 0;
    const brokers = topic ? [...mastersOf(await this.topicRoute(topic)).values()] : await this.masters();
    for (const address of brokers) {
      const extFields: Record<string, string> = topic ? { consumerGroup: group, topic } : { consumerGroup: group };
      const response = await this.call(address, RequestCode.GET_CONSUME_STATS, extFields);
      type Offsets = { brokerOffset: number; consumerOffset: number; lastTimestamp: number };
      for (const [queue, value] of queueMap<Offsets>(response.body, 'offsetTable')) {
        queues.push({ queue, ...value, lag: Math.max(0, value.brokerOffset - value.consumerOffset) });
      }
      consumeTps += (parseJavaJson(response.body!.toString('utf8')) as { consumeTps?: number }).consumeTps ?? 0;
    }
    return { queues: sortByQueue(queues), consumeTps };
  }

  /**
   * Up to maxNums messages of a queue from offset, read from its master without committing
   * anything (a pull as the tools' group), and where the next read starts.
   */
  async readQueue(
    queue: MessageQueue,
    offset: number,
    maxNums = 32,
  ): Promise<{ messages: ReceivedMessage[]; nextOffset: number }> {
    const address = mastersOf(await this.topicRoute(queue.topic)).get(queue.brokerName);
    if (!address) throw new MQClientError(`no master of broker ${queue.brokerName} serves ${queue.topic}`);
    const response = await this.instance.remoting.invoke(
      address,
      createRequest(RequestCode.PULL_MESSAGE, {
        extFields: PullMessageRequestHeader.encode({
          consumerGroup: TOOLS_CONSUMER_GROUP,
          topic: queue.topic,
          queueId: queue.queueId,
          queueOffset: offset,
          maxMsgNums: maxNums,
          sysFlag: PullSysFlag.SUBSCRIPTION,
          commitOffset: 0,
          suspendTimeoutMillis: 0,
          subscription: '*',
          subVersion: 0,
        }),
      }),
    );
    const nextOffset = Number(response.extFields['nextBeginOffset'] ?? offset);
    if (response.code !== ResponseCode.SUCCESS) return { messages: [], nextOffset };
    const messages = decodeStoredMessages(response.body!).map((stored) => receivedMessage(stored, queue.brokerName));
    return { messages, nextOffset };
  }

  /** A queue's messages from `from` up to (not including) `to`, a batch at a time. */
  async *readRange(queue: MessageQueue, from: number, to: number): AsyncGenerator<ReceivedMessage[]> {
    for (let offset = from; offset < to;) {
      const { messages, nextOffset } = await this.readQueue(queue, offset, 32);
      if (nextOffset <= offset) return;
      yield messages.filter((m) => m.queueOffset < to);
      offset = nextOffset;
    }
  }

  /** The message an offset message id names (the broker address and CommitLog offset in it). */
  async viewMessage(offsetMsgId: string): Promise<ReceivedMessage> {
    const { storeHost, physicalOffset } = decodeOffsetMessageId(offsetMsgId);
    const response = await this.call(storeHost, RequestCode.VIEW_MESSAGE_BY_ID, { offset: String(physicalOffset) });
    const [stored] = decodeStoredMessages(response.body!);
    // The id names the broker by address, not by name: the address stands in for it.
    return receivedMessage(stored!, storeHost);
  }

  /**
   * Give a group's dead letter (by its message id) back to the group: it is sent to the group's
   * %RETRY% topic with its retry count reset, so only that group consumes it again, under its
   * original topic. Returns how many copies were found and resent.
   */
  async resendDeadLetter(group: string, msgId: string): Promise<number> {
    const letters = await this.queryMessageByKey(dlqTopic(group), msgId);
    const masters = letters.length > 0 ? mastersOf(await this.topicRoute(dlqTopic(group))) : new Map<string, string>();
    for (const letter of letters) {
      const address = masters.get(letter.brokerName);
      if (!address) throw new MQClientError(`no master of broker ${letter.brokerName} for ${dlqTopic(group)}`);
      const request = retryTopicRequest(group, letter, { producerGroup: TOOLS_PRODUCER_GROUP, reconsumeTimes: 0 });
      const response = await this.instance.remoting.invoke(address, request);
      if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, address);
    }
    return letters.length;
  }

  /**
   * Rewind (or skip) a group on a topic: its offsets move to the first message stored at or after
   * timestamp (ms since the epoch), or to the end with 'latest'; running members are told and
   * start over from there, a stopped group starts there. Without force an offset only moves back.
   */
  async resetOffsetByTimestamp(
    group: string,
    topic: string,
    timestamp: number | 'latest',
    force = true,
  ): Promise<{ queue: MessageQueue; offset: number }[]> {
    const reset: { queue: MessageQueue; offset: number }[] = [];
    for (const address of mastersOf(await this.topicRoute(topic)).values()) {
      const response = await this.call(
        address,
        RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
        ResetOffsetRequestHeader.encode({
          topic,
          group,
          timestamp: timestamp === 'latest' ? -1 : timestamp,
          isForce: force,
        }),
      );
      for (const [queue, offset] of queueMap<number>(response.body)) reset.push({ queue, offset });
    }
    return sortByQueue(reset);
  }

  /** A message's trace by its unique id: every step clients with enableMsgTrace recorded, oldest first. */
  async messageTrace(msgId: string, traceTopic = TRACE_TOPIC): Promise<TraceStep[]> {
    // No trace was ever written while the trace topic has no route.
    if (!(await this.instance.fetchRoute(traceTopic))) return [];
    return traceSteps(msgId, await this.queryMessageByKey(traceTopic, msgId, { maxNum: 64 }));
  }

  /** Messages of a topic with a key (or unique id), stored within [begin, end], from every broker of the topic. */
  async queryMessageByKey(
    topic: string,
    key: string,
    options: { begin?: number; end?: number; maxNum?: number } = {},
  ): Promise<ReceivedMessage[]> {
    const route = await this.topicRoute(topic);
    const found: ReceivedMessage[] = [];
    for (const broker of route.brokerDatas) {
      const address = broker.brokerAddrs['0'];
      if (!address) continue;
      const response = await this.instance.remoting.invoke(
        address,
        createRequest(RequestCode.QUERY_MESSAGE, {
          extFields: QueryMessageRequestHeader.encode({
            topic,
            key,
            maxNum: options.maxNum ?? 32,
            beginTimestamp: options.begin ?? 0,
            endTimestamp: options.end ?? Date.now(),
          }),
        }),
      );
      if (response.code !== ResponseCode.SUCCESS) continue;
      for (const stored of decodeStoredMessages(response.body!)) {
        const message = receivedMessage(stored, broker.brokerName);
        // The index matches hashes: keep what really has the key.
        if (message.keys.includes(key) || message.msgId === key) found.push(message);
      }
    }
    return found;
  }
}

function sortByQueue<T extends { queue: MessageQueue }>(items: T[]): T[] {
  return items.sort((a, b) =>
    a.queue.brokerName === b.queue.brokerName
      ? a.queue.queueId - b.queue.queueId
      : a.queue.brokerName < b.queue.brokerName
        ? -1
        : 1,
  );
}
