import { diskSpace } from '@rocketnest/store';
import {
  REMOTING_VERSION_NAME,
  createResponse,
  CreateTopicRequestHeader,
  decodeJsonBody,
  DeleteSubscriptionGroupRequestHeader,
  encodeJavaJson,
  encodeJsonBody,
  GetConsumeStatsInBrokerHeader,
  GetConsumeStatsRequestHeader,
  GetConsumerConnectionListRequestHeader,
  GetProducerConnectionListRequestHeader,
  ObjectKeyMap,
  groupNameProblem,
  ResponseCode,
  REMOTING_VERSION,
  TopicRequestHeader,
  type ConnectionData,
  type MessageQueueData,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';
import type { ClientChannel } from '../consumer-manager.js';
import { subscriptionGroupConfig, type SubscriptionGroupConfig } from '../subscription-group-manager.js';

/** UPDATE_AND_CREATE_TOPIC (17). */
export function updateAndCreateTopic(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    // The header's decode has checked the name (a 'topic' field).
    const header = CreateTopicRequestHeader.decode(request.extFields);
    if (broker.topics.isSystemTopic(header.topic)) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `the topic[${header.topic}] is conflict with system topic: it cannot be changed, choose another name`,
      });
    }
    if (broker.config.brokerRole === 'SLAVE') {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: 'a slave takes topics from its master only',
      });
    }
    if (header.readQueueNums < 1 || header.writeQueueNums < 1) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: 'readQueueNums and writeQueueNums must be at least 1',
      });
    }
    broker.topics.update({
      topicName: header.topic,
      readQueueNums: header.readQueueNums,
      writeQueueNums: header.writeQueueNums,
      perm: header.perm,
      topicFilterType: header.topicFilterType === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
      topicSysFlag: header.topicSysFlag ?? 0,
      order: header.order,
    });
    broker.logger.info(
      `topic ${header.topic} created or updated: ${header.readQueueNums}/${header.writeQueueNums} queues, perm ${header.perm}`,
    );
    return createResponse(request);
  };
}

/** DELETE_TOPIC_IN_BROKER (215): the topic's config and its ConsumeQueues. */
export function deleteTopicInBroker(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topic } = TopicRequestHeader.decode(request.extFields);
    if (broker.topics.isSystemTopic(topic)) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `the topic[${topic}] is conflict with system topic: it cannot be deleted`,
      });
    }
    broker.topics.delete(topic);
    broker.store.deleteTopics([topic]);
    broker.stats.forgetTopic(topic);
    return createResponse(request);
  };
}

/** GET_ALL_TOPIC_CONFIG (21): topics.json's content. */
export function getAllTopicConfig(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand =>
    createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody(broker.topics.wrapper()) });
}

/** GET_SYSTEM_TOPIC_LIST_FROM_BROKER (305): the broker's own topics, which mqadmin exportMetadata leaves out. */
export function getSystemTopicListFromBroker(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand =>
    createResponse(request, ResponseCode.SUCCESS, {
      body: encodeJsonBody({ topicList: broker.topics.systemTopicNames() }),
    });
}

/** GET_ALL_CONSUMER_OFFSET (43): consumerOffset.json's content, as a slave copies it. */
export function getAllConsumerOffset(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand =>
    createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody(broker.offsets.wrapper()) });
}

/** GET_ALL_DELAY_OFFSET (45): how far each delay level got, as config/delayOffset.json holds it. */
export function getAllDelayOffset(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand =>
    createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody(broker.schedule.table()) });
}

/** GET_BROKER_RUNTIME_INFO (28): every key mqadmin clusterList and brokerStatus read. */
export function getBrokerRuntimeInfo(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const store = broker.store;
    const disk = diskRatio(broker.storeConfig.storePathRootDir);
    const stats = broker.stats.runtimeInfo();
    const table: Record<string, string> = {
      brokerVersionDesc: REMOTING_VERSION_NAME,
      brokerVersion: String(REMOTING_VERSION),
      ...stats,
      getMissTps: '0.00 0.00 0.00',
      getTotalTps: stats['getFoundTps']!,
      sendThreadPoolQueueSize: '0',
      sendThreadPoolQueueCapacity: '10000',
      pullThreadPoolQueueSize: '0',
      pullThreadPoolQueueCapacity: '100000',
      queryThreadPoolQueueSize: '0',
      queryThreadPoolQueueCapacity: '20000',
      EndTransactionQueueSize: '0',
      EndTransactionThreadPoolQueueCapacity: '100000',
      dispatchBehindBytes: '0',
      pageCacheLockTimeMills: '0',
      sendThreadPoolQueueHeadWaitTimeMills: '0',
      pullThreadPoolQueueHeadWaitTimeMills: '0',
      queryThreadPoolQueueHeadWaitTimeMills: '0',
      earliestMessageTimeStamp: String(earliestMessageTime(broker)),
      startAcceptSendRequestTimeStamp: '0',
      remainTransientStoreBufferNumbs: '0',
      remainHowManyDataToCommit: '0',
      remainHowManyDataToFlush: '0',
      commitLogDirCapacity: `Total : ${disk.total}, Free : ${disk.free}.`,
      commitLogMaxOffset: String(store.getMaxPhyOffset()),
      // RocketNest's own: the role, and how far the nearest slave has the master's CommitLog.
      brokerRole: broker.config.brokerRole,
      brokerId: String(broker.config.brokerId),
      slaveAckOffset: String(broker.slaveAckOffset),
      commitLogMinOffset: String(store.getMinPhyOffset()),
      commitLogDiskRatio: String(disk.ratio),
      consumeQueueDiskRatio: String(disk.ratio),
      putMessageEntireTimeMax: '0',
      putMessageTimesTotal: String(broker.stats.putTotal),
      putMessageFailedTimes: '0',
      putMessageSizeTotal: '0',
      putMessageDistributeTime: '',
      putMessageAverageSize: '0',
      dispatchMaxBuffer: '0',
      getMessageEntireTimeMax: '0',
      putLatency99: '0',
      putLatency999: '0',
    };
    return createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody({ table }) });
  };
}

