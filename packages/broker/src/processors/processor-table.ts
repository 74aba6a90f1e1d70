import { RequestCode } from '@rocketnest/protocol';
import type { ProcessorOptions, RequestProcessor } from '@rocketnest/remoting';
import type { BrokerContext } from '../broker-context.js';
import type { PullRequestHoldService } from '../pull-request-hold-service.js';
import type { TransactionalMessageService } from '../transaction/transactional-message-service.js';
import * as acl from './acl-config.js';
import * as admin from './admin.js';
import * as config from './config.js';
import * as callConsumer from './call-consumer.js';
import * as inspect from './inspect.js';
import * as maintenance from './maintenance.js';
import * as clients from './client-manage.js';
import { consumerSendMsgBack } from './consumer-send-msg-back.js';
import { endTransaction } from './end-transaction.js';
import * as offsets from './offsets.js';
import { promoteToMaster } from './promote-to-master.js';
import { pullMessage } from './pull-message.js';
import { queryMessage, viewMessageById } from './query-message.js';
import { lockBatchMQ, unlockBatchMQ } from './queue-locks.js';
import { replyMessage } from './reply-message.js';
import { resetOffset } from './reset-offset.js';
import { sendMessage } from './send-message.js';

/** Sends wait in their queue at most this many; beyond, SYSTEM_BUSY (sendThreadPoolQueueCapacity). */
const SEND_QUEUE_CAPACITY = 10_000;

/** The broker's processors, one per request code, with their concurrency and queue bounds. */
export function processorTable(
  broker: BrokerContext,
  hold: PullRequestHoldService,
  transactions: TransactionalMessageService,
): [number, RequestProcessor, ProcessorOptions?][] {
  return [
    [RequestCode.SEND_MESSAGE, sendMessage(broker), { concurrency: 1024, queueCapacity: SEND_QUEUE_CAPACITY }],
    [RequestCode.SEND_MESSAGE_V2, sendMessage(broker), { concurrency: 1024, queueCapacity: SEND_QUEUE_CAPACITY }],
    [RequestCode.SEND_BATCH_MESSAGE, sendMessage(broker), { concurrency: 1024, queueCapacity: SEND_QUEUE_CAPACITY }],
    [RequestCode.SEND_REPLY_MESSAGE, replyMessage(broker)],
    [RequestCode.SEND_REPLY_MESSAGE_V2, replyMessage(broker)],
    [RequestCode.PULL_MESSAGE, pullMessage(broker, hold), { concurrency: 1024, queueCapacity: 100_000 }],
    [RequestCode.HEART_BEAT, clients.heartBeat(broker)],
    [RequestCode.UNREGISTER_CLIENT, clients.unregisterClient(broker)],
    [RequestCode.CONSUMER_SEND_MSG_BACK, consumerSendMsgBack(broker)],
    [RequestCode.END_TRANSACTION, endTransaction(broker, transactions)],
    [RequestCode.LOCK_BATCH_MQ, lockBatchMQ(broker)],
    [RequestCode.UNLOCK_BATCH_MQ, unlockBatchMQ(broker)],
    [RequestCode.GET_CONSUMER_LIST_BY_GROUP, clients.getConsumerListByGroup(broker)],
    [RequestCode.CHECK_CLIENT_CONFIG, clients.checkClientConfig(broker)],
    [RequestCode.QUERY_CONSUMER_OFFSET, offsets.queryConsumerOffset(broker)],
    [RequestCode.UPDATE_CONSUMER_OFFSET, offsets.updateConsumerOffset(broker)],
    [RequestCode.GET_MAX_OFFSET, offsets.getMaxOffset(broker)],
    [RequestCode.GET_MIN_OFFSET, offsets.getMinOffset(broker)],
    [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, offsets.searchOffsetByTimestamp(broker)],
    [RequestCode.GET_EARLIEST_MSG_STORETIME, offsets.getEarliestMsgStoretime(broker)],
    [RequestCode.QUERY_MESSAGE, queryMessage(broker)],
    [RequestCode.VIEW_MESSAGE_BY_ID, viewMessageById(broker)],
    [RequestCode.UPDATE_AND_CREATE_TOPIC, admin.updateAndCreateTopic(broker)],
    [RequestCode.DELETE_TOPIC_IN_BROKER, admin.deleteTopicInBroker(broker)],
    [RequestCode.GET_ALL_TOPIC_CONFIG, admin.getAllTopicConfig(broker)],
    [RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER, admin.getSystemTopicListFromBroker(broker)],
    [RequestCode.GET_ALL_DELAY_OFFSET, admin.getAllDelayOffset(broker)],
    [RequestCode.GET_ALL_CONSUMER_OFFSET, admin.getAllConsumerOffset(broker)],
    [RequestCode.GET_BROKER_RUNTIME_INFO, admin.getBrokerRuntimeInfo(broker)],
    [RequestCode.GET_BROKER_CONFIG, config.getBrokerConfig(broker)],
    [RequestCode.UPDATE_BROKER_CONFIG, config.updateBrokerConfig(broker)],
    [RequestCode.CLONE_GROUP_OFFSET, offsets.cloneGroupOffset(broker)],
    [RequestCode.GET_BROKER_CONSUME_STATS, admin.getBrokerConsumeStats(broker)],
    [RequestCode.CLEAN_UNUSED_TOPIC, maintenance.cleanUnusedTopic(broker)],
    [RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE, maintenance.cleanExpiredConsumeQueue(broker)],
    [RequestCode.DELETE_EXPIRED_COMMITLOG, maintenance.deleteExpiredCommitLog(broker)],
    [RequestCode.GET_CONSUMER_CONNECTION_LIST, admin.getConsumerConnectionList(broker)],
    [RequestCode.GET_PRODUCER_CONNECTION_LIST, admin.getProducerConnectionList(broker)],
    [RequestCode.GET_ALL_PRODUCER_INFO, admin.getAllProducerInfo(broker)],
    [RequestCode.VIEW_BROKER_STATS_DATA, inspect.viewBrokerStatsData(broker)],
    [RequestCode.QUERY_CONSUME_QUEUE, inspect.queryConsumeQueue(broker)],
    [RequestCode.GET_CONSUMER_RUNNING_INFO, callConsumer.getConsumerRunningInfo(broker)],
    [RequestCode.CONSUME_MESSAGE_DIRECTLY, callConsumer.consumeMessageDirectly(broker)],
    [RequestCode.GET_CONSUME_STATS, admin.getConsumeStats(broker)],
    [RequestCode.GET_TOPIC_STATS_INFO, admin.getTopicStatsInfo(broker)],
    [RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, admin.queryTopicConsumeByWho(broker)],
    [RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, resetOffset(broker)],
    [RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, admin.updateSubscriptionGroup(broker)],
    [RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, admin.getAllSubscriptionGroupConfig(broker)],
    [RequestCode.DELETE_SUBSCRIPTIONGROUP, admin.deleteSubscriptionGroup(broker)],
    [RequestCode.PROMOTE_TO_MASTER, promoteToMaster(broker)],
    [RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, acl.updateAclConfig(broker)],
    [RequestCode.DELETE_ACL_CONFIG, acl.deleteAclConfig(broker)],
    [RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, acl.updateGlobalWhiteAddrs(broker)],
    [RequestCode.GET_BROKER_CLUSTER_ACL_INFO, acl.getBrokerAclInfo(broker)],
    [RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG, acl.getBrokerAclConfig(broker)],
  ];
}
