import {
  dlqTopic,
  MessageConst,
  Perm,
  RETRY_GROUP_TOPIC_PREFIX,
  withProperties,
  type MessageToStore,
} from '@rocketnest/protocol';
import type { BrokerContext } from './broker-context.js';

/** The group has no config and the broker may not create one. */
export class GroupNotFoundError extends Error {}

/**
 * Where a message for a group's retry topic really goes (SendMessageProcessor.handleRetryAndDLQ):
 * once reconsumeTimes reaches the group's maximum (the sender's maxReconsumeTimes, else the
 * group's retryMaxTimes, 16) it goes to %DLQ%{group} instead, queue 0, without a delay.
 */
export function routeRetry(
  broker: BrokerContext,
  message: MessageToStore,
  maxReconsumeTimes: number | undefined,
): MessageToStore {
  if (!message.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) return message;
  const groupName = message.topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
  const group = broker.groups.find(groupName);
  if (!group) {
    throw new GroupNotFoundError(
      `subscription group [${groupName}] does not exist; create it or set autoCreateSubscriptionGroup=true`,
    );
  }
  const max = maxReconsumeTimes ?? group.retryMaxTimes;
  if (message.reconsumeTimes < max) return message;
  return deadLetter(broker, groupName, message);
}

/** The message re-addressed to the group's DLQ, which is created (1 queue, read and write) if needed. */
export function deadLetter(broker: BrokerContext, group: string, message: MessageToStore): MessageToStore {
  const topic = broker.topics.createSystemTopic(dlqTopic(group), 1, Perm.READ_WRITE);
  // Info, not a warning: a dead letter is the group's decision, which its client reports (the
  // NestJS module logs the listener's reason); an embedded broker's info lines stay out of the app's log.
  broker.logger.info(
    `message ${message.topic}/${message.queueId} of group ${group} failed ${message.reconsumeTimes} times: moved to ${topic.topicName}`,
  );
  return {
    ...message,
    topic: topic.topicName,
    queueId: 0,
    properties: withProperties(message.properties, { [MessageConst.DELAY]: undefined }),
  };
}
