import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** END_TRANSACTION commitOrRollback values (MessageSysFlag). */
export const TransactionState = {
  UNKNOWN: 0,
  COMMIT: 8,
  ROLLBACK: 12,
} as const;

/** END_TRANSACTION (37), one-way from Java clients. */
export const EndTransactionRequestHeader = defineHeader('EndTransactionRequestHeader', {
  /** Must equal the half message's PGROUP property. */
  producerGroup: f.group,
  /** Logical offset of the half message in RMQ_SYS_TRANS_HALF_TOPIC. */
  tranStateTableOffset: f.long,
  commitLogOffset: f.long,
  /** TransactionState: 0 unknown, 8 commit, 12 rollback. */
  commitOrRollback: f.int,
  /** True when answering CHECK_TRANSACTION_STATE. */
  fromTransactionCheck: f.opt.boolean,
  msgId: f.string,
  transactionId: f.opt.string,
  /** 5.x */
  topic: f.opt.topic,
});
export type EndTransactionRequestHeader = HeaderOf<typeof EndTransactionRequestHeader>;

/** CHECK_TRANSACTION_STATE (39), broker to producer, one-way. */
export const CheckTransactionStateRequestHeader = defineHeader('CheckTransactionStateRequestHeader', {
  tranStateTableOffset: f.long,
  commitLogOffset: f.long,
  msgId: f.opt.string,
  transactionId: f.opt.string,
  offsetMsgId: f.opt.string,
  /** 5.x */
  topic: f.opt.topic,
});
export type CheckTransactionStateRequestHeader = HeaderOf<typeof CheckTransactionStateRequestHeader>;
