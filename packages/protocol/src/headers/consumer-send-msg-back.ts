import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** CONSUMER_SEND_MSG_BACK (36): a message the consumer failed, to retry or dead-letter. */
export const ConsumerSendMsgBackRequestHeader = defineHeader('ConsumerSendMsgBackRequestHeader', {
  /** Commit log offset of the failed message. */
  offset: f.long,
  group: f.group,
  /** 0: the broker decides (3 + reconsumeTimes); -1: straight to the DLQ; > 0: this level. */
  delayLevel: f.int,
  originMsgId: f.opt.string,
  originTopic: f.opt.topic,
  unitMode: f.opt.boolean,
  maxReconsumeTimes: f.opt.int,
});
export type ConsumerSendMsgBackRequestHeader = HeaderOf<typeof ConsumerSendMsgBackRequestHeader>;
