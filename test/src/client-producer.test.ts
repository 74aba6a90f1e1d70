import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { MQClientError, Producer, type ProducerOptions } from '@rocketnest/client';
import { decodeOffsetMessageId, decodeProperties, decodeStoredMessages, MessageSysFlag } from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { startBroker, startNamesrv } from './support/cluster.js';
import { Requests } from './support/requests.js';

async function producer(options: Omit<ProducerOptions, 'producerGroup'>): Promise<Producer> {
  const created = new Producer({ producerGroup: 'test-producer', logger: silentLogger, ...options });
  await created.start();
  after(() => created.shutdown());
  return created;
}

function requests(): Requests {
  const remoting = new RemotingClient({ logger: silentLogger });
  after(() => remoting.close());
  return new Requests(remoting);
}

describe('client: producer against our NameServer and broker', () => {
  it('sends through the route and answers with the unique id, offset id, queue and offset', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const sender = await producer({ namesrvAddr: namesrv.address });
    const result = await sender.send({
      topic: 'Orders',
      body: 'order 1',
      tags: 'created',
      keys: ['order-1', 'customer-7'],
    });
    assert.equal(result.status, 'SEND_OK');
    assert.match(result.msgId, /^[0-9A-F]{32}$/);
    assert.equal(decodeOffsetMessageId(result.offsetMsgId).storeHost, broker.brokerAddr);
    // Created from TBW102 on first send, with min(4, 8) queues.
    assert.equal(broker.topics.get('Orders')?.writeQueueNums, 4);
    const pulled = await requests().pull(broker.brokerAddr, {
      group: 'reader',
      topic: 'Orders',
      queueId: result.messageQueue.queueId,
      offset: result.queueOffset,
    });
    const [stored] = decodeStoredMessages(pulled.body!);
    const properties = decodeProperties(stored!.properties);
    assert.equal(stored!.body.toString(), 'order 1');
    assert.equal(properties.get('UNIQ_KEY'), result.msgId);
    assert.equal(properties.get('TAGS'), 'created');
    assert.equal(properties.get('KEYS'), 'order-1 customer-7');
    assert.equal(broker.store.queryMessage('Orders', 'customer-7', 10, 0, Date.now()).messages.length, 1);
  });

  it('keeps messages of one sharding key on one queue, in order', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const sender = await producer({ namesrvAddr: namesrv.address });
    const queues = new Map<string, Set<number>>();
    for (let i = 0; i < 30; i++) {
      const key = `account-${i % 3}`;
      const result = await sender.send({ topic: 'Ledger', body: `${key}:${i}` }, { shardingKey: key });
      if (!queues.has(key)) queues.set(key, new Set());
      queues.get(key)!.add(result.messageQueue.queueId);
    }
    for (const [key, ids] of queues) assert.equal(ids.size, 1, `${key} went to ${[...ids].join(', ')}`);
    const key = 'account-1';
    const queueId = [...queues.get(key)!][0]!;
    const pulled = await requests().pull(broker.brokerAddr, { group: 'reader', topic: 'Ledger', queueId, offset: 0 });
    const bodies = decodeStoredMessages(pulled.body!)
      .map((m) => m.body.toString())
      .filter((b) => b.startsWith(`${key}:`));
    assert.deepEqual(
      bodies,
      Array.from({ length: 10 }, (_, i) => `${key}:${i * 3 + 1}`),
    );
  });

  it('sends a batch to one queue with consecutive offsets, and to a queue a selector picks', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const sender = await producer({ namesrvAddr: namesrv.address });
    const batch = Array.from({ length: 10 }, (_, i) => ({ topic: 'Batched', body: `b${i}`, keys: `k${i}` }));
    const result = await sender.sendBatch(batch);
    assert.equal(result.status, 'SEND_OK');
    assert.equal(result.msgId.split(',').length, 10);
    const pulled = await requests().pull(broker.brokerAddr, {
      group: 'reader',
      topic: 'Batched',
      queueId: result.messageQueue.queueId,
      offset: result.queueOffset,
    });
    const stored = decodeStoredMessages(pulled.body!);
    assert.deepEqual(
      stored.map((m) => m.body.toString()),
      batch.map((m) => m.body),
    );
    assert.deepEqual(
      stored.map((m) => m.queueOffset),
      Array.from({ length: 10 }, (_, i) => result.queueOffset + i),
    );
    assert.deepEqual(
      stored.map((m) => decodeProperties(m.properties).get('UNIQ_KEY')),
      result.msgId.split(','),
    );
    const chosen = await sender.send(
      { topic: 'Batched', body: 'last queue' },
      { selector: (queues) => queues.at(-1)! },
    );
    assert.equal(chosen.messageQueue.queueId, 3);
  });

  it('compresses large bodies, and refuses what cannot be sent with a clear error', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address, autoCreateTopicEnable: false });
    const sender = await producer({ namesrvAddr: namesrv.address, maxMessageSize: 64 * 1024 });
    await assert.rejects(sender.send({ topic: 'Nowhere', body: 'x' }), (error: Error) => {
      assert.ok(error instanceof MQClientError);
      assert.match(error.message, /no route for topic Nowhere: no broker serves it and none will create it/);
      return true;
    });
    await assert.rejects(
      sender.send({ topic: 'Nowhere', body: Buffer.alloc(65 * 1024) }),
      /the message body is 66560 bytes, over maxMessageSize 65536/,
    );
    await requests().createTopic(broker.brokerAddr, 'Big', 1);
    await broker.registerToNamesrvs();
    const big = 'x'.repeat(50_000);
    const result = await sender.send({ topic: 'Big', body: big });
    const pulled = await requests().pull(broker.brokerAddr, {
      group: 'reader',
      topic: 'Big',
      queueId: 0,
      offset: result.queueOffset,
    });
    const [stored] = decodeStoredMessages(pulled.body!);
    assert.ok(stored!.sysFlag & MessageSysFlag.COMPRESSED_FLAG);
    assert.ok(stored!.body.length < 1000);
    assert.equal(inflateSync(stored!.body).toString(), big);
  });

  it('retries a send on the second broker when the first is down', async () => {
    const namesrv = await startNamesrv();
    const first = await startBroker({ namesrvAddr: namesrv.address, brokerName: 'broker-a' });
    const second = await startBroker({ namesrvAddr: namesrv.address, brokerName: 'broker-b' });
    for (const broker of [first, second]) await requests().createTopic(broker.brokerAddr, 'Failover', 2);
    const sender = await producer({ namesrvAddr: namesrv.address });
    // Learn the route while both are up.
    await sender.send({ topic: 'Failover', body: 'warm-up' });
    // The first broker dies without telling the producer: its cached route still lists it.
    await first.shutdown();
    const brokers = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const result = await sender.send({ topic: 'Failover', body: `m${i}` });
      assert.equal(result.status, 'SEND_OK');
      brokers.add(result.messageQueue.brokerName);
    }
    assert.deepEqual([...brokers], ['broker-b']);
    assert.ok(second.store.getMaxOffsetInQueue('Failover', 0) + second.store.getMaxOffsetInQueue('Failover', 1) >= 8);
  });

  it('asks the NameServer again at once when the route it knows has no master, not at the next 30 s refresh', async () => {
    const namesrv = await startNamesrv();
    const master = await startBroker({ namesrvAddr: namesrv.address });
    const [port, address] = [master.port, master.brokerAddr];
    await startBroker({ namesrvAddr: namesrv.address, brokerId: 1, brokerRole: 'SLAVE' });
    await requests().createTopic(master.brokerAddr, 'Failover', 2);
    const sender = await producer({ namesrvAddr: namesrv.address });
    await sender.send({ topic: 'Failover', body: 'warm-up' });
    // The master goes; the producer's refreshed route shows the slave only, with nothing to write to.
    await master.shutdown();
    await assert.rejects(sender.send({ topic: 'Failover', body: 'no master' }));
    await assert.rejects(sender.send({ topic: 'Failover', body: 'no master' }), /no route for topic Failover/);
    // The master comes back: the next send finds it, though the route was refreshed moments ago.
    const back = await startBroker(
      { namesrvAddr: namesrv.address, listenPort: port },
      { storePathRootDir: master.storeConfig.storePathRootDir },
    );
    const result = await sender.send({ topic: 'Failover', body: 'master back' });
    assert.equal(result.status, 'SEND_OK');
    assert.equal(back.brokerAddr, address);
  });
});
