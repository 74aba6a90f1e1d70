import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** PUSH_REPLY_MESSAGE_TO_CLIENT (326): the broker hands a reply to its requester. */
export const ReplyMessageRequestHeader = defineHeader('ReplyMessageRequestHeader', {
  producerGroup: f.string,
  topic: f.string,
  defaultTopic: f.string,
  defaultTopicQueueNums: f.int,
  queueId: f.int,
  sysFlag: f.int,
  bornTimestamp: f.long,
  flag: f.int,
  properties: f.opt.string,
  reconsumeTimes: f.opt.int,
  unitMode: f.opt.boolean,
  /** ip:port */
  bornHost: f.string,
  /** ip:port */
  storeHost: f.string,
  storeTimestamp: f.long,
});
export type ReplyMessageRequestHeader = HeaderOf<typeof ReplyMessageRequestHeader>;
