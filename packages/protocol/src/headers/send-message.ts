import { defineHeader, f, renameHeader, type HeaderOf } from '../header-schema.js';
import { RequestCode } from '../request-code.js';

/** The fields of SendMessageRequestHeader, shared with the headers that repeat them. */
export const sendMessageFields = {
  producerGroup: f.group,
  topic: f.topic,
  /** Template topic for auto-creation, normally TBW102. */
  defaultTopic: f.topic,
  defaultTopicQueueNums: f.int,
  /** Negative: the broker picks a writable queue. */
  queueId: f.int,
  /** MessageSysFlag bits: compression, transaction state, ... */
  sysFlag: f.int,
  bornTimestamp: f.long,
  /** The user's flag, stored verbatim. */
  flag: f.int,
  /** Properties encoded as name\u0001value\u0002 pairs. */
  properties: f.opt.string,
  reconsumeTimes: f.opt.int,
  unitMode: f.opt.boolean,
  maxReconsumeTimes: f.opt.int,
  batch: f.opt.boolean,
  /** 5.x */
  brokerName: f.opt.string,
};

/** SEND_MESSAGE (10), SEND_REPLY_MESSAGE (324): SendMessageRequestHeader. */
export const SendMessageRequestHeader = defineHeader('SendMessageRequestHeader', sendMessageFields);
export type SendMessageRequestHeader = HeaderOf<typeof SendMessageRequestHeader>;

/**
 * SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320), SEND_REPLY_MESSAGE_V2 (325): the same
 * header with one-letter keys, so it decodes to the same type.
 */
export const SendMessageRequestHeaderV2 = renameHeader('SendMessageRequestHeaderV2', sendMessageFields, {
  producerGroup: 'a',
  topic: 'b',
  defaultTopic: 'c',
  defaultTopicQueueNums: 'd',
  queueId: 'e',
  sysFlag: 'f',
  bornTimestamp: 'g',
  flag: 'h',
  properties: 'i',
  reconsumeTimes: 'j',
  unitMode: 'k',
  maxReconsumeTimes: 'l',
  batch: 'm',
  brokerName: 'n',
});

/**
 * The send header of any send code: full key names for SEND_MESSAGE (10) and SEND_REPLY_MESSAGE
 * (324), one-letter keys for the V2, batch and reply V2 codes.
 */
export function decodeSendMessageHeader(
  code: number,
  extFields: Readonly<Record<string, string>>,
): SendMessageRequestHeader {
  return code === RequestCode.SEND_MESSAGE || code === RequestCode.SEND_REPLY_MESSAGE
    ? SendMessageRequestHeader.decode(extFields)
    : SendMessageRequestHeaderV2.decode(extFields);
}

/** The response to every send code. */
export const SendMessageResponseHeader = defineHeader('SendMessageResponseHeader', {
  /** Offset message id(s) of the stored record(s); comma-joined for a batch. */
  msgId: f.string,
  queueId: f.int,
  /** Logical offset of the (first) message in its queue. */
  queueOffset: f.long,
  transactionId: f.opt.string,
  /** 5.x */
  batchUniqId: f.opt.string,
  /** The broker's region; the Java client reads it without a null check, so always send it. */
  MSG_REGION: f.opt.string,
  /** "true" or "false"; read like MSG_REGION. */
  TRACE_ON: f.opt.string,
});
export type SendMessageResponseHeader = HeaderOf<typeof SendMessageResponseHeader>;
