import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeJsonBody,
  parseJavaJson,
  RequestCode,
  ResponseCode,
  type TopicConfigSerializeWrapper,
} from '@rocketnest/protocol';
import { json, startTestBroker } from './broker.test-support.js';

describe('topic and group admin processors', () => {
  it('creates, updates and deletes a topic, and lists every topic config', async () => {
    const { broker, call, createTopic, send } = await startTestBroker();
    assert.equal((await createTopic('Orders', 4)).code, ResponseCode.SUCCESS);
    assert.equal((await createTopic('Orders', 8)).code, ResponseCode.SUCCESS);
    assert.equal(broker.topics.get('Orders')?.readQueueNums, 8);
    const all = json<TopicConfigSerializeWrapper>(await call(RequestCode.GET_ALL_TOPIC_CONFIG));
    assert.equal(all.topicConfigTable['Orders']?.writeQueueNums, 8);
    await send('Orders');
    assert.equal((await call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'Orders' })).code, ResponseCode.SUCCESS);
    assert.equal(broker.topics.get('Orders'), undefined);
    assert.equal(broker.store.queues().has('Orders'), false);
  });

  it('refuses to create, change or delete system topics, to take topics on a slave, and zero queues', async () => {
    const { call, createTopic } = await startTestBroker();
    for (const topic of ['TBW102', 'SCHEDULE_TOPIC_XXXX', 'DefaultCluster', 'broker-a', 'rmq_sys_anything']) {
      const created = await createTopic(topic);
      assert.equal(created.code, ResponseCode.SYSTEM_ERROR, topic);
      assert.match(created.remark!, /is conflict with system topic/);
      const deleted = await call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic });
      assert.match(deleted.remark!, /is conflict with system topic: it cannot be deleted/);
    }
    assert.match((await createTopic('Empty', 0)).remark!, /readQueueNums and writeQueueNums must be at least 1/);
    const slave = await startTestBroker({ brokerRole: 'SLAVE', brokerId: 1 });
    assert.match((await slave.createTopic('T')).remark!, /a slave takes topics from its master only/);
  });

  it('creates, lists and deletes subscription groups, and refuses a config without a group name', async () => {
    const { broker, call } = await startTestBroker({ autoCreateSubscriptionGroup: false });
    const body = encodeJsonBody({ groupName: 'Billing', retryMaxTimes: 3 });
    assert.equal((await call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body)).code, ResponseCode.SUCCESS);
    assert.equal(broker.groups.find('Billing')?.retryMaxTimes, 3);
    const all = json<{ subscriptionGroupTable: Record<string, { retryMaxTimes: number }> }>(
      await call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG),
    );
    assert.equal(all.subscriptionGroupTable['Billing']?.retryMaxTimes, 3);
    const nameless = await call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, encodeJsonBody({}));
    assert.equal(nameless.code, ResponseCode.SYSTEM_ERROR);
    assert.match(nameless.remark!, /SubscriptionGroupConfig\.groupName: the group name must be a string/);
    assert.equal((await call(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'Billing' })).code, 0);
    assert.equal(broker.groups.find('Billing'), undefined);
  });

  it('shows consumer and producer connections, and says when a group has none', async () => {
    const { call, heartbeat } = await startTestBroker();
    const offline = await call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'Billing' });
    assert.equal(offline.code, ResponseCode.CONSUMER_NOT_ONLINE);
    assert.equal(offline.remark, 'the consumer group[Billing] not online');
    const noProducer = await call(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: 'P' });
    assert.equal(noProducer.code, ResponseCode.SYSTEM_ERROR);
    await heartbeat('Billing', 'Orders', 'member@1');
    const consumers = json<{ connectionSet: { clientId: string }[]; messageModel: string; subscriptionTable: object }>(
      await call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'Billing' }),
    );
    assert.deepEqual(
      consumers.connectionSet.map((c) => c.clientId),
      ['member@1'],
    );
    assert.equal(consumers.messageModel, 'CLUSTERING');
    assert.ok('Orders' in consumers.subscriptionTable);
    const producers = json<{ connectionSet: { clientId: string }[] }>(
      await call(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: 'P' }),
    );
    assert.deepEqual(
      producers.connectionSet.map((c) => c.clientId),
      ['member@1'],
    );
  });

  it('answers consume stats, topic stats, who consumes a topic, runtime info and delay offsets', async () => {
    const { call, send, createTopic, heartbeat } = await startTestBroker();
    await createTopic('Orders', 1);
    await send('Orders');
    await send('Orders');
    await heartbeat('Billing', 'Orders');
    await call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: 'Billing',
      topic: 'Orders',
      queueId: '0',
      commitOffset: '1',
    });
    const stats = parseJavaJson(
      (await call(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'Billing', topic: 'Orders' })).body!.toString(),
    ) as { offsetTable: Record<string, { brokerOffset: number; consumerOffset: number }> };
    assert.deepEqual(
      Object.values(stats.offsetTable).map(({ brokerOffset, consumerOffset }) => [brokerOffset, consumerOffset]),
      [[2, 1]],
    );
    const topicStats = parseJavaJson(
      (await call(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'Orders' })).body!.toString(),
    ) as { offsetTable: Record<string, { minOffset: number; maxOffset: number }> };
    assert.deepEqual(
      Object.values(topicStats.offsetTable).map(({ minOffset, maxOffset }) => [minOffset, maxOffset]),
      [[0, 2]],
    );
    assert.equal(
      (await call(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'Missing' })).code,
      ResponseCode.TOPIC_NOT_EXIST,
    );
    assert.deepEqual(json(await call(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { topic: 'Orders' })), {
      groupList: ['Billing'],
    });
    const runtime = json<{ table: Record<string, string> }>(await call(RequestCode.GET_BROKER_RUNTIME_INFO)).table;
    assert.equal(runtime['brokerVersionDesc'], 'V4_9_8');
    assert.equal(runtime['putMessageTimesTotal'], '2');
    assert.ok(Number(runtime['commitLogMaxOffset']) > 0);
    assert.equal((await call(RequestCode.GET_ALL_DELAY_OFFSET)).code, ResponseCode.SUCCESS);
    const offsets = json(await call(RequestCode.GET_ALL_CONSUMER_OFFSET));
    assert.deepEqual(offsets, { offsetTable: { 'Orders@Billing': { 0: 1 } } });
  });
});
