import {
  checkBodyName,
  createResponse,
  decodeHeartbeatData,
  decodeJsonBody,
  encodeJsonBody,
  GetConsumerListByGroupRequestHeader,
  ResponseCode,
  retryTopic,
  SelectorParseError,
  UnregisterClientRequestHeader,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { RequestContext } from '@rocketnest/remoting';
import type { BrokerContext } from '../broker-context.js';
import type { ClientChannel } from '../consumer-manager.js';
import { SQL92_DISABLED, sqlSelector } from '../message-filter.js';

/** HEART_BEAT (34): register a client's producer and consumer groups and subscriptions. */
export function heartBeat(broker: BrokerContext) {
  return (request: RemotingCommand, { connection }: RequestContext): RemotingCommand => {
    const data = decodeHeartbeatData(request.body);
    const channel = (): ClientChannel => ({
      connection,
      clientId: data.clientID,
      language: request.language,
      version: request.version,
      lastUpdateTimestamp: Date.now(),
    });
    for (const consumer of data.consumerDataSet ?? []) {
      const group = broker.groups.find(consumer.groupName);
      if (!group) continue;
      broker.topics.createSystemTopic(retryTopic(consumer.groupName), group.retryQueueNums);
      if (broker.consumers.register(consumer, channel())) {
        broker.logger.info(
          `consumer group ${consumer.groupName} changed: ${data.clientID} at ${connection.remoteAddress}`,
        );
      }
    }
    for (const producer of data.producerDataSet ?? []) broker.producers.register(producer.groupName, channel());
    // The client reads the broker's version from this response's version field.
    return createResponse(request);
  };
}

/** UNREGISTER_CLIENT (35): a client leaves its producer and/or consumer group. */
export function unregisterClient(broker: BrokerContext) {
  return (request: RemotingCommand, { connection }: RequestContext): RemotingCommand => {
    const header = UnregisterClientRequestHeader.decode(request.extFields);
    if (header.producerGroup) broker.producers.unregister(header.producerGroup, connection);
    if (header.consumerGroup) broker.consumers.unregister(header.consumerGroup, connection);
    return createResponse(request);
  };
}

/** GET_CONSUMER_LIST_BY_GROUP (38): client ids of a group's live members. */
export function getConsumerListByGroup(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { consumerGroup } = GetConsumerListByGroupRequestHeader.decode(request.extFields);
    const group = broker.consumers.get(consumerGroup);
    const ids = group ? [...group.channels.values()].map((channel) => channel.clientId) : [];
    if (ids.length === 0) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `no consumer for this group, ${consumerGroup}`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody({ consumerIdList: ids }) });
  };
}

/** CHECK_CLIENT_CONFIG (46): may this subscription be used here? Tags yes; SQL92 when enabled and well formed. */
export function checkClientConfig(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const body = decodeJsonBody<{
      group?: string;
      subscriptionData?: { topic?: string; expressionType?: string; subString?: string };
    }>(request.body, 'CheckClientRequestBody');
    if (body.group !== undefined) checkBodyName('group', body.group, 'CheckClientRequestBody.group');
    if (body.subscriptionData?.topic !== undefined) {
      checkBodyName('topic', body.subscriptionData.topic, 'CheckClientRequestBody.subscriptionData.topic');
    }
    const type = body.subscriptionData?.expressionType ?? 'TAG';
    if (type === 'TAG') return createResponse(request);
    if (type !== 'SQL92' || !broker.config.enablePropertyFilter) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: SQL92_DISABLED });
    }
    try {
      sqlSelector(body.subscriptionData?.subString ?? '');
      return createResponse(request);
    } catch (error) {
      if (!(error instanceof SelectorParseError)) throw error;
      return createResponse(request, ResponseCode.SUBSCRIPTION_PARSE_FAILED, {
        remark: `the SQL92 selector is malformed: ${error.message}`,
      });
    }
  };
}
