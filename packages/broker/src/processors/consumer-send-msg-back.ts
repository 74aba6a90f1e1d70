import {
  ConsumerSendMsgBackRequestHeader,
  createOffsetMessageId,
  createResponse,
  decodeStoredMessage,
  MessageConst,
  Perm,
  propertyValue,
  ResponseCode,
  retryTopic,
  withProperties,
  type MessageToStore,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { RequestContext } from '@rocketnest/remoting';
import type { BrokerContext } from '../broker-context.js';
import { refusedOnSlave } from './slave-refusal.js';
import { deadLetter } from '../retry-and-dlq.js';
import { holdUntilDue } from '../schedule/held-message.js';

/**
 * CONSUMER_SEND_MSG_BACK (36): a consumer failed a message. It comes back on the group's
 * %RETRY% topic after delay level 3 + reconsumeTimes (or the level asked for), or, once it has
 * been retried maxReconsumeTimes times (or the consumer asks with level -1), goes to the DLQ.
 */
export function consumerSendMsgBack(broker: BrokerContext) {
  return async (request: RemotingCommand, { connection }: RequestContext): Promise<RemotingCommand> => {
    const slave = refusedOnSlave(broker, request);
    if (slave) return slave;
    const header = ConsumerSendMsgBackRequestHeader.decode(request.extFields);
    const refuse = (code: number, remark: string) => createResponse(request, code, { remark });
    const group = broker.groups.find(header.group);
    if (!group) {
      return refuse(
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${header.group}] does not exist; create it or set autoCreateSubscriptionGroup=true`,
      );
    }
    if ((broker.config.brokerPermission & Perm.WRITE) === 0) {
      return refuse(ResponseCode.NO_PERMISSION, `the broker[${broker.config.brokerName}] sending message is forbidden`);
    }
    // A group without retry queues drops what it fails, as RocketMQ does.
    if (group.retryQueueNums <= 0) return createResponse(request);
    const retry = broker.topics.createSystemTopic(retryTopic(header.group), group.retryQueueNums);
    const stored = broker.store.lookMessageByOffset(header.offset);
    if (!stored) return refuse(ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${header.offset}`);
    const record = decodeStoredMessage(stored);
    const originId =
      propertyValue(record.properties, MessageConst.ORIGIN_MESSAGE_ID) ??
      createOffsetMessageId(record.storeHost, record.physicalOffset);
    let message: MessageToStore = {
      topic: retry.topicName,
      queueId: Math.floor(Math.random() * retry.writeQueueNums),
      flag: record.flag,
      body: record.body,
      properties: withProperties(record.properties, {
        [MessageConst.RETRY_TOPIC]: propertyValue(record.properties, MessageConst.RETRY_TOPIC) ?? record.topic,
        [MessageConst.ORIGIN_MESSAGE_ID]: originId,
        [MessageConst.WAIT]: 'false',
      }),
      sysFlag: record.sysFlag,
      bornTimestamp: record.bornTimestamp,
      bornHost: record.bornHost,
      storeHost: record.storeHost,
      reconsumeTimes: record.reconsumeTimes + 1,
      preparedTransactionOffset: 0,
    };
    const max = header.maxReconsumeTimes ?? group.retryMaxTimes;
    if (record.reconsumeTimes >= max || header.delayLevel < 0) {
      message = deadLetter(broker, header.group, message);
    } else {
      const level = header.delayLevel === 0 ? 3 + record.reconsumeTimes : header.delayLevel;
      message = holdUntilDue(
        { ...message, properties: withProperties(message.properties, { [MessageConst.DELAY]: String(level) }) },
        broker.schedule.levelCount,
        Date.now(),
        broker.storeConfig.timerWheelEnable,
      );
    }
    const result = await broker.store.putMessage(message);
    if (result.status === 'PUT_OK' || result.status === 'FLUSH_DISK_TIMEOUT') {
      broker.stats.recordSendBack(header.group, message.topic);
      return createResponse(request);
    }
    broker.logger.warn(
      `send back of ${originId} from ${connection.remoteAddress} for group ${header.group} failed: ${result.error ?? result.status}`,
    );
    return refuse(ResponseCode.SYSTEM_ERROR, result.error ?? `the store could not take the message (${result.status})`);
  };
}
