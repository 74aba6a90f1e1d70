import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeJsonBody, RequestCode, ResponseCode, type LockBatchResponseBody } from '@rocketnest/protocol';
import { json, startTestBroker } from './broker.test-support.js';

const queues = [0, 1].map((queueId) => ({ topic: 'Orders', brokerName: 'broker-a', queueId }));
const body = (clientId: string, mqSet = queues) => encodeJsonBody({ consumerGroup: 'Projector', clientId, mqSet });

describe('LOCK_BATCH_MQ and UNLOCK_BATCH_MQ', () => {
  it('locks queues for one member of a group, refuses them to another until they are unlocked', async () => {
    const { call } = await startTestBroker();
    const first = await call(RequestCode.LOCK_BATCH_MQ, {}, body('a@1'));
    assert.equal(first.code, ResponseCode.SUCCESS);
    assert.deepEqual(json<LockBatchResponseBody>(first).lockOKMQSet, queues);
    const second = await call(RequestCode.LOCK_BATCH_MQ, {}, body('b@1'));
    assert.deepEqual(json<LockBatchResponseBody>(second).lockOKMQSet, []);
    assert.equal((await call(RequestCode.UNLOCK_BATCH_MQ, {}, body('a@1', [queues[0]!]))).code, ResponseCode.SUCCESS);
    const third = await call(RequestCode.LOCK_BATCH_MQ, {}, body('b@1'));
    assert.deepEqual(json<LockBatchResponseBody>(third).lockOKMQSet, [queues[0]]);
  });

  it('refuses a request without a body', async () => {
    const { call } = await startTestBroker();
    const response = await call(RequestCode.LOCK_BATCH_MQ);
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.match(response.remark!, /LockBatchRequestBody is missing: the request has no body/);
  });
});
