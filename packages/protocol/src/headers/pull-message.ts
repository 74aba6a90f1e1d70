import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** PullSysFlag bits of PullMessageRequestHeader.sysFlag. */
export const PullSysFlag = {
  COMMIT_OFFSET: 0x1,
  SUSPEND: 0x2,
  SUBSCRIPTION: 0x4,
  CLASS_FILTER: 0x8,
  LITE_PULL_MESSAGE: 0x10,
} as const;

/** PULL_MESSAGE (11). */
export const PullMessageRequestHeader = defineHeader('PullMessageRequestHeader', {
  consumerGroup: f.group,
  topic: f.topic,
  queueId: f.int,
  /** Logical offset to read from. */
  queueOffset: f.long,
  maxMsgNums: f.int,
  /** PullSysFlag bits. */
  sysFlag: f.int,
  /** The offset to persist for the group when the COMMIT_OFFSET bit is set. */
  commitOffset: f.long,
  /** How long the broker may hold the request when nothing is there (long polling). */
  suspendTimeoutMillis: f.long,
  subscription: f.opt.string,
  subVersion: f.long,
  /** TAG (the default) or SQL92. */
  expressionType: f.opt.string,
  /** 5.x */
  maxMsgBytes: f.opt.int,
});
export type PullMessageRequestHeader = HeaderOf<typeof PullMessageRequestHeader>;

/** Sent with every pull answer, including PULL_NOT_FOUND, RETRY_IMMEDIATELY and OFFSET_MOVED. */
export const PullMessageResponseHeader = defineHeader('PullMessageResponseHeader', {
  /** 0: keep pulling from the master. */
  suggestWhichBrokerId: f.long,
  nextBeginOffset: f.long,
  minOffset: f.long,
  maxOffset: f.long,
});
export type PullMessageResponseHeader = HeaderOf<typeof PullMessageResponseHeader>;
