import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJavaJson, RequestCode, ResponseCode } from '@rocketnest/protocol';
import { startTestBroker } from './broker.test-support.js';

describe('INVOKE_BROKER_TO_RESET_OFFSET', () => {
  it("moves a group's offsets to a time or the end, only back unless forced, and tells its live members", async () => {
    const broker = await startTestBroker();
    await broker.createTopic('T');
    await broker.send('T', 'a');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const middle = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await broker.send('T', 'b');
    const notices: string[] = [];
    broker.client.registerProcessor(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (request) => {
      notices.push(request.extFields['group']!);
      return null;
    });
    await broker.heartbeat('G', 'T');
    const reset = (timestamp: number, isForce: boolean) =>
      broker.call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
        topic: 'T',
        group: 'G',
        timestamp: String(timestamp),
        isForce: String(isForce),
      });
    const toMiddle = await reset(middle, true);
    assert.equal(toMiddle.code, ResponseCode.SUCCESS);
    // fastjson's form: each queue, as an object, is the key of its new offset.
    const table = (parseJavaJson(toMiddle.body!.toString()) as { offsetTable: Record<string, number> }).offsetTable;
    assert.deepEqual(table, { '{"brokerName":"broker-a","queueId":0,"topic":"T"}': 1 });
    assert.equal(broker.broker.offsets.query('G', 'T', 0), 1);
    await reset(-1, false);
    assert.equal(broker.broker.offsets.query('G', 'T', 0), 1, 'not forced: an offset only moves back');
    await reset(-1, true);
    assert.equal(broker.broker.offsets.query('G', 'T', 0), 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(notices.length >= 3 && notices.every((group) => group === 'G'));
  });

  it('refuses an unknown topic or group', async () => {
    const broker = await startTestBroker({ autoCreateSubscriptionGroup: false });
    const fields = { topic: 'T', group: 'G', timestamp: '-1', isForce: 'true' };
    const topic = await broker.call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, fields);
    assert.equal(topic.code, ResponseCode.TOPIC_NOT_EXIST);
    await broker.createTopic('T');
    const group = await broker.call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, fields);
    assert.equal(group.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
  });
});
