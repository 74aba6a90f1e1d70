import {
  createResponse,
  encodeJavaJson,
  QueryConsumeQueueRequestHeader,
  ResponseCode,
  ViewBrokerStatsDataRequestHeader,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';
import { BROKER_STATS_NAMES, type BrokerStatsName } from '../broker-stats.js';
import { messageFilter } from '../message-filter.js';

/**
 * VIEW_BROKER_STATS_DATA (315), mqadmin statsAll and the console: one stats item's minute, hour
 * and day windows (sum, TPS, average per add), as BrokerStatsManager keeps them.
 */
export function viewBrokerStatsData(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { statsName, statsKey } = ViewBrokerStatsDataRequestHeader.decode(request.extFields);
    const known = (BROKER_STATS_NAMES as readonly string[]).includes(statsName);
    const data = known ? broker.stats.items.data(statsName as BrokerStatsName, statsKey) : undefined;
    if (!data) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: known
          ? `The stats <${statsName}> <${statsKey}> not exist`
          : `unknown stats name ${statsName}; the broker keeps ${BROKER_STATS_NAMES.join(', ')}`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(encodeJavaJson(data)) });
  };
}

/**
 * QUERY_CONSUME_QUEUE (321), mqadmin queryCq: count ConsumeQueue entries of a queue from index,
 * with its min and max offsets; given a group, its subscription to the topic and, per entry,
 * whether its tag passes that subscription (eval).
 */
export function queryConsumeQueue(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const header = QueryConsumeQueueRequestHeader.decode(request.extFields);
    const config = broker.topics.get(header.topic);
    if (!config || header.queueId < 0 || header.queueId >= Math.max(config.readQueueNums, config.writeQueueNums)) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `${header.queueId}@${header.topic} is not exist!`,
      });
    }
    const body: Record<string, unknown> = {
      maxQueueIndex: broker.store.getMaxOffsetInQueue(header.topic, header.queueId),
      minQueueIndex: broker.store.getMinOffsetInQueue(header.topic, header.queueId),
    };
    let filter: ReturnType<typeof messageFilter> | undefined;
    if (header.consumerGroup) {
      const subscription = broker.consumers.get(header.consumerGroup)?.subscriptions.get(header.topic);
      if (subscription) {
        body['subscriptionData'] = subscription;
        // RocketMQ writes the group's ConsumerFilterData as JSON here: "null" for tag filters.
        body['filterData'] =
          subscription.expressionType === 'SQL92'
            ? JSON.stringify({
                consumerGroup: header.consumerGroup,
                topic: header.topic,
                expression: subscription.subString,
                expressionType: 'SQL92',
                version: subscription.subVersion,
              })
            : 'null';
        filter = messageFilter(subscription);
      } else body['filterData'] = `${header.consumerGroup}@${header.topic} is not online!`;
    }
    const count = Math.min(Math.max(header.count, 0), 1000);
    const entries = broker.store.consumeQueueEntries(header.topic, header.queueId, header.index, count);
    body['queueData'] = entries.map((entry) => ({
      physicOffset: entry.commitLogOffset,
      physicSize: entry.size,
      tagsCode: entry.tagsCode,
      eval: filter?.isMatchedByConsumeQueue(entry.tagsCode) ?? false,
    }));
    return createResponse(request, ResponseCode.SUCCESS, {
      body: Buffer.from(encodeJavaJson(body)),
      remark:
        entries.length === 0 ? `Index ${header.index} of ${header.queueId}@${header.topic} is not exist!` : undefined,
    });
  };
}
