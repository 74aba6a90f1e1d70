import { createResponse, ResponseCode, type RemotingCommand } from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';

/**
 * The ConsumeQueues of topics this broker no longer has (deleted from topics.json, or never
 * created through it), system topics aside: what cleanUnusedTopic and cleanExpiredCQ remove.
 */
function unusedTopics(broker: BrokerContext): string[] {
  return [...broker.store.queues().keys()].filter(
    (topic) => !broker.topics.get(topic) && !broker.topics.isSystemTopic(topic),
  );
}

/** CLEAN_UNUSED_TOPIC (316), mqadmin cleanUnusedTopic: delete the ConsumeQueues of topics the broker no longer has. */
export function cleanUnusedTopic(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const unused = unusedTopics(broker);
    broker.store.deleteTopics(unused);
    broker.logger.info(
      `cleanUnusedTopic: ${unused.length > 0 ? `deleted the queues of ${unused.join(', ')}` : 'none'}`,
    );
    return createResponse(request);
  };
}

/**
 * CLEAN_EXPIRED_CONSUMEQUEUE (306), mqadmin cleanExpiredCQ: as RocketMQ, the ConsumeQueues of
 * topics the broker no longer has go. The expired head of a live queue needs nothing here: retention
 * moves every queue's start past the CommitLog segments it deletes.
 */
export function cleanExpiredConsumeQueue(broker: BrokerContext) {
  return cleanUnusedTopic(broker);
}

/**
 * DELETE_EXPIRED_COMMITLOG (329), mqadmin deleteExpiredCommitLog: run retention now, deleting the
 * CommitLog segments past fileReservedTime whatever the deleteWhen hour (a store in memory keeps no files).
 */
export function deleteExpiredCommitLog(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const deleted = broker.store.cleanExpiredFiles?.({ force: true }) ?? [];
    broker.logger.info(`deleteExpiredCommitLog: ${deleted.length} segment(s) deleted`);
    return createResponse(request, ResponseCode.SUCCESS);
  };
}
