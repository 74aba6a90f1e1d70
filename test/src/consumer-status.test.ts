import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJavaJson, RequestCode, ResponseCode } from '@rocketnest/protocol';
import type { ReceivedMessage } from '@rocketnest/client';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';
import { requestsClient } from './support/requests.js';

interface RunningInfo {
  properties: Record<string, string>;
  subscriptionSet: { topic: string; subString: string }[];
  /** Keyed by each MessageQueue's JSON text. */
  mqTable: Record<string, { commitOffset: number; lastPullTimestamp: number }>;
  statusTable: Record<string, { consumeOKTPS: number; pullTPS: number }>;
}

describe('what mqadmin asks about clients and stats (consumerStatus, queryMsgById -g -d, statsAll, queryCq, producer)', () => {
  it('passes GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY on to the named member, which answers them', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const producer = await startProducer(namesrv.address);
    const sent = [];
    for (let i = 0; i < 8; i++) sent.push(await producer.send({ topic: 'Status', body: `m${i}`, tags: 'TagA' }));
    const received: ReceivedMessage[] = [];
    const consumer = testConsumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'status-readers',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    })
      .subscribe('Status', 'TagA || TagB')
      .onMessage((messages) => {
        received.push(...messages);
      });
    await consumer.start();
    await eventually(() => received.length === 8, 'the 8 messages consumed');
    const requests = requestsClient();
    const clientId = consumer.instance.clientId;

    const info = await eventually(async () => {
      const response = await requests.call(broker.brokerAddr, RequestCode.GET_CONSUMER_RUNNING_INFO, {
        consumerGroup: 'status-readers',
        clientId,
        jstackEnable: 'false',
      });
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      const running = parseJavaJson(response.body!.toString()) as RunningInfo;
      // The figures are sampled each second.
      return running.statusTable['Status']!.consumeOKTPS > 0 ? running : undefined;
    }, 'a consume TPS in the running info');
    assert.equal(info.properties['PROP_CONSUME_TYPE'], 'CONSUME_PASSIVELY');
    assert.equal(info.properties['PROP_NAMESERVER_ADDR'], namesrv.address);
    assert.equal(info.properties['consumerGroup'], 'status-readers');
    assert.ok(Number(info.properties['PROP_CONSUMER_START_TIMESTAMP']) > 0);
    assert.deepEqual(info.subscriptionSet.map((s) => [s.topic, s.subString]).sort(), [
      ['%RETRY%status-readers', '*'],
      ['Status', 'TagA || TagB'],
    ]);
    const statusQueues = Object.entries(info.mqTable).filter(
      ([queue]) => (JSON.parse(queue) as { topic: string }).topic === 'Status',
    );
    assert.equal(statusQueues.length, 4);
    assert.equal(
      statusQueues.reduce((sum, [, held]) => sum + held.commitOffset, 0),
      8,
    );
    assert.ok(info.statusTable['Status']!.pullTPS > 0);

    const unknown = await requests.call(broker.brokerAddr, RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup: 'status-readers',
      clientId: '10.0.0.9@nobody',
    });
    assert.equal(unknown.code, ResponseCode.SYSTEM_ERROR);
    assert.match(unknown.remark!, /not online/);

    const direct = await requests.call(
      broker.brokerAddr,
      RequestCode.CONSUME_MESSAGE_DIRECTLY,
      { consumerGroup: 'status-readers', clientId, msgId: sent[3]!.offsetMsgId! },
      undefined,
      15_000,
    );
    assert.equal(direct.code, ResponseCode.SUCCESS, direct.remark);
    assert.equal((parseJavaJson(direct.body!.toString()) as { consumeResult: string }).consumeResult, 'CR_SUCCESS');
    assert.equal(received.length, 9);
    assert.equal(received[8]!.body.toString(), 'm3');

    const producers = await requests.call(broker.brokerAddr, RequestCode.GET_ALL_PRODUCER_INFO);
    const table = parseJavaJson(producers.body!.toString()) as { data: Record<string, { clientId: string }[]> };
    assert.deepEqual(
      Object.values(table.data).flatMap((infos) => infos.map((one) => one.clientId)),
      [producer.instance.clientId],
    );
  });

  it('keeps per topic and group the minute, hour and day figures statsAll reads, and shows ConsumeQueue entries', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const producer = await startProducer(namesrv.address);
    for (let i = 0; i < 6; i++)
      await producer.send({ topic: 'Figures', body: 'x'.repeat(100), tags: i % 2 ? 'TagA' : 'TagB' });
    const requests = requestsClient();
    const stats = (statsName: string, statsKey: string) =>
      requests.call(broker.brokerAddr, RequestCode.VIEW_BROKER_STATS_DATA, { statsName, statsKey });
    const puts = await eventually(async () => {
      const response = await stats('TOPIC_PUT_NUMS', 'Figures');
      if (response.code !== ResponseCode.SUCCESS) return undefined;
      const data = parseJavaJson(response.body!.toString()) as { statsMinute: { sum: number; tps: number } };
      return data.statsMinute.sum > 0 ? data : undefined;
    }, 'the topic put figures sampled');
    assert.equal(puts.statsMinute.sum, 6);
    assert.ok(puts.statsMinute.tps > 0);
    const missing = await stats('GROUP_GET_NUMS', 'Figures@nobody');
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.match(missing.remark!, /The stats <GROUP_GET_NUMS> <Figures@nobody> not exist/);
    assert.match((await stats('NO_SUCH_STATS', 'Figures')).remark!, /unknown stats name NO_SUCH_STATS/);

    const queue = await requests.call(broker.brokerAddr, RequestCode.QUERY_CONSUME_QUEUE, {
      topic: 'Figures',
      queueId: '0',
      index: '0',
      count: '10',
    });
    assert.equal(queue.code, ResponseCode.SUCCESS, queue.remark);
    const body = parseJavaJson(queue.body!.toString()) as {
      maxQueueIndex: number;
      minQueueIndex: number;
      queueData: { physicOffset: number; physicSize: number; tagsCode: number }[];
    };
    assert.equal(body.queueData.length, body.maxQueueIndex - body.minQueueIndex);
    assert.ok(body.queueData.length > 0);
    assert.ok(body.queueData.every((entry) => entry.physicSize > 100));
    const absent = await requests.call(broker.brokerAddr, RequestCode.QUERY_CONSUME_QUEUE, {
      topic: 'Figures',
      queueId: '99',
      index: '0',
      count: '10',
    });
    assert.equal(absent.code, ResponseCode.SYSTEM_ERROR);
    assert.match(absent.remark!, /99@Figures is not exist/);
  });
});
