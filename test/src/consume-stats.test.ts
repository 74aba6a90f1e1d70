import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJavaJson, RequestCode, ResponseCode } from '@rocketnest/protocol';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';
import { requestsClient } from './support/requests.js';

describe('consume stats (mqadmin consumerProgress, brokerConsumeStats)', () => {
  it("report each group's offsets, lag and consume TPS over the last minute, per group and for the whole broker", async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const producer = await startProducer(namesrv.address);
    for (let i = 0; i < 40; i++) await producer.send({ topic: 'Stats', body: `m${i}` });
    let consumed = 0;
    await testConsumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'stats-readers',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    })
      .subscribe('Stats')
      .onMessage((messages) => {
        consumed += messages.length;
      })
      .start();
    await eventually(() => consumed === 40, 'the 40 messages consumed');
    const requests = requestsClient();
    // The rate is sampled each second: two samples make one.
    const groupStats = await eventually(
      async () => {
        const response = await requests.call(broker.brokerAddr, RequestCode.GET_CONSUME_STATS, {
          consumerGroup: 'stats-readers',
        });
        assert.equal(response.code, ResponseCode.SUCCESS);
        const stats = parseJavaJson(response.body!.toString()) as { consumeTps: number };
        return stats.consumeTps > 0 ? stats : undefined;
      },
      'a consume TPS above 0',
      10_000,
    );
    assert.ok(groupStats.consumeTps <= 40);

    await producer.send(
      { topic: 'Stats', body: 'not read yet' },
      { queue: { topic: 'Stats', brokerName: broker.config.brokerName, queueId: 0 } },
    );
    const response = await requests.call(broker.brokerAddr, RequestCode.GET_BROKER_CONSUME_STATS, { isOrder: 'false' });
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark ?? '');
    const all = parseJavaJson(response.body!.toString()) as {
      brokerAddr: string;
      totalDiff: number;
      consumeStatsList: Record<string, { consumeTps: number }[]>[];
    };
    assert.equal(all.brokerAddr, broker.brokerAddr);
    const readers = all.consumeStatsList.find((entry) => 'stats-readers' in entry)!['stats-readers']!;
    assert.equal(readers.length, 1);
    assert.ok(readers[0]!.consumeTps > 0);
    assert.ok(all.totalDiff >= 0 && all.totalDiff <= 1, `lag ${all.totalDiff}: at most the message just sent`);

    // mqadmin cloneGroupOffset: a new group takes over where stats-readers is.
    const cloned = await requests.call(broker.brokerAddr, RequestCode.CLONE_GROUP_OFFSET, {
      srcGroup: 'stats-readers',
      destGroup: 'stats-clone',
      topic: 'Stats',
      offline: 'false',
    });
    assert.equal(cloned.code, ResponseCode.SUCCESS, cloned.remark ?? '');
    assert.deepEqual(broker.offsets.offsets('stats-clone', 'Stats'), broker.offsets.offsets('stats-readers', 'Stats'));
    assert.equal(
      [...broker.offsets.offsets('stats-clone', 'Stats').values()].reduce((a, b) => a + b, 0),
      40,
    );
  });
});
