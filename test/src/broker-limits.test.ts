import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseCode } from '@rocketnest/protocol';
import { startBroker } from './support/cluster.js';
import { requestsClient } from './support/requests.js';

describe('broker limits: clear refusals instead of unbounded tables', () => {
  it('refuses a topic with more queues than maxQueueNumsPerTopic (100,000 were accepted before)', async () => {
    const broker = await startBroker();
    const requests = requestsClient();
    const huge = await requests.createTopic(broker.brokerAddr, 'Huge', 100_000);
    assert.equal(huge.code, ResponseCode.SYSTEM_ERROR);
    assert.match(huge.remark!, /topic Huge: 100000 queues is over maxQueueNumsPerTopic 1024: ask for fewer queues/);
    assert.equal(broker.topics.get('Huge'), undefined);
    assert.equal((await requests.createTopic(broker.brokerAddr, 'Fine', 1024)).code, ResponseCode.SUCCESS);
  });

  it('refuses topics beyond maxTopicNums, by admin request and by a send that would create one', async () => {
    const broker = await startBroker();
    broker.config.maxTopicNums = broker.topics.all().length + 1;
    const requests = requestsClient();
    assert.equal((await requests.createTopic(broker.brokerAddr, 'First', 2)).code, ResponseCode.SUCCESS);
    const second = await requests.createTopic(broker.brokerAddr, 'Second', 2);
    assert.equal(second.code, ResponseCode.SYSTEM_ERROR);
    assert.match(second.remark!, /maxTopicNums is \d+: delete topics no longer used, or raise maxTopicNums/);
    const sent = await requests.send(broker.brokerAddr, 'CreatedBySend', 'body');
    assert.equal(sent.code, ResponseCode.SYSTEM_ERROR);
    assert.match(sent.remark!, /maxTopicNums/);
    // An existing topic can still be changed.
    assert.equal((await requests.createTopic(broker.brokerAddr, 'First', 4)).code, ResponseCode.SUCCESS);
  });

  it('refuses consumer groups beyond maxSubscriptionGroupNums', async () => {
    const broker = await startBroker();
    const requests = requestsClient();
    await requests.createTopic(broker.brokerAddr, 'Orders', 1);
    broker.config.maxSubscriptionGroupNums = broker.groups.all().length + 1;
    assert.equal((await requests.heartbeat(broker.brokerAddr, 'c1', 'GroupOne', 'Orders')).code, ResponseCode.SUCCESS);
    const refused = await requests.heartbeat(broker.brokerAddr, 'c2', 'GroupTwo', 'Orders');
    assert.equal(refused.code, ResponseCode.SYSTEM_ERROR);
    assert.match(refused.remark!, /consumer group GroupTwo is refused: .* maxSubscriptionGroupNums is \d+/);
  });
});
