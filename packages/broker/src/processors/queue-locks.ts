import {
  createResponse,
  decodeLockBatchRequestBody,
  encodeJsonBody,
  ResponseCode,
  type LockBatchResponseBody,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';

/** LOCK_BATCH_MQ (41): lock queues of a group for one member's orderly consumption. */
export function lockBatchMQ(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const body = decodeLockBatchRequestBody(request.body, 'LockBatchRequestBody');
    const lockOKMQSet = broker.locks.tryLockBatch(body.consumerGroup, body.mqSet ?? [], body.clientId);
    const answer: LockBatchResponseBody = { lockOKMQSet };
    return createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody(answer) });
  };
}

/** UNLOCK_BATCH_MQ (42): a member gives queues up. */
export function unlockBatchMQ(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const body = decodeLockBatchRequestBody(request.body, 'UnlockBatchRequestBody');
    broker.locks.unlockBatch(body.consumerGroup, body.mqSet ?? [], body.clientId);
    return createResponse(request);
  };
}
