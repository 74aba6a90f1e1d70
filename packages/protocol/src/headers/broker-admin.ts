import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** UPDATE_AND_CREATE_TOPIC (17). */
export const CreateTopicRequestHeader = defineHeader('CreateTopicRequestHeader', {
  topic: f.topic,
  /** Ignored by the broker. */
  defaultTopic: f.topic,
  readQueueNums: f.int,
  writeQueueNums: f.int,
  /** PermName bits: 1 INHERIT, 2 WRITE, 4 READ, 8 PRIORITY. */
  perm: f.int,
  /** SINGLE_TAG or MULTI_TAG. */
  topicFilterType: f.string,
  topicSysFlag: f.opt.int,
  order: f.boolean,
  /** 5.x: a +key=value list. */
  attributes: f.opt.string,
  /** 5.x */
  force: f.opt.boolean,
});
export type CreateTopicRequestHeader = HeaderOf<typeof CreateTopicRequestHeader>;

/**
 * A request naming one topic: DELETE_TOPIC_IN_BROKER (215), GET_TOPIC_STATS_INFO (202),
 * QUERY_TOPIC_CONSUME_BY_WHO (300).
 */
export const TopicRequestHeader = defineHeader('TopicRequestHeader', {
  topic: f.topic,
});
export type TopicRequestHeader = HeaderOf<typeof TopicRequestHeader>;

/** GET_CONSUMER_CONNECTION_LIST (203). */
export const GetConsumerConnectionListRequestHeader = defineHeader('GetConsumerConnectionListRequestHeader', {
  consumerGroup: f.group,
});
export type GetConsumerConnectionListRequestHeader = HeaderOf<typeof GetConsumerConnectionListRequestHeader>;

/** GET_PRODUCER_CONNECTION_LIST (204). */
export const GetProducerConnectionListRequestHeader = defineHeader('GetProducerConnectionListRequestHeader', {
  producerGroup: f.group,
});
export type GetProducerConnectionListRequestHeader = HeaderOf<typeof GetProducerConnectionListRequestHeader>;

/** GET_CONSUME_STATS (208). */
export const GetConsumeStatsRequestHeader = defineHeader('GetConsumeStatsRequestHeader', {
  consumerGroup: f.group,
  /** Blank: every topic the group has offsets for. */
  topic: f.opt.topic,
  /** 5.x, ';'-separated. */
  topicList: f.opt.string,
});
export type GetConsumeStatsRequestHeader = HeaderOf<typeof GetConsumeStatsRequestHeader>;

/** INVOKE_BROKER_TO_RESET_OFFSET (222) and RESET_CONSUMER_CLIENT_OFFSET (220). */
export const ResetOffsetRequestHeader = defineHeader('ResetOffsetRequestHeader', {
  topic: f.topic,
  group: f.group,
  /** -1: the max offset. */
  timestamp: f.long,
  isForce: f.boolean,
  /** 5.x, -1 for all. */
  queueId: f.opt.int,
  /** 5.x */
  offset: f.opt.long,
});
export type ResetOffsetRequestHeader = HeaderOf<typeof ResetOffsetRequestHeader>;

/** DELETE_SUBSCRIPTIONGROUP (207). */
export const DeleteSubscriptionGroupRequestHeader = defineHeader('DeleteSubscriptionGroupRequestHeader', {
  groupName: f.group,
  /** 5.x */
  cleanOffset: f.opt.boolean,
});
export type DeleteSubscriptionGroupRequestHeader = HeaderOf<typeof DeleteSubscriptionGroupRequestHeader>;

/** GET_CONSUMER_RUNNING_INFO (307), admin to broker and broker to client. */
export const GetConsumerRunningInfoRequestHeader = defineHeader('GetConsumerRunningInfoRequestHeader', {
  consumerGroup: f.group,
  clientId: f.string,
  jstackEnable: f.opt.boolean,
});
export type GetConsumerRunningInfoRequestHeader = HeaderOf<typeof GetConsumerRunningInfoRequestHeader>;

/** CLONE_GROUP_OFFSET (314): srcGroup's offsets copied to destGroup, of a topic or (none) every topic srcGroup has. */
export const CloneGroupOffsetRequestHeader = defineHeader('CloneGroupOffsetRequestHeader', {
  srcGroup: f.group,
  destGroup: f.group,
  topic: f.opt.topic,
  offline: f.boolean,
});
export type CloneGroupOffsetRequestHeader = HeaderOf<typeof CloneGroupOffsetRequestHeader>;

/** GET_BROKER_CONSUME_STATS (317). */
export const GetConsumeStatsInBrokerHeader = defineHeader('GetConsumeStatsInBrokerHeader', {
  isOrder: f.boolean,
});
export type GetConsumeStatsInBrokerHeader = HeaderOf<typeof GetConsumeStatsInBrokerHeader>;

/** PROMOTE_TO_MASTER (RocketNest's own): the role the slave takes, ASYNC_MASTER or SYNC_MASTER. */
export const PromoteToMasterRequestHeader = defineHeader('PromoteToMasterRequestHeader', {
  brokerRole: f.string,
});
export type PromoteToMasterRequestHeader = HeaderOf<typeof PromoteToMasterRequestHeader>;

/** VIEW_BROKER_STATS_DATA (315): statsName as BrokerStatsManager names it (TOPIC_PUT_NUMS, GROUP_GET_NUMS...), statsKey a topic or topic@group. */
export const ViewBrokerStatsDataRequestHeader = defineHeader('ViewBrokerStatsDataRequestHeader', {
  statsName: f.string,
  statsKey: f.string,
});
export type ViewBrokerStatsDataRequestHeader = HeaderOf<typeof ViewBrokerStatsDataRequestHeader>;

/** QUERY_CONSUME_QUEUE (321): count entries of a ConsumeQueue from index; with consumerGroup, its subscription to the topic. */
export const QueryConsumeQueueRequestHeader = defineHeader('QueryConsumeQueueRequestHeader', {
  topic: f.topic,
  queueId: f.int,
  index: f.long,
  count: f.int,
  consumerGroup: f.opt.group,
});
export type QueryConsumeQueueRequestHeader = HeaderOf<typeof QueryConsumeQueueRequestHeader>;

/**
 * CONSUME_MESSAGE_DIRECTLY (309), admin to broker and broker to client: the client gives the
 * message (msgId, an offset message id) to its listener and says how that went.
 */
export const ConsumeMessageDirectlyResultRequestHeader = defineHeader('ConsumeMessageDirectlyResultRequestHeader', {
  consumerGroup: f.group,
  clientId: f.opt.string,
  msgId: f.opt.string,
  brokerName: f.opt.string,
});
export type ConsumeMessageDirectlyResultRequestHeader = HeaderOf<typeof ConsumeMessageDirectlyResultRequestHeader>;
