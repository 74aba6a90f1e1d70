import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Admin, Producer, PushConsumer } from '@rocketnest/client';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';

describe('client: admin against our NameServer and broker', () => {
  it('manages topics, shows clusters, brokers and consumer progress, and finds messages by id and key', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address, brokerName: 'broker-x' });
    const admin = new Admin({ namesrvAddr: namesrv.address, logger: silentLogger });
    after(() => admin.shutdown());
    const cluster = await admin.clusterInfo();
    assert.deepEqual(cluster.clusterAddrTable['DefaultCluster'], ['broker-x']);
    assert.equal(cluster.brokerAddrTable['broker-x']?.brokerAddrs['0'], broker.brokerAddr);

    await admin.createTopic('Managed', { queueNums: 2 });
    await eventually(async () => (await admin.topicList()).includes('Managed'), 'the topic in the NameServer');
    assert.equal((await admin.topicRoute('Managed')).queueDatas[0]?.writeQueueNums, 2);

    const producer = new Producer({
      namesrvAddr: namesrv.address,
      producerGroup: 'admin-producer',
      logger: silentLogger,
    });
    await producer.start();
    after(() => producer.shutdown());
    const sent = [];
    for (let i = 0; i < 6; i++)
      sent.push(
        await producer.send({ topic: 'Managed', body: `m${i}`, keys: `order-${i}` }, { selector: (q) => q[i % 2]! }),
      );
    const stats = await admin.topicStats('Managed');
    assert.deepEqual(
      stats.map((s) => [s.queue.queueId, s.minOffset, s.maxOffset]),
      [
        [0, 0, 3],
        [1, 0, 3],
      ],
    );
    assert.equal((await admin.brokerRuntimeInfo(broker.brokerAddr))['msgPutTotalTodayNow'], '6');

    const viewed = await admin.viewMessage(sent[4]!.offsetMsgId);
    assert.equal(viewed.body.toString(), 'm4');
    assert.equal(viewed.msgId, sent[4]!.msgId);
    const byKey = await admin.queryMessageByKey('Managed', 'order-3');
    assert.deepEqual(
      byKey.map((m) => m.body.toString()),
      ['m3'],
    );
    const byUniqueId = await admin.queryMessageByKey('Managed', sent[2]!.msgId);
    assert.deepEqual(
      byUniqueId.map((m) => m.body.toString()),
      ['m2'],
    );

    // A group that consumed queue 0 only: lag 0 there, 3 on queue 1.
    const consumer = new PushConsumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'progress-group',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      persistConsumerOffsetInterval: 100,
      allocate: (_group, _client, queues) => queues.filter((q) => q.queueId === 0),
      logger: silentLogger,
    })
      .subscribe('Managed')
      .onMessage(() => {});
    after(() => consumer.shutdown(1000));
    await consumer.start();
    await eventually(
      async () => (await admin.consumerProgress('progress-group', 'Managed'))[0]?.consumerOffset === 3,
      'queue 0 consumed',
    );
    const progress = await admin.consumerProgress('progress-group', 'Managed');
    assert.deepEqual(
      progress.map((p) => [p.queue.queueId, p.brokerOffset, p.consumerOffset, p.lag]),
      [
        [0, 3, 3, 0],
        [1, 3, 0, 3],
      ],
    );
    assert.equal((await admin.consumerConnections('progress-group', 'Managed')).length, 1);

    await admin.deleteTopic('Managed');
    await assert.rejects(admin.topicRoute('Managed'), /topic Managed has no route/);
    assert.equal(broker.topics.get('Managed'), undefined);
  });
});
