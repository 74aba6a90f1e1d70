import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MQClientError, type PushConsumer } from '@rocketnest/client';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';

function responder(namesrvAddr: string, handle: (body: string) => Promise<string> | string): PushConsumer {
  const created: PushConsumer = testConsumer({
    namesrvAddr,
    consumerGroup: 'rpc-server',
    consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
  })
    .subscribe('Rpc')
    .onMessage(async ([request]) => {
      await created.reply(request!, await handle(request!.body.toString()), { served: 'yes' });
    });
  return created;
}

describe('request-reply', () => {
  it('resolves request() with the reply the consumer sends', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const client = await startProducer(namesrv.address);
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
    const client = await startProducer(namesrv.address);
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
