import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrokerController } from '@rocketnest/broker';
import { decodeStoredMessages, ResponseCode } from '@rocketnest/protocol';
import { eventually, startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { testConsumer } from './support/clients.js';
import { requestsClient, type Requests } from './support/requests.js';

/** The whole CommitLog of a broker's store, read as a slave would be sent it. */
function commitLogBytes(broker: BrokerController): Buffer {
  const chunks: Buffer[] = [];
  for (let offset = 0; ;) {
    const chunk = broker.store.readReplica!(offset, 1024 * 1024);
    if (chunk.length === 0) return Buffer.concat(chunks);
    chunks.push(chunk);
    offset += chunk.length;
  }
}

/** Every message of a queue, pulled from a broker 32 at a time. */
async function pulled(requests: Requests, broker: BrokerController, queueId: number): Promise<string[]> {
  const bodies: string[] = [];
  for (let offset = 0; ;) {
    const response = await requests.pull(broker.brokerAddr, { group: 'Readers', topic: 'Orders', queueId, offset });
    if (response.code === ResponseCode.PULL_NOT_FOUND) return bodies;
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    bodies.push(...decodeStoredMessages(response.body!).map((m) => m.body.toString()));
    offset = Number(response.extFields['nextBeginOffset']);
  }
}

describe('master/slave replication over the HA port', () => {
  it('a slave learns its master from the NameServer, replicates its CommitLog byte for byte, serves it, and catches up after a restart', async () => {
    const namesrv = await startNamesrv();
    const master = await startBroker({ namesrvAddr: namesrv.address });
    const requests = requestsClient();
    assert.equal((await requests.createTopic(master.brokerAddr, 'Orders', 2)).code, ResponseCode.SUCCESS);
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      const body = `order ${i} ${'x'.repeat((i * 37) % 2000)}`;
      sent.push(body);
      assert.equal((await requests.send(master.brokerAddr, 'Orders', body, { queueId: i % 2 })).code, 0);
    }
    const slaveRoot = temporaryDir();
    const slaveConfig = { namesrvAddr: namesrv.address, brokerId: 1, brokerRole: 'SLAVE' as const };
    const slave = await startBroker(slaveConfig, { storePathRootDir: slaveRoot });
    await eventually(
      () => slave.store.getMaxPhyOffset() === master.store.getMaxPhyOffset(),
      'the slave to have the master’s CommitLog',
    );
    assert.ok(commitLogBytes(slave).equals(commitLogBytes(master)), 'the logs differ');
    await eventually(() => slave.topics.get('Orders'), 'the topic copied to the slave');
    assert.deepEqual(await pulled(requests, slave, 0), await pulled(requests, master, 0));
    assert.deepEqual(
      [...(await pulled(requests, slave, 0)), ...(await pulled(requests, slave, 1))].sort(),
      [...sent].sort(),
    );

    // Stopped while the master takes more, the slave continues from where its log ends.
    await slave.shutdown();
    for (let i = 200; i < 260; i++) await requests.send(master.brokerAddr, 'Orders', `order ${i}`, { queueId: i % 2 });
    const restarted = await startBroker(slaveConfig, { storePathRootDir: slaveRoot });
    await eventually(
      () => restarted.store.getMaxPhyOffset() === master.store.getMaxPhyOffset(),
      'the restarted slave to catch up',
    );
    assert.ok(commitLogBytes(restarted).equals(commitLogBytes(master)), 'the logs differ after the restart');
    assert.equal((await pulled(requests, restarted, 1)).length, 130);
  });

  it('SYNC_MASTER answers a send once the slave has it, and SLAVE_NOT_AVAILABLE (stored all the same) without a slave', async () => {
    const namesrv = await startNamesrv();
    const master = await startBroker({ namesrvAddr: namesrv.address, brokerRole: 'SYNC_MASTER' });
    const requests = requestsClient();
    await requests.createTopic(master.brokerAddr, 'Orders', 1);
    const alone = await requests.send(master.brokerAddr, 'Orders', 'before the slave');
    assert.equal(alone.code, ResponseCode.SLAVE_NOT_AVAILABLE);
    assert.match(alone.remark!, /no slave is connected/);
    assert.equal(master.store.getMaxOffsetInQueue('Orders', 0), 1);

    const slave = await startBroker({ namesrvAddr: namesrv.address, brokerId: 1, brokerRole: 'SLAVE' });
    await eventually(() => slave.store.getMaxPhyOffset() === master.store.getMaxPhyOffset(), 'the slave to catch up');
    for (let i = 0; i < 20; i++) {
      const sent = await requests.send(master.brokerAddr, 'Orders', `order ${i}`);
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      // Answered only once the slave has every byte of it.
      assert.ok(slave.store.getMaxPhyOffset() >= master.store.getMaxPhyOffset());
    }
  });

  it('consumers read from the slave while the master is away, and their offsets reach the master when it is back', async () => {
    const namesrv = await startNamesrv();
    const masterRoot = temporaryDir();
    const masterConfig = { namesrvAddr: namesrv.address };
    const master = await startBroker(masterConfig, { storePathRootDir: masterRoot });
    const requests = requestsClient();
    await requests.createTopic(master.brokerAddr, 'Orders', 1);
    for (let i = 0; i < 40; i++) await requests.send(master.brokerAddr, 'Orders', `order ${i}`);
    const slave = await startBroker({ namesrvAddr: namesrv.address, brokerId: 1, brokerRole: 'SLAVE' });
    await eventually(() => slave.store.getMaxPhyOffset() === master.store.getMaxPhyOffset(), 'the slave to catch up');
    await eventually(() => slave.topics.get('Orders'), 'the topic on the slave');
    await master.shutdown();

    const received = new Set<string>();
    const consumer = testConsumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'Readers',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      pollNameServerInterval: 200,
    });
    consumer.subscribe('Orders', '*').onMessage(([message]) => {
      received.add(message!.body.toString());
    });
    await consumer.start();
    await eventually(() => received.size === 40, 'every message, read from the slave');
    await eventually(() => slave.offsets.query('Readers', 'Orders', 0) === 40, 'the offset committed to the slave');

    const back = await startBroker(masterConfig, { storePathRootDir: masterRoot });
    await eventually(() => back.offsets.query('Readers', 'Orders', 0) === 40, 'the offset committed to the master');
    assert.equal(received.size, 40);
  });

  it('with slaveReadEnable a master sends consumers of data it holds on disk only to the slave (suggestWhichBrokerId)', async () => {
    const namesrv = await startNamesrv();
    // RAM of 1 KiB: every message but the newest few is beyond accessMessageInMemoryMaxRatio.
    const tiny = { totalMemory: 1024 };
    const master = await startBroker({ namesrvAddr: namesrv.address, slaveReadEnable: true }, {}, tiny);
    const slave = await startBroker(
      { namesrvAddr: namesrv.address, brokerId: 1, brokerRole: 'SLAVE', slaveReadEnable: true },
      {},
      tiny,
    );
    const requests = requestsClient();
    await requests.createTopic(master.brokerAddr, 'Orders', 1);
    for (let i = 0; i < 200; i++) await requests.send(master.brokerAddr, 'Orders', `order ${i} ${'x'.repeat(500)}`);
    await eventually(() => slave.store.getMaxPhyOffset() === master.store.getMaxPhyOffset(), 'the slave to catch up');
    await eventually(() => slave.topics.get('Orders'), 'the topic on the slave');

    const received = new Set<string>();
    const consumer = testConsumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'Laggards',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      pullBatchSize: 16,
    });
    consumer.subscribe('Orders', '*').onMessage(([message]) => {
      received.add(message!.body.toString());
    });
    await consumer.start();
    await eventually(() => received.size === 200, 'every message');
    // The master answered the first pull and pointed at the slave, which served the rest.
    assert.ok(master.stats.getTotal <= 32, `the master served ${master.stats.getTotal}`);
    assert.ok(slave.stats.getTotal >= 168, `the slave served ${slave.stats.getTotal}`);
    await eventually(() => master.offsets.query('Laggards', 'Orders', 0) === 200, 'the offset committed to the master');
  });
});
