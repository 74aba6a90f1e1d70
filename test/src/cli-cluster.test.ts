import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { Admin } from '@rocketnest/client';
import { eventually, temporaryDir } from './support/cluster.js';
import { startProducer } from './support/clients.js';
import { RocketnestProcess, writeExample } from './support/local-cluster.js';

describe('rocketnest cluster', () => {
  it('runs RocketMQ’s 2m-2s-sync example: two NameServers, two masters each with its slave, stopped together', async () => {
    const dir = temporaryDir();
    const { confDir, namesrvAddr, brokers } = await writeExample('2m-2s-sync', dir);
    const cluster = await RocketnestProcess.start(['cluster', '-c', confDir, '--dir', dir], /cluster up/);
    after(() => cluster.stop());
    const admin = new Admin({ namesrvAddr, logger: silentLogger });
    after(() => admin.shutdown());
    const addr = (name: string) => brokers.find((b) => b.name === name)!.addr;
    await eventually(async () => {
      const table = (await admin.clusterInfo()).brokerAddrTable;
      return (
        table['broker-a']?.brokerAddrs['1'] === addr('broker-a-s') &&
        table['broker-b']?.brokerAddrs['1'] === addr('broker-b-s')
      );
    }, 'both slaves registered');
    const info = await admin.clusterInfo();
    assert.deepEqual(info.brokerAddrTable['broker-a']!.brokerAddrs, { '0': addr('broker-a'), '1': addr('broker-a-s') });
    assert.deepEqual(info.brokerAddrTable['broker-b']!.brokerAddrs, { '0': addr('broker-b'), '1': addr('broker-b-s') });
    assert.deepEqual(info.clusterAddrTable['DefaultCluster']!.sort(), ['broker-a', 'broker-b']);

    // SYNC_MASTERs: a send is SEND_OK once the master's slave has it, on both brokers.
    await admin.createTopic('Orders', { queueNums: 2 });
    const producer = await startProducer(namesrvAddr);
    const stored = new Set<string>();
    await eventually(async () => {
      const result = await producer.send({ topic: 'Orders', body: 'order' });
      if (result.status === 'SEND_OK') stored.add(result.messageQueue.brokerName);
      return stored.size === 2;
    }, 'SEND_OK from both masters');

    assert.equal(await cluster.stop(), 0);
    for (const name of ['broker-a', 'broker-a-s', 'broker-b', 'broker-b-s']) {
      assert.match(cluster.output, new RegExp(`\\[${name}\\] .*shutdown complete`));
      assert.ok(existsSync(join(dir, 'store', name, 'commitlog')), `${name}'s store`);
    }
  });
});
