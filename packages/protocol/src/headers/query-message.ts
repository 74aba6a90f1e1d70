import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/**
 * QUERY_MESSAGE (12): by key, or by unique key when ext field _UNIQUE_KEY_QUERY is "true".
 * Java sends Long.MAX_VALUE as endTimestamp for "no upper bound".
 */
export const QueryMessageRequestHeader = defineHeader('QueryMessageRequestHeader', {
  topic: f.topic,
  key: f.string,
  maxNum: f.int,
  beginTimestamp: f.long,
  endTimestamp: f.long,
});
export type QueryMessageRequestHeader = HeaderOf<typeof QueryMessageRequestHeader>;

export const QueryMessageResponseHeader = defineHeader('QueryMessageResponseHeader', {
  indexLastUpdateTimestamp: f.long,
  indexLastUpdatePhyoffset: f.long,
});
export type QueryMessageResponseHeader = HeaderOf<typeof QueryMessageResponseHeader>;

/** VIEW_MESSAGE_BY_ID (33): the commit log offset decoded from an offset message id. */
export const ViewMessageRequestHeader = defineHeader('ViewMessageRequestHeader', {
  offset: f.long,
  /** 5.x */
  topic: f.opt.topic,
});
export type ViewMessageRequestHeader = HeaderOf<typeof ViewMessageRequestHeader>;
