import { defineHeader, f, type HeaderOf } from '../header-schema.js';
import { sendMessageFields } from './send-message.js';

/** PUSH_REPLY_MESSAGE_TO_CLIENT (326): the broker hands a reply to its requester. */
export const ReplyMessageRequestHeader = defineHeader('ReplyMessageRequestHeader', {
  producerGroup: sendMessageFields.producerGroup,
  topic: sendMessageFields.topic,
  defaultTopic: sendMessageFields.defaultTopic,
  defaultTopicQueueNums: sendMessageFields.defaultTopicQueueNums,
  queueId: sendMessageFields.queueId,
  sysFlag: sendMessageFields.sysFlag,
  bornTimestamp: sendMessageFields.bornTimestamp,
  flag: sendMessageFields.flag,
  properties: sendMessageFields.properties,
  reconsumeTimes: sendMessageFields.reconsumeTimes,
  unitMode: sendMessageFields.unitMode,
  /** ip:port */
  bornHost: f.string,
  /** ip:port */
  storeHost: f.string,
  storeTimestamp: f.long,
});
export type ReplyMessageRequestHeader = HeaderOf<typeof ReplyMessageRequestHeader>;
