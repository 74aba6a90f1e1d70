import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Admin } from '@rocketnest/client';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setUp() {
  const namesrv = await startNamesrv();
  const broker = await startBroker({ namesrvAddr: namesrv.address });
  const producer = await startProducer(namesrv.address);
  const admin = new Admin({ namesrvAddr: namesrv.address, logger: silentLogger });
  after(() => admin.shutdown());
  const queue = { topic: 'Events', brokerName: broker.config.brokerName, queueId: 0 };
  const send = async (body: string) => {
    await producer.send({ topic: 'Events', body }, { queue });
  };
  const received: string[] = [];
  const consumer = () => {
    return testConsumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'projector',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    })
      .subscribe('Events')
      .onMessage(([message]) => {
        received.push(message!.body.toString());
      });
  };
  return { broker, admin, send, received, consumer };
}

describe('rewind and skip', () => {
  it('rewinds a running group to a timestamp, to the millisecond', async () => {
    const { admin, send, received, consumer } = await setUp();
    for (let i = 0; i < 5; i++) await send(`before-${i}`);
    await sleep(5);
    const from = Date.now();
    await sleep(5);
    for (let i = 0; i < 5; i++) await send(`after-${i}`);
    await consumer().start();
    await eventually(() => received.length === 10, 'all ten');
    received.length = 0;
    const reset = await admin.resetOffsetByTimestamp('projector', 'Events', from);
    assert.equal(reset.find((r) => r.queue.queueId === 0)?.offset, 5);
    await eventually(() => received.length === 5, 'the five stored after the timestamp, again');
    await sleep(300);
    assert.deepEqual(received, ['after-0', 'after-1', 'after-2', 'after-3', 'after-4']);
  });

  it('rewinds and skips a stopped group, which starts from there', async () => {
    const { broker, admin, send, received, consumer } = await setUp();
    for (let i = 0; i < 3; i++) await send(`old-${i}`);
    const first = consumer();
    await first.start();
    await eventually(() => received.length === 3, 'the first three');
    await first.shutdown();
    for (let i = 0; i < 4; i++) await send(`missed-${i}`);
    // Skip: the stopped group starts after everything stored so far.
    await admin.resetOffsetByTimestamp('projector', 'Events', 'latest');
    assert.equal(broker.offsets.query('projector', 'Events', 0), 7);
    await send('fresh');
    received.length = 0;
    const second = consumer();
    await second.start();
    await eventually(() => received.includes('fresh'), 'the message after the skip');
    await sleep(300);
    assert.deepEqual(received, ['fresh']);
    await second.shutdown();
    // Rewind to the beginning of time: everything again.
    await admin.resetOffsetByTimestamp('projector', 'Events', 0);
    received.length = 0;
    await consumer().start();
    await eventually(() => received.length === 8, 'all eight again');
    assert.deepEqual(received.slice(0, 3), ['old-0', 'old-1', 'old-2']);
  });
});
