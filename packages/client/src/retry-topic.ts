import {
  createRequest,
  encodeProperties,
  MessageConst,
  RequestCode,
  retryTopic,
  SendMessageRequestHeaderV2,
  SystemTopic,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { ReceivedMessage } from './received-message.js';

/**
 * A received message sent (SEND_MESSAGE_V2) to a group's %RETRY% topic, as the Java client's
 * send-back fallback does: its body and properties (without a delay level; RETRY_TOPIC kept or
 * set to its topic) plus the properties given, with the retry count in the header. Used for
 * retries after a set delay and for resending dead letters.
 */
export function retryTopicRequest(
  group: string,
  message: ReceivedMessage,
  options: {
    producerGroup: string;
    reconsumeTimes: number;
    maxReconsumeTimes?: number | undefined;
    properties?: Readonly<Record<string, string>> | undefined;
  },
): RemotingCommand {
  const properties: Record<string, string> = {
    ...message.properties,
    [MessageConst.RETRY_TOPIC]: message.properties[MessageConst.RETRY_TOPIC] ?? message.topic,
    ...options.properties,
  };
  delete properties[MessageConst.DELAY];
  return createRequest(RequestCode.SEND_MESSAGE_V2, {
    extFields: SendMessageRequestHeaderV2.encode({
      producerGroup: options.producerGroup,
      topic: retryTopic(group),
      defaultTopic: SystemTopic.AUTO_CREATE,
      defaultTopicQueueNums: 1,
      queueId: -1,
      sysFlag: 0,
      bornTimestamp: message.bornTimestamp,
      flag: 0,
      properties: encodeProperties(properties),
      reconsumeTimes: options.reconsumeTimes,
      maxReconsumeTimes: options.maxReconsumeTimes,
    }),
    body: message.body,
  });
}
