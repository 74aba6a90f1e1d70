import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { Admin, MQBrokerError } from '@rocketnest/client';
import { eventually, startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';

describe('promoting a slave to master (PROMOTE_TO_MASTER)', () => {
  it('is refused while the master is there; once it is gone the slave takes its place, keeps every message and offset, and feeds a new slave', async () => {
    const namesrv = await startNamesrv();
    const master = await startBroker({ namesrvAddr: namesrv.address, brokerRole: 'SYNC_MASTER' });
    const slave = await startBroker({ namesrvAddr: namesrv.address, brokerId: 1, brokerRole: 'SLAVE' });
    const admin = new Admin({ namesrvAddr: namesrv.address, logger: silentLogger });
    await admin.createTopic('Orders', { queueNums: 2 });
    const producer = await startProducer(namesrv.address);
    await eventually(
      async () => (await producer.send({ topic: 'Orders', body: 'probe' })).status === 'SEND_OK',
      'a slave acknowledging sends',
    );
    const sent = new Set<string>(['probe']);
    for (let i = 0; i < 100; i++) {
      const body = `order ${i}`;
      assert.equal((await producer.send({ topic: 'Orders', body })).status, 'SEND_OK');
      sent.add(body);
    }

    const received: string[] = [];
    const consume = (instanceName: string) => {
      const consumer = testConsumer({
        namesrvAddr: namesrv.address,
        consumerGroup: 'Billing',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        pollNameServerInterval: 200,
        instanceName,
      });
      consumer.subscribe('Orders', '*').onMessage(([message]) => {
        received.push(message!.body.toString());
      });
      return consumer;
    };
    const first = consume('first');
    await first.start();
    await eventually(() => received.length >= sent.size, 'the messages consumed from the master');
    await first.shutdown();
    await eventually(
      () => slave.offsets.query('Billing', 'Orders', 0) + slave.offsets.query('Billing', 'Orders', 1) === sent.size,
      'the group’s offsets copied to the slave',
      15_000,
    );

    await assert.rejects(admin.promoteToMaster(slave.brokerAddr), (error: unknown) => {
      assert.ok(error instanceof MQBrokerError);
      assert.match(error.message, /still lists .* as the master of broker-a/);
      return true;
    });
    assert.equal(slave.config.brokerRole, 'SLAVE');

    await master.shutdown();
    const account = await admin.promoteToMaster(slave.brokerAddr, 'ASYNC_MASTER');
    assert.match(account, /is its ASYNC_MASTER, brokerId 0/);
    assert.equal(slave.config.brokerRole, 'ASYNC_MASTER');
    const cluster = await admin.clusterInfo();
    assert.deepEqual(cluster.brokerAddrTable['broker-a']!.brokerAddrs, { '0': slave.brokerAddr });
    await assert.rejects(admin.promoteToMaster(slave.brokerAddr), /already a master/);

    // Producers move to the new master once their route shows it; the group goes on from its offsets.
    await eventually(async () => {
      try {
        return (await producer.send({ topic: 'Orders', body: 'after 0' })).status === 'SEND_OK';
      } catch {
        return false;
      }
    }, 'a send to the promoted master');
    sent.add('after 0');
    for (let i = 1; i < 50; i++) {
      const body = `after ${i}`;
      assert.equal((await producer.send({ topic: 'Orders', body })).status, 'SEND_OK');
      sent.add(body);
    }
    const second = consume('second');
    await second.start();
    await eventually(() => received.length >= sent.size, 'the messages sent after the promotion');
    assert.deepEqual(new Set(received), sent);
    assert.equal(received.length, sent.size, 'a message was consumed twice');

    // The old master coming back as a master is refused by the NameServer: never two masters.
    const returning = await startBroker({ namesrvAddr: namesrv.address, brokerRole: 'SYNC_MASTER' });
    await returning.registerToNamesrvs();
    assert.deepEqual((await admin.clusterInfo()).brokerAddrTable['broker-a']!.brokerAddrs, { '0': slave.brokerAddr });
    await returning.shutdown();

    // The promoted master serves a new slave over its own HA port.
    const next = await startBroker(
      { namesrvAddr: namesrv.address, brokerId: 1, brokerRole: 'SLAVE' },
      { storePathRootDir: temporaryDir() },
    );
    await eventually(() => next.store.getMaxPhyOffset() === slave.store.getMaxPhyOffset(), 'the new slave to catch up');
    await admin.shutdown();
  });
});
