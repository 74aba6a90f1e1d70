import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MQClientError, Producer, PushConsumer } from '@rocketnest/client';
import { silentLogger } from '@rocketnest/remoting';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';

async function producer(namesrvAddr: string): Promise<Producer> {
  const created = new Producer({ namesrvAddr, producerGroup: 'rpc-client', logger: silentLogger });
  await created.start();
  after(() => created.shutdown());
  return created;
}

function responder(namesrvAddr: string, handle: (body: string) => Promise<string> | string): PushConsumer {
  const created: PushConsumer = new PushConsumer({
    namesrvAddr,
    consumerGroup: 'rpc-server',
    consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    rebalanceInterval: 300,
    brokerSuspendMaxTimeMillis: 1000,
    logger: silentLogger,
  })
    .subscribe('Rpc')
    .onMessage(async ([request]) => {
      await created.reply(request!, await handle(request!.body.toString()), { served: 'yes' });
    });
  after(() => created.shutdown(1000));
  return created;
}

describe('request-reply', () => {
  it('resolves request() with the reply the consumer sends', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const client = await producer(namesrv.address);
    await client.send({ topic: 'Rpc', body: 'create the topic' });
    const server = responder(namesrv.address, (body) => `pong:${body}`);
    await server.start();
    await eventually(() => server.assignedQueues.some((q) => q.topic === 'Rpc'), 'the responder to own the queues');
    const replies = await Promise.all(['a', 'b', 'c'].map((body) => client.request({ topic: 'Rpc', body }, 5000)));
    assert.deepEqual(
      replies.map((reply) => reply.body.toString()),
      ['pong:a', 'pong:b', 'pong:c'],
    );
    assert.equal(replies[0]!.properties['served'], 'yes');
    assert.equal(replies[0]!.properties['MSG_TYPE'], 'reply');
    assert.equal(replies[0]!.topic, 'DefaultCluster_REPLY_TOPIC');
    await eventually(
      () => broker.store.getMaxOffsetInQueue('DefaultCluster_REPLY_TOPIC', 0) === 3,
      'the replies stored in the reply topic too',
    );
  });

  it('rejects cleanly when no reply comes in time, and drops a reply that comes later', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const client = await producer(namesrv.address);
    await client.send({ topic: 'Rpc', body: 'create the topic' });
    let answered = 0;
    const server = responder(namesrv.address, async (body) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      if (body === 'slow') answered++;
      return `late:${body}`;
    });
    await server.start();
    await eventually(() => server.assignedQueues.some((q) => q.topic === 'Rpc'), 'the responder to own the queues');
    await assert.rejects(client.request({ topic: 'Rpc', body: 'slow' }, 200), (error: unknown) => {
      assert.ok(error instanceof MQClientError);
      assert.match(error.message, /no reply to the request on Rpc within 200 ms/);
      return true;
    });
    await eventually(() => answered === 1, 'the late answer');
    // The requester is still usable.
    await assert.rejects(client.request({ topic: 'NobodyListens', body: 'x' }, 150), /within 150 ms/);
  });
});
