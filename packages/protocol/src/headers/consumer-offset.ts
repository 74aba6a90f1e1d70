import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** QUERY_CONSUMER_OFFSET (14). */
export const QueryConsumerOffsetRequestHeader = defineHeader('QueryConsumerOffsetRequestHeader', {
  consumerGroup: f.group,
  topic: f.topic,
  queueId: f.int,
  /** 5.x: false makes a group with no offset answer QUERY_NOT_FOUND. */
  setZeroIfNotFound: f.opt.boolean,
});
export type QueryConsumerOffsetRequestHeader = HeaderOf<typeof QueryConsumerOffsetRequestHeader>;

/** UPDATE_CONSUMER_OFFSET (15), answered or one-way. */
export const UpdateConsumerOffsetRequestHeader = defineHeader('UpdateConsumerOffsetRequestHeader', {
  consumerGroup: f.group,
  topic: f.topic,
  queueId: f.int,
  commitOffset: f.long,
});
export type UpdateConsumerOffsetRequestHeader = HeaderOf<typeof UpdateConsumerOffsetRequestHeader>;

/**
 * The answer of QUERY_CONSUMER_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP, GET_MAX_OFFSET and
 * GET_MIN_OFFSET: Java has a class per request, all with this one field.
 */
export const OffsetResponseHeader = defineHeader('OffsetResponseHeader', {
  offset: f.long,
});
export type OffsetResponseHeader = HeaderOf<typeof OffsetResponseHeader>;
