import type { HeaderCodec } from '../header-schema.js';
import { RequestCode } from '../request-code.js';
import {
  CreateAccessConfigRequestHeader,
  DeleteAccessConfigRequestHeader,
  UpdateGlobalWhiteAddrsConfigRequestHeader,
} from './acl.js';
import {
  BrokerIdentityRequestHeader,
  BrokerWritePermRequestHeader,
  DeleteTopicFromNamesrvRequestHeader,
  GetKVListByNamespaceRequestHeader,
  GetRouteInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  KVConfigKeyRequestHeader,
  PutKVConfigRequestHeader,
  RegisterBrokerRequestHeader,
} from './namesrv.js';
import {
  CreateTopicRequestHeader,
  DeleteSubscriptionGroupRequestHeader,
  GetConsumeStatsInBrokerHeader,
  GetConsumeStatsRequestHeader,
  GetConsumerConnectionListRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  ViewBrokerStatsDataRequestHeader,
  QueryConsumeQueueRequestHeader,
  ConsumeMessageDirectlyResultRequestHeader,
  GetProducerConnectionListRequestHeader,
  ResetOffsetRequestHeader,
  TopicRequestHeader,
} from './broker-admin.js';
import {
  GetConsumerListByGroupRequestHeader,
  NotifyConsumerIdsChangedRequestHeader,
  UnregisterClientRequestHeader,
} from './client-management.js';
import { ConsumerSendMsgBackRequestHeader } from './consumer-send-msg-back.js';
import { QueryConsumerOffsetRequestHeader, UpdateConsumerOffsetRequestHeader } from './consumer-offset.js';
import { PullMessageRequestHeader } from './pull-message.js';
import { QueryMessageRequestHeader, ViewMessageRequestHeader } from './query-message.js';
import { GetMaxOffsetRequestHeader, SearchOffsetRequestHeader, TopicQueueRequestHeader } from './queue-offsets.js';
import { ReplyMessageRequestHeader } from './reply-message.js';
import { SendMessageRequestHeader, SendMessageRequestHeaderV2 } from './send-message.js';
import { CheckTransactionStateRequestHeader, EndTransactionRequestHeader } from './transaction.js';

export * from './acl.js';
export * from './broker-admin.js';
export * from './client-management.js';
export * from './consumer-offset.js';
export * from './consumer-send-msg-back.js';
export * from './namesrv.js';
export * from './pull-message.js';
export * from './query-message.js';
export * from './queue-offsets.js';
export * from './reply-message.js';
export * from './send-message.js';
export * from './transaction.js';

/**
 * The custom-header class of each request code that has one, so that a server can validate a
 * request before its processor runs. Codes whose request carries no header (HEART_BEAT,
 * LOCK_BATCH_MQ, GET_BROKER_CLUSTER_INFO, ...) are absent.
 */
