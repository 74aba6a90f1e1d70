import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeJsonBody, RequestCode, ResponseCode } from '@rocketnest/protocol';
import { json, startTestBroker } from './broker.test-support.js';

describe('client management processors', () => {
  it("HEART_BEAT registers a consumer group's subscription and creates its retry topic; the answer carries the broker's version", async () => {
    const { broker, heartbeat } = await startTestBroker();
    const response = await heartbeat('Billing', 'Orders');
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.version, 409);
    assert.ok(broker.consumers.get('Billing')?.subscriptions.has('Orders'));
    assert.equal(broker.topics.get('%RETRY%Billing')?.writeQueueNums, 1);
    assert.deepEqual(broker.producers.channels('P').length, 1);
  });

  it('HEART_BEAT of a group unknown to a broker that does not create groups registers no consumer', async () => {
    const { broker, heartbeat } = await startTestBroker({ autoCreateSubscriptionGroup: false });
    assert.equal((await heartbeat('Unknown', 'Orders')).code, ResponseCode.SUCCESS);
    assert.equal(broker.consumers.get('Unknown'), undefined);
    assert.equal(broker.topics.get('%RETRY%Unknown'), undefined);
  });

  it('GET_CONSUMER_LIST_BY_GROUP lists live members, and SYSTEM_ERROR names a group without any', async () => {
    const { call, heartbeat } = await startTestBroker();
    await heartbeat('Billing', 'Orders', 'member@1');
    const listed = await call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'Billing' });
    assert.deepEqual(json(listed), { consumerIdList: ['member@1'] });
    const none = await call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'Nobody' });
    assert.equal(none.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(none.remark, 'no consumer for this group, Nobody');
  });

  it('UNREGISTER_CLIENT takes a member out of its producer and consumer groups', async () => {
    const { broker, call, heartbeat } = await startTestBroker();
    await heartbeat('Billing', 'Orders', 'member@1');
    const response = await call(RequestCode.UNREGISTER_CLIENT, {
      clientID: 'member@1',
      producerGroup: 'P',
      consumerGroup: 'Billing',
    });
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(broker.consumers.get('Billing')?.channels.size ?? 0, 0);
    assert.equal(broker.producers.channels('P').length, 0);
  });

  it('CHECK_CLIENT_CONFIG takes tags, takes well-formed SQL92 when property filters are on, and says why it refuses', async () => {
    const check = (type: string, subString: string) =>
      encodeJsonBody({ clientId: 'c', group: 'G', subscriptionData: { topic: 'T', expressionType: type, subString } });
    const off = await startTestBroker();
    assert.equal((await off.call(RequestCode.CHECK_CLIENT_CONFIG, {}, check('TAG', 'a || b'))).code, 0);
    const disabled = await off.call(RequestCode.CHECK_CLIENT_CONFIG, {}, check('SQL92', 'a > 1'));
    assert.equal(disabled.code, ResponseCode.SYSTEM_ERROR);
    assert.match(disabled.remark!, /enablePropertyFilter/);
    const on = await startTestBroker({ enablePropertyFilter: true });
    assert.equal((await on.call(RequestCode.CHECK_CLIENT_CONFIG, {}, check('SQL92', 'a > 1'))).code, 0);
    const malformed = await on.call(RequestCode.CHECK_CLIENT_CONFIG, {}, check('SQL92', 'a >'));
    assert.equal(malformed.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.match(malformed.remark!, /the SQL92 selector is malformed/);
  });
});
