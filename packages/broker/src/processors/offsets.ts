import {
  CloneGroupOffsetRequestHeader,
  createResponse,
  GetEarliestMsgStoretimeResponseHeader,
  GetMaxOffsetRequestHeader,
  OffsetResponseHeader,
  QueryConsumerOffsetRequestHeader,
  ResponseCode,
  SearchOffsetRequestHeader,
  TopicQueueRequestHeader,
  UpdateConsumerOffsetRequestHeader,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';

/**
 * QUERY_CONSUMER_OFFSET (14). Without a committed offset, a queue whose data starts at 0 and
 * whose first message is still "in memory" (accessMessageInMemoryMaxRatio of RAM back from the
 * CommitLog's end) answers 0, so that a new group on a young topic reads it from the start, as
 * RocketMQ 4.9 does; otherwise QUERY_NOT_FOUND, and the client applies its consumeFromWhere.
 */
export function queryConsumerOffset(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { consumerGroup, topic, queueId, setZeroIfNotFound } = QueryConsumerOffsetRequestHeader.decode(
      request.extFields,
    );
    let offset = broker.offsets.query(consumerGroup, topic, queueId);
    if (offset < 0 && setZeroIfNotFound !== false) {
      const store = broker.store;
      if (store.getMinOffsetInQueue(topic, queueId) <= 0 && !store.checkInDiskByConsumeOffset(topic, queueId, 0))
        offset = 0;
    }
    if (offset < 0) {
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {
        remark: 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first',
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { extFields: OffsetResponseHeader.encode({ offset }) });
  };
}

/** UPDATE_CONSUMER_OFFSET (15), often one-way. */
export function updateConsumerOffset(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { consumerGroup, topic, queueId, commitOffset } = UpdateConsumerOffsetRequestHeader.decode(request.extFields);
    broker.offsets.commit(consumerGroup, topic, queueId, commitOffset);
    return createResponse(request);
  };
}

/** GET_MAX_OFFSET (30). */
export function getMaxOffset(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topic, queueId } = GetMaxOffsetRequestHeader.decode(request.extFields);
    return offsetResponse(request, broker.store.getMaxOffsetInQueue(topic, queueId));
  };
}

/** GET_MIN_OFFSET (31). */
export function getMinOffset(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topic, queueId } = TopicQueueRequestHeader.decode(request.extFields);
    return offsetResponse(request, broker.store.getMinOffsetInQueue(topic, queueId));
  };
}

/** SEARCH_OFFSET_BY_TIMESTAMP (29). */
export function searchOffsetByTimestamp(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topic, queueId, timestamp, boundaryType } = SearchOffsetRequestHeader.decode(request.extFields);
    const boundary = boundaryType?.toLowerCase() === 'lower' ? 'lower' : 'closest';
    return offsetResponse(request, broker.store.getOffsetInQueueByTime(topic, queueId, timestamp, boundary));
  };
}

/** GET_EARLIEST_MSG_STORETIME (32). */
export function getEarliestMsgStoretime(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topic, queueId } = TopicQueueRequestHeader.decode(request.extFields);
    const timestamp = broker.store.getEarliestMessageTime(topic, queueId);
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: GetEarliestMsgStoretimeResponseHeader.encode({ timestamp }),
    });
  };
}

function offsetResponse(request: RemotingCommand, offset: number): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, { extFields: OffsetResponseHeader.encode({ offset }) });
}

/**
 * CLONE_GROUP_OFFSET (314), mqadmin cloneGroupOffset: destGroup gets srcGroup's offsets of the
 * topic, or of every topic srcGroup has offsets on. Unless offline, a topic the live srcGroup
 * does not subscribe to is left out, as RocketMQ does.
 */
export function cloneGroupOffset(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { srcGroup, destGroup, topic, offline } = CloneGroupOffsetRequestHeader.decode(request.extFields);
    const subscribed = broker.consumers.get(srcGroup)?.subscriptions;
    const cloned: string[] = [];
    for (const each of topic ? [topic] : broker.offsets.topicsOf(srcGroup)) {
      if (!broker.topics.get(each)) continue;
      if (!offline && subscribed && subscribed.size > 0 && !subscribed.has(each)) continue;
      broker.offsets.clone(srcGroup, destGroup, each);
      cloned.push(each);
    }
    broker.logger.info(`offsets of ${srcGroup} cloned to ${destGroup}: ${cloned.join(', ') || 'none'}`);
    return createResponse(request);
  };
}
