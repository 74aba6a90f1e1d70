import {
  createRequest,
  createResponse,
  MessageConst,
  propertyValue,
  ReplyMessageRequestHeader,
  RequestCode,
  ResponseCode,
  decodeSendMessageHeader,
  withDefaultProperty,
  withProperties,
  type RemotingCommand,
  SendMessageResponseHeader,
} from '@rocketnest/protocol';
import type { RequestContext } from '@rocketnest/remoting';
import type { BrokerContext } from '../broker-context.js';
import { refusedOnSlave } from './slave-refusal.js';

/** How long the requester has to take a pushed reply (ReplyMessageProcessor). */
const PUSH_REPLY_TIMEOUT_MS = 10_000;

/**
 * SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2 (325): a responder's reply to a request
 * message. It is pushed to the requesting client's connection (PUSH_REPLY_MESSAGE_TO_CLIENT,
 * found by REPLY_TO_CLIENT among producer connections) and stored in the reply topic too
 * (storeReplyMessageEnable). The answer says whether the push reached the requester.
 */
export function replyMessage(broker: BrokerContext) {
  return async (request: RemotingCommand, { connection }: RequestContext): Promise<RemotingCommand> => {
    const slave = refusedOnSlave(broker, request);
    if (slave) return slave;
    const header = decodeSendMessageHeader(request.code, request.extFields);
    const topic = broker.topics.get(header.topic);
    if (!topic) {
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, {
        remark: `reply topic[${header.topic}] not exist: replies go to <cluster>_REPLY_TOPIC`,
      });
    }
    const body = request.body ?? Buffer.alloc(0);
    const storeTimestamp = Date.now();
    const properties = withProperties(
      withDefaultProperty(header.properties ?? '', MessageConst.CLUSTER, broker.config.brokerClusterName),
      { [MessageConst.PUSH_REPLY_TIME]: String(storeTimestamp) },
    );
    const requester = propertyValue(properties, MessageConst.REPLY_TO_CLIENT);
    const channel = requester ? broker.producers.findChannel(requester) : undefined;
    let pushed: string | undefined = requester
      ? `the requester ${requester} is not connected to this broker`
      : 'the reply has no REPLY_TO_CLIENT property';
    if (channel) {
      const push = createRequest(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, {
        extFields: ReplyMessageRequestHeader.encode({
          producerGroup: header.producerGroup,
          topic: header.topic,
          defaultTopic: header.defaultTopic,
          defaultTopicQueueNums: header.defaultTopicQueueNums,
          queueId: Math.max(0, header.queueId),
          sysFlag: header.sysFlag,
          bornTimestamp: header.bornTimestamp,
          flag: header.flag,
          properties,
          reconsumeTimes: header.reconsumeTimes ?? 0,
          unitMode: false,
          bornHost: connection.remoteAddress,
          storeHost: broker.storeHost,
          storeTimestamp,
        }),
        body,
      });
      try {
        const answer = await channel.connection.invoke(push, PUSH_REPLY_TIMEOUT_MS);
        pushed =
          answer.code === ResponseCode.SUCCESS
            ? undefined
            : `the requester answered ${answer.code} ${answer.remark ?? ''}`;
      } catch (error) {
        pushed = `pushing to the requester failed: ${(error as Error).message}`;
      }
    }
    if (broker.config.storeReplyMessageEnable) {
      await broker.store.putMessage({
        topic: header.topic,
        queueId: Math.max(0, Math.min(header.queueId, topic.writeQueueNums - 1)),
        flag: header.flag,
        body,
        properties,
        sysFlag: header.sysFlag,
        bornTimestamp: header.bornTimestamp,
        bornHost: connection.remoteAddress,
        storeHost: broker.storeHost,
        reconsumeTimes: header.reconsumeTimes ?? 0,
        preparedTransactionOffset: 0,
      });
    }
    if (pushed) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: pushed });
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: SendMessageResponseHeader.encode({ msgId: '0', queueId: Math.max(0, header.queueId), queueOffset: 0 }),
    });
  };
}