function earliestMessageTime(broker: BrokerContext): number {
  let earliest = -1;
  for (const [topic, queueIds] of broker.store.queues()) {
    for (const queueId of queueIds) {
      const time = broker.store.getEarliestMessageTime(topic, queueId);
      if (time > 0 && (earliest < 0 || time < earliest)) earliest = time;
    }
  }
  return earliest;
}

function diskRatio(path: string): { ratio: number; total: string; free: string } {
  try {
    const { usedRatio, totalBytes, availableBytes } = diskSpace(path);
    return { ratio: usedRatio, total: gib(totalBytes), free: gib(availableBytes) };
  } catch {
    return { ratio: 0, total: '0', free: '0' };
  }
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/** GET_CONSUMER_CONNECTION_LIST (203). */
export function getConsumerConnectionList(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { consumerGroup } = GetConsumerConnectionListRequestHeader.decode(request.extFields);
    const group = broker.consumers.get(consumerGroup);
    if (!group || group.channels.size === 0) {
      return createResponse(request, ResponseCode.CONSUMER_NOT_ONLINE, {
        remark: `the consumer group[${consumerGroup}] not online`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, {
      body: encodeJsonBody({
        connectionSet: [...group.channels.values()].map(connectionData),
        consumeType: group.consumeType,
        messageModel: group.messageModel,
        consumeFromWhere: group.consumeFromWhere,
        subscriptionTable: Object.fromEntries(group.subscriptions),
      }),
    });
  };
}

/** GET_PRODUCER_CONNECTION_LIST (204). */
export function getProducerConnectionList(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { producerGroup } = GetProducerConnectionListRequestHeader.decode(request.extFields);
    const channels = broker.producers.channels(producerGroup);
    if (channels.length === 0) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `the producer group[${producerGroup}] not exist`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, {
      body: encodeJsonBody({ connectionSet: channels.map(connectionData) }),
    });
  };
}

/** GET_ALL_PRODUCER_INFO (328), mqadmin producer: every producer group's live clients. */
export function getAllProducerInfo(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const data = broker.producers.all().map(([group, channels]) => [
      group,
      channels.map((channel) => ({
        clientId: channel.clientId,
        // As Apache prints it: the socket address's Java toString.
        remoteIP: `/${channel.connection.remoteAddress}`,
        language: channel.language,
        version: channel.version,
        lastUpdateTimestamp: channel.lastUpdateTimestamp,
      })),
    ]);
    return createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody({ data: Object.fromEntries(data) }) });
  };
}

function connectionData(channel: ClientChannel): ConnectionData {
  return {
    clientId: channel.clientId,
    clientAddr: channel.connection.remoteAddress,
    language: channel.language,
    version: channel.version,
  };
}

/**
 * A group's ConsumeStats over topics: per read queue, the broker's max offset, the group's
 * committed offset and the store time of the last message it consumed; and its consume TPS.
 */
function consumeStats(broker: BrokerContext, group: string, topics: readonly string[]) {
  const entries: [MessageQueueData, { brokerOffset: number; consumerOffset: number; lastTimestamp: number }][] = [];
  let consumeTps = 0;
  let totalDiff = 0;
  for (const topic of topics) {
    const config = broker.topics.get(topic);
    if (!config) continue;
    for (let queueId = 0; queueId < config.readQueueNums; queueId++) {
      const brokerOffset = broker.store.getMaxOffsetInQueue(topic, queueId);
      const consumerOffset = Math.max(0, broker.offsets.query(group, topic, queueId));
      const lastTimestamp =
        consumerOffset > 0 ? broker.store.getMessageStoreTimestamp(topic, queueId, consumerOffset - 1) : 0;
      entries.push([
        { topic, brokerName: broker.config.brokerName, queueId },
        { brokerOffset, consumerOffset, lastTimestamp: Math.max(0, lastTimestamp) },
      ]);
      totalDiff += Math.max(0, brokerOffset - consumerOffset);
    }
    consumeTps += broker.stats.consumeTps(group, topic);
  }
  return { stats: { consumeTps, offsetTable: new ObjectKeyMap(entries) }, totalDiff };
}

