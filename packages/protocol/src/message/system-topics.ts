/** Topics RocketMQ reserves (TopicValidator, MixAll), by what they hold. */
export const SystemTopic = {
  /** Template topic producers auto-create topics from. */
  AUTO_CREATE: 'TBW102',
  /** Delayed messages wait here, queue id = delay level - 1. */
  SCHEDULE: 'SCHEDULE_TOPIC_XXXX',
  /** Messages due at a time to the millisecond (TIMER_DELIVER_MS) wait here. */
  TIMER: 'rmq_sys_wheel_timer',
  /** Half (prepared) transactional messages. */
  TRANS_HALF: 'RMQ_SYS_TRANS_HALF_TOPIC',
  /** Decisions on half messages: one op message per commit or rollback. */
  TRANS_OP_HALF: 'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  /** Half messages given up on after transactionCheckMax checks. */
  TRANS_CHECK_MAX_TIME: 'TRANS_CHECK_MAX_TIME_TOPIC',
  SELF_TEST: 'SELF_TEST_TOPIC',
  OFFSET_MOVED_EVENT: 'OFFSET_MOVED_EVENT',
} as const;

export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
export const DLQ_GROUP_TOPIC_PREFIX = '%DLQ%';

/** The topic a consumer group's failed messages come back on. */
export function retryTopic(group: string): string {
  return RETRY_GROUP_TOPIC_PREFIX + group;
}

/** The topic a consumer group's messages go to after their last retry. */
export function dlqTopic(group: string): string {
  return DLQ_GROUP_TOPIC_PREFIX + group;
}

/** The topic replies of request-reply travel on in a cluster (MixAll.getReplyTopic). */
export function replyTopic(cluster: string): string {
  return `${cluster}_REPLY_TOPIC`;
}

/** The internal group whose offsets record how far the transaction check got. */
export const TRANS_CHECK_GROUP = 'CID_RMQ_SYS_TRANS';
