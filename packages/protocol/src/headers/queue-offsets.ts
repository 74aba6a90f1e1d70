import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** SEARCH_OFFSET_BY_TIMESTAMP (29); answered with OffsetResponseHeader. */
export const SearchOffsetRequestHeader = defineHeader('SearchOffsetRequestHeader', {
  topic: f.topic,
  queueId: f.int,
  timestamp: f.long,
  /** 5.x: lower or upper. */
  boundaryType: f.opt.string,
});
export type SearchOffsetRequestHeader = HeaderOf<typeof SearchOffsetRequestHeader>;

/** GET_MAX_OFFSET (30); answered with OffsetResponseHeader. */
export const GetMaxOffsetRequestHeader = defineHeader('GetMaxOffsetRequestHeader', {
  topic: f.topic,
  queueId: f.int,
  /** 5.x, default true. */
  committed: f.opt.boolean,
});
export type GetMaxOffsetRequestHeader = HeaderOf<typeof GetMaxOffsetRequestHeader>;

/**
 * GET_MIN_OFFSET (31, answered with OffsetResponseHeader) and GET_EARLIEST_MSG_STORETIME (32,
 * answered with GetEarliestMsgStoretimeResponseHeader): a topic queue.
 */
export const TopicQueueRequestHeader = defineHeader('TopicQueueRequestHeader', {
  topic: f.topic,
  queueId: f.int,
});
export type TopicQueueRequestHeader = HeaderOf<typeof TopicQueueRequestHeader>;

export const GetEarliestMsgStoretimeResponseHeader = defineHeader('GetEarliestMsgStoretimeResponseHeader', {
  /** -1 when there is no message. */
  timestamp: f.long,
});
export type GetEarliestMsgStoretimeResponseHeader = HeaderOf<typeof GetEarliestMsgStoretimeResponseHeader>;
