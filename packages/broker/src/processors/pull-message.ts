import {
  createResponse,
  MASTER_ID,
  Perm,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  ResponseCode,
  SelectorParseError,
  sqlSubscription,
  tagSubscription,
  type RemotingCommand,
  type SubscriptionData,
} from '@rocketnest/protocol';
import type { RequestContext } from '@rocketnest/remoting';
import type { GetMessageResult, MessageFilter } from '@rocketnest/store';
import type { BrokerContext } from '../broker-context.js';
import type { PullRequestHoldService } from '../pull-request-hold-service.js';
import { messageFilter, SQL92_DISABLED } from '../message-filter.js';

/** PULL_MESSAGE (11): read a queue from an offset; hold the request when there is nothing yet. */
export function pullMessage(broker: BrokerContext, hold: PullRequestHoldService) {
  const pull = (request: RemotingCommand, context: RequestContext, allowSuspend: boolean): RemotingCommand | null => {
    const header = PullMessageRequestHeader.decode(request.extFields);
    const refuse = (code: number, remark: string) => createResponse(request, code, { remark });
    if ((broker.config.brokerPermission & Perm.READ) === 0) {
      return refuse(ResponseCode.NO_PERMISSION, `the broker[${broker.config.brokerName}] pulling message is forbidden`);
    }
    const group = broker.groups.find(header.consumerGroup);
    if (!group) {
      return refuse(
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${header.consumerGroup}] does not exist; create it or set autoCreateSubscriptionGroup=true`,
      );
    }
    if (!group.consumeEnable) {
      return refuse(ResponseCode.NO_PERMISSION, `subscription group [${header.consumerGroup}] may not consume`);
    }
    const topic = broker.topics.get(header.topic);
    if (!topic) return refuse(ResponseCode.TOPIC_NOT_EXIST, `topic[${header.topic}] not exist, apply first please!`);
    if ((topic.perm & Perm.READ) === 0) {
      return refuse(ResponseCode.NO_PERMISSION, `the topic[${header.topic}] pulling message is forbidden`);
    }
    if (header.queueId < 0 || header.queueId >= topic.readQueueNums) {
      return refuse(
        ResponseCode.SYSTEM_ERROR,
        `queueId[${header.queueId}] is illegal, topic:[${header.topic}] topicConfig.readQueueNums:[${topic.readQueueNums}] consumer:[${context.connection.remoteAddress}]`,
      );
    }
    let subscription: SubscriptionData | undefined;
    if (header.sysFlag & PullSysFlag.SUBSCRIPTION) {
      const type = header.expressionType ?? 'TAG';
      if (type !== 'TAG' && type !== 'SQL92') {
        return refuse(ResponseCode.SYSTEM_ERROR, `expression type ${type} is not supported: use TAG or SQL92`);
      }
      subscription =
        type === 'SQL92'
          ? sqlSubscription(header.topic, header.subscription ?? '', header.subVersion)
          : tagSubscription(header.topic, header.subscription ?? '*', header.subVersion);
    } else {
      const consumerGroup = broker.consumers.get(header.consumerGroup);
      if (!consumerGroup) {
        return refuse(
          ResponseCode.SUBSCRIPTION_NOT_EXIST,
          `the consumer's group info not exist: ${header.consumerGroup}; send HEART_BEAT first`,
        );
      }
      subscription = consumerGroup.subscriptions.get(header.topic);
      if (!subscription) {
        return refuse(ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist: ${header.topic}`);
      }
      if (subscription.subVersion < header.subVersion) {
        return refuse(
          ResponseCode.SUBSCRIPTION_NOT_LATEST,
          `the consumer's subscription not latest: ${subscription.subString}`,
        );
      }
    }
    if (subscription.expressionType === 'SQL92' && !broker.config.enablePropertyFilter) {
      return refuse(ResponseCode.SYSTEM_ERROR, SQL92_DISABLED);
    }
    let filter: MessageFilter;
    try {
      filter = messageFilter(subscription);
    } catch (error) {
      if (!(error instanceof SelectorParseError)) throw error;
      return refuse(ResponseCode.SUBSCRIPTION_PARSE_FAILED, `the SQL92 selector is malformed: ${error.message}`);
    }
    const result = broker.store.getMessage(header.topic, header.queueId, header.queueOffset, header.maxMsgNums, filter);
    // Far behind, where the master reads from disk: the group's slave for consumers that lag.
    const suggestWhichBrokerId = !broker.config.slaveReadEnable
      ? MASTER_ID
      : result.status === 'FOUND' &&
          broker.store.checkInDiskByConsumeOffset(header.topic, header.queueId, header.queueOffset)
        ? group.whichBrokerWhenConsumeSlowly
        : group.brokerId;
    const response = pullResponse(request, result, header.queueOffset, suggestWhichBrokerId);
    if (result.status === 'FOUND') {
      broker.stats.recordGet(header.consumerGroup, header.topic, result.messageCount, result.body.length);
    }
    if (allowSuspend && header.sysFlag & PullSysFlag.COMMIT_OFFSET && broker.config.brokerRole !== 'SLAVE') {
      broker.offsets.commit(header.consumerGroup, header.topic, header.queueId, header.commitOffset);
    }
    if (response.code === ResponseCode.PULL_NOT_FOUND && allowSuspend && header.sysFlag & PullSysFlag.SUSPEND) {
      const timeoutMs = broker.config.longPollingEnable
        ? header.suspendTimeoutMillis
        : broker.config.shortPollingTimeMills;
      hold.hold(
        header.topic,
        header.queueId,
        {
          pullFromThisOffset: header.queueOffset,
          filter,
          resume: () => {
            let answer: RemotingCommand | null;
            try {
              answer = pull(request, context, false);
            } catch (error) {
              answer = createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: (error as Error).message });
            }
            if (answer) context.respond(answer);
          },
        },
        timeoutMs,
      );
      return null;
    }
    return response;
  };
  return (request: RemotingCommand, context: RequestContext) => {
    if (!broker.stats.onLatency) return pull(request, context, true);
    // The pull's own work; a pull held for messages to come is answered later, outside this time.
    const started = performance.now();
    const response = pull(request, context, true);
    broker.stats.onLatency('pull', (performance.now() - started) / 1000);
    return response;
  };
}

/** The store's answer as a pull response (PullMessageProcessor's status mapping). */
function pullResponse(
  request: RemotingCommand,
  result: GetMessageResult,
  requested: number,
  suggestWhichBrokerId: number,
): RemotingCommand {
  let code: number;
  let nextBeginOffset = result.nextBeginOffset;
  switch (result.status) {
    case 'FOUND':
      code = ResponseCode.SUCCESS;
      break;
    case 'NO_MATCHED_MESSAGE':
    case 'MESSAGE_WAS_REMOVING':
      code = ResponseCode.PULL_RETRY_IMMEDIATELY;
      break;
    case 'NO_MATCHED_LOGIC_QUEUE':
    case 'NO_MESSAGE_IN_QUEUE':
      code = requested !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
      nextBeginOffset = 0;
      break;
    case 'OFFSET_TOO_SMALL':
    case 'OFFSET_OVERFLOW_BADLY':
      code = ResponseCode.PULL_OFFSET_MOVED;
      break;
    default:
      code = ResponseCode.PULL_NOT_FOUND;
  }
  return createResponse(request, code, {
    remark: result.status,
    extFields: PullMessageResponseHeader.encode({
      suggestWhichBrokerId,
      nextBeginOffset,
      minOffset: result.minOffset,
      maxOffset: result.maxOffset,
    }),
    body: code === ResponseCode.SUCCESS ? result.body : undefined,
  });
}
