import {
  createRequest,
  createResponse,
  encodeJavaJson,
  ObjectKeyMap,
  RequestCode,
  ResetOffsetRequestHeader,
  ResponseCode,
  type MessageQueueData,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';

/**
 * INVOKE_BROKER_TO_RESET_OFFSET (222): move a group's offsets on a topic to where messages were
 * stored at a timestamp (to the millisecond), or to the end (timestamp -1). Without isForce an
 * offset only moves back. The new offsets are committed here, so a stopped group starts from them,
 * and a running group's members are told (RESET_CONSUMER_CLIENT_OFFSET) to drop what they hold
 * and pull from there. Unlike RocketMQ 4, a group without members or without offsets yet is not
 * an error: its offsets are set all the same.
 */
export function resetOffset(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const header = ResetOffsetRequestHeader.decode(request.extFields);
    const topic = broker.topics.get(header.topic);
    if (!topic) {
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, { remark: `topic[${header.topic}] not exist` });
    }
    if (!broker.groups.find(header.group)) {
      return createResponse(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, {
        remark: `subscription group [${header.group}] does not exist`,
      });
    }
    const entries: [MessageQueueData, number][] = [];
    for (let queueId = 0; queueId < topic.readQueueNums; queueId++) {
      if (header.queueId !== undefined && header.queueId >= 0 && header.queueId !== queueId) continue;
      const target = Math.max(
        0,
        header.offset !== undefined && header.offset >= 0
          ? header.offset
          : header.timestamp === -1
            ? broker.store.getMaxOffsetInQueue(header.topic, queueId)
            : broker.store.getOffsetInQueueByTime(header.topic, queueId, header.timestamp, 'lower'),
      );
      const current = broker.offsets.query(header.group, header.topic, queueId);
      const offset = header.isForce || current < 0 || target < current ? target : current;
      broker.offsets.commit(header.group, header.topic, queueId, offset);
      entries.push([{ topic: header.topic, brokerName: broker.config.brokerName, queueId }, offset]);
    }
    broker.offsets.persist();
    const body = Buffer.from(encodeJavaJson({ offsetTable: new ObjectKeyMap(entries) }));
    const members = broker.consumers.get(header.group)?.channels.keys() ?? [];
    for (const connection of members) {
      const notice = createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
        extFields: ResetOffsetRequestHeader.encode({
          topic: header.topic,
          group: header.group,
          timestamp: header.timestamp,
          isForce: header.isForce,
        }),
        body,
        oneway: true,
      });
      connection.invokeOneway(notice).catch(() => undefined);
    }
    broker.logger.info(
      `offsets of group ${header.group} on ${header.topic} reset to ${header.timestamp === -1 ? 'the end' : new Date(header.timestamp).toISOString()}: ${entries.map(([queue, offset]) => `${queue.queueId}=${offset}`).join(' ')}`,
    );
    return createResponse(request, ResponseCode.SUCCESS, { body });
  };
}