export const requestHeaderCodecs: ReadonlyMap<number, HeaderCodec<object>> = new Map<number, HeaderCodec<object>>([
  [RequestCode.SEND_MESSAGE, SendMessageRequestHeader],
  [RequestCode.SEND_MESSAGE_V2, SendMessageRequestHeaderV2],
  [RequestCode.SEND_BATCH_MESSAGE, SendMessageRequestHeaderV2],
  [RequestCode.SEND_REPLY_MESSAGE, SendMessageRequestHeader],
  [RequestCode.SEND_REPLY_MESSAGE_V2, SendMessageRequestHeaderV2],
  [RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, ReplyMessageRequestHeader],
  [RequestCode.PULL_MESSAGE, PullMessageRequestHeader],
  [RequestCode.QUERY_MESSAGE, QueryMessageRequestHeader],
  [RequestCode.VIEW_MESSAGE_BY_ID, ViewMessageRequestHeader],
  [RequestCode.CONSUMER_SEND_MSG_BACK, ConsumerSendMsgBackRequestHeader],
  [RequestCode.END_TRANSACTION, EndTransactionRequestHeader],
  [RequestCode.CHECK_TRANSACTION_STATE, CheckTransactionStateRequestHeader],
  [RequestCode.UNREGISTER_CLIENT, UnregisterClientRequestHeader],
  [RequestCode.GET_CONSUMER_LIST_BY_GROUP, GetConsumerListByGroupRequestHeader],
  [RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, NotifyConsumerIdsChangedRequestHeader],
  [RequestCode.QUERY_CONSUMER_OFFSET, QueryConsumerOffsetRequestHeader],
  [RequestCode.UPDATE_CONSUMER_OFFSET, UpdateConsumerOffsetRequestHeader],
  [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, SearchOffsetRequestHeader],
  [RequestCode.GET_MAX_OFFSET, GetMaxOffsetRequestHeader],
  [RequestCode.GET_MIN_OFFSET, TopicQueueRequestHeader],
  [RequestCode.GET_EARLIEST_MSG_STORETIME, TopicQueueRequestHeader],
  [RequestCode.UPDATE_AND_CREATE_TOPIC, CreateTopicRequestHeader],
  [RequestCode.DELETE_TOPIC_IN_BROKER, TopicRequestHeader],
  [RequestCode.GET_TOPIC_STATS_INFO, TopicRequestHeader],
  [RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, TopicRequestHeader],
  [RequestCode.GET_CONSUMER_CONNECTION_LIST, GetConsumerConnectionListRequestHeader],
  [RequestCode.GET_PRODUCER_CONNECTION_LIST, GetProducerConnectionListRequestHeader],
  [RequestCode.GET_CONSUME_STATS, GetConsumeStatsRequestHeader],
  [RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, ResetOffsetRequestHeader],
  [RequestCode.RESET_CONSUMER_CLIENT_OFFSET, ResetOffsetRequestHeader],
  [RequestCode.DELETE_SUBSCRIPTIONGROUP, DeleteSubscriptionGroupRequestHeader],
  [RequestCode.GET_CONSUMER_RUNNING_INFO, GetConsumerRunningInfoRequestHeader],
  [RequestCode.GET_BROKER_CONSUME_STATS, GetConsumeStatsInBrokerHeader],
  [RequestCode.VIEW_BROKER_STATS_DATA, ViewBrokerStatsDataRequestHeader],
  [RequestCode.QUERY_CONSUME_QUEUE, QueryConsumeQueueRequestHeader],
  [RequestCode.CONSUME_MESSAGE_DIRECTLY, ConsumeMessageDirectlyResultRequestHeader],
  [RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, CreateAccessConfigRequestHeader],
  [RequestCode.DELETE_ACL_CONFIG, DeleteAccessConfigRequestHeader],
  [RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, UpdateGlobalWhiteAddrsConfigRequestHeader],
  [RequestCode.REGISTER_BROKER, RegisterBrokerRequestHeader],
  [RequestCode.UNREGISTER_BROKER, BrokerIdentityRequestHeader],
  [RequestCode.QUERY_DATA_VERSION, BrokerIdentityRequestHeader],
  [RequestCode.GET_ROUTEINFO_BY_TOPIC, GetRouteInfoRequestHeader],
  [RequestCode.PUT_KV_CONFIG, PutKVConfigRequestHeader],
  [RequestCode.GET_KV_CONFIG, KVConfigKeyRequestHeader],
  [RequestCode.DELETE_KV_CONFIG, KVConfigKeyRequestHeader],
  [RequestCode.GET_KVLIST_BY_NAMESPACE, GetKVListByNamespaceRequestHeader],
  [RequestCode.DELETE_TOPIC_IN_NAMESRV, DeleteTopicFromNamesrvRequestHeader],
  [RequestCode.WIPE_WRITE_PERM_OF_BROKER, BrokerWritePermRequestHeader],
  [RequestCode.ADD_WRITE_PERM_OF_BROKER, BrokerWritePermRequestHeader],
  [RequestCode.GET_TOPICS_BY_CLUSTER, GetTopicsByClusterRequestHeader],
]);