/** The topics a group has offsets of here, less those its live members do not subscribe to. */
function consumedTopics(broker: BrokerContext, group: string): string[] {
  const subscribed = broker.consumers.get(group)?.subscriptions;
  return broker.offsets
    .topicsOf(group)
    .filter((topic) => !subscribed || subscribed.size === 0 || subscribed.has(topic));
}

/** GET_CONSUME_STATS (208): one group's ConsumeStats, for a topic or all it consumes. */
export function getConsumeStats(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const header = GetConsumeStatsRequestHeader.decode(request.extFields);
    const topics = header.topic ? [header.topic] : consumedTopics(broker, header.consumerGroup);
    return createResponse(request, ResponseCode.SUCCESS, {
      body: Buffer.from(encodeJavaJson(consumeStats(broker, header.consumerGroup, topics).stats)),
    });
  };
}

/**
 * GET_BROKER_CONSUME_STATS (317), mqadmin brokerConsumeStats: the ConsumeStats of every group
 * with offsets here (of ordered topics only when isOrder), and their total lag.
 */
export function getBrokerConsumeStats(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { isOrder } = GetConsumeStatsInBrokerHeader.decode(request.extFields);
    let totalDiff = 0;
    const consumeStatsList = broker.offsets.groups().map((group) => {
      const topics = consumedTopics(broker, group).filter((topic) => !isOrder || broker.topics.get(topic)?.order);
      const stats = consumeStats(broker, group, topics);
      totalDiff += stats.totalDiff;
      return { [group]: [stats.stats] };
    });
    const body = { brokerAddr: broker.storeHost, consumeStatsList, totalDiff };
    return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(encodeJavaJson(body)) });
  };
}

/** GET_TOPIC_STATS_INFO (202): per write queue, min and max offsets and the last store time. */
export function getTopicStatsInfo(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topic } = TopicRequestHeader.decode(request.extFields);
    const config = broker.topics.get(topic);
    if (!config) return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, { remark: `topic[${topic}] not exist` });
    const entries: [MessageQueueData, unknown][] = [];
    for (let queueId = 0; queueId < config.writeQueueNums; queueId++) {
      const maxOffset = broker.store.getMaxOffsetInQueue(topic, queueId);
      const last = maxOffset > 0 ? broker.store.getMessageStoreTimestamp(topic, queueId, maxOffset - 1) : 0;
      entries.push([
        { topic, brokerName: broker.config.brokerName, queueId },
        {
          minOffset: broker.store.getMinOffsetInQueue(topic, queueId),
          maxOffset,
          lastUpdateTimestamp: Math.max(0, last),
        },
      ]);
    }
    return createResponse(request, ResponseCode.SUCCESS, {
      body: Buffer.from(encodeJavaJson({ offsetTable: new ObjectKeyMap(entries) })),
    });
  };
}

/** QUERY_TOPIC_CONSUME_BY_WHO (300): groups subscribed to a topic now, or with offsets on it. */
export function queryTopicConsumeByWho(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topic } = TopicRequestHeader.decode(request.extFields);
    const groups = new Set([...broker.consumers.groupsOfTopic(topic), ...broker.offsets.groupsOf(topic)]);
    return createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody({ groupList: [...groups] }) });
  };
}

/** UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200). */
export function updateSubscriptionGroup(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const body = decodeJsonBody<Partial<SubscriptionGroupConfig>>(request.body, 'SubscriptionGroupConfig');
    const problem = groupNameProblem(body.groupName);
    if (problem || !body.groupName) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `SubscriptionGroupConfig.groupName: ${problem}`,
      });
    }
    broker.groups.update({ ...subscriptionGroupConfig(body.groupName), ...body, groupName: body.groupName });
    return createResponse(request);
  };
}

/** GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201). */
export function getAllSubscriptionGroupConfig(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand =>
    createResponse(request, ResponseCode.SUCCESS, {
      body: encodeJsonBody({
        subscriptionGroupTable: Object.fromEntries(broker.groups.all().map((group) => [group.groupName, group])),
        dataVersion: { timestamp: Date.now(), counter: 0 },
      }),
    });
}

/** DELETE_SUBSCRIPTIONGROUP (207). */
export function deleteSubscriptionGroup(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { groupName } = DeleteSubscriptionGroupRequestHeader.decode(request.extFields);
    broker.groups.delete(groupName);
    return createResponse(request);
  };
}
