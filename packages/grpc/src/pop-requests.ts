import {
  ConsumerSendMsgBackRequestHeader,
  createOffsetMessageId,
  createRequest,
  encodeJsonBody,
  GetMaxOffsetRequestHeader,
  OffsetResponseHeader,
  PullMessageRequestHeader,
  PullSysFlag,
  QueryConsumerOffsetRequestHeader,
  RequestCode,
  ResponseCode,
  UpdateConsumerOffsetRequestHeader,
  type RemotingCommand,
  type StoredMessage,
} from '@rocketnest/protocol';
import type { ClientSession } from './client-session.js';
import type { PopState } from './pop-state.js';
import { checkResponse } from './status.js';

/** Messages a queue pulls at once, and keeps pulled ahead at most. */
const PULL_BATCH = 32;

/**
 * Where a group starts in a queue: its committed offset, or, for a new group, where the broker
 * says (0 on a young queue, as RocketMQ 4.9 answers) or else the queue's end.
 */
export async function startOffset(
  session: ClientSession,
  address: string,
  group: string,
  topic: string,
  queueId: number,
): Promise<number> {
  const response = await session.invoke(
    address,
    createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
      extFields: QueryConsumerOffsetRequestHeader.encode({ consumerGroup: group, topic, queueId }),
    }),
  );
  if (response.code === ResponseCode.SUCCESS) return OffsetResponseHeader.decode(response.extFields).offset;
  checkResponse(response, `offset of ${group} on ${topic} queue ${queueId}`, [ResponseCode.QUERY_NOT_FOUND]);
  const max = await session.invoke(
    address,
    createRequest(RequestCode.GET_MAX_OFFSET, { extFields: GetMaxOffsetRequestHeader.encode({ topic, queueId }) }),
  );
  checkResponse(max, `max offset of ${topic} queue ${queueId}`);
  return OffsetResponseHeader.decode(max.extFields).offset;
}

/** A long-polled PULL_MESSAGE of the group's queue from offset, filtered by the state's filter. */
export function pullRequest(state: PopState, queueId: number, offset: number, suspendMs: number): RemotingCommand {
  const [type, ...rest] = state.filterKey.split(':');
  return createRequest(RequestCode.PULL_MESSAGE, {
    extFields: PullMessageRequestHeader.encode({
      consumerGroup: state.group,
      topic: state.topic,
      queueId,
      queueOffset: offset,
      maxMsgNums: PULL_BATCH,
      sysFlag: PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMillis: suspendMs,
      subscription: rest.join(':'),
      subVersion: Date.now(),
      expressionType: type!,
    }),
  });
}

/** CONSUMER_SEND_MSG_BACK at level -1: the message goes to the group's DLQ. */
export function deadLetterRequest(group: string, stored: StoredMessage, maxAttempts: number): RemotingCommand {
  return createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
    extFields: ConsumerSendMsgBackRequestHeader.encode({
      offset: stored.physicalOffset,
      group,
      delayLevel: -1,
      originMsgId: createOffsetMessageId(stored.storeHost, stored.physicalOffset),
      originTopic: stored.topic,
      unitMode: false,
      maxReconsumeTimes: maxAttempts - 1,
    }),
  });
}

export function commitRequest(state: PopState, queueId: number, offset: number): RemotingCommand {
  return createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
    extFields: UpdateConsumerOffsetRequestHeader.encode({
      consumerGroup: state.group,
      topic: state.topic,
      queueId,
      commitOffset: offset,
    }),
  });
}

/** LOCK_BATCH_MQ or UNLOCK_BATCH_MQ of every queue of the state, held by ownerId. */
export function lockRequest(code: number, state: PopState, ownerId: string): RemotingCommand {
  const body = encodeJsonBody({
    consumerGroup: state.group,
    clientId: ownerId,
    mqSet: state.queues.map((_, queueId) => ({ topic: state.topic, brokerName: state.brokerName, queueId })),
  });
  return createRequest(code, { body });
}
