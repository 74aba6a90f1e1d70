import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeJsonBody, RequestCode, ResponseCode } from '@rocketnest/protocol';
import { eventually, startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { freeBrokerPort } from './support/ports.js';
import { requestsClient } from './support/requests.js';

describe('a slave copies its master’s metadata (SlaveSynchronize)', () => {
  it('learns its master from the NameServer, copies topics, groups, consumer and delay offsets, and keeps them current', async () => {
    const namesrv = await startNamesrv();
    const master = await startBroker({ namesrvAddr: namesrv.address });
    const requests = requestsClient();
    assert.equal((await requests.createTopic(master.brokerAddr, 'Orders', 4)).code, ResponseCode.SUCCESS);
    const group = encodeJsonBody({ groupName: 'Billing', retryMaxTimes: 3 });
    await requests.call(master.brokerAddr, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, group);
    await requests.call(master.brokerAddr, RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: 'Billing',
      topic: 'Orders',
      queueId: '2',
      commitOffset: '5',
    });
    const offsets = await requests.call(master.brokerAddr, RequestCode.GET_ALL_CONSUMER_OFFSET);
    assert.deepEqual(JSON.parse(offsets.body!.toString()), { offsetTable: { 'Orders@Billing': { 2: 5 } } });

    const slaveRoot = temporaryDir();
    const slave = await startBroker(
      { namesrvAddr: namesrv.address, brokerId: 1, brokerRole: 'SLAVE' },
      { storePathRootDir: slaveRoot },
    );
    await eventually(() => slave.topics.get('Orders')?.readQueueNums === 4, 'the master’s topic on the slave');
    await eventually(() => slave.offsets.query('Billing', 'Orders', 2) === 5, 'the master’s offsets on the slave');
    assert.equal(slave.groups.find('Billing')?.retryMaxTimes, 3);
    const stored = JSON.parse(readFileSync(join(slaveRoot, 'config', 'topics.json'), 'utf8'));
    assert.equal(stored.topicConfigTable['Orders'].writeQueueNums, 4);

    // A change on the master reaches the slave at its next copy (every 10 s).
    await requests.createTopic(master.brokerAddr, 'Later', 2);
    await eventually(() => slave.topics.get('Later'), 'a topic created after the first copy', 15_000);
  });

  it('refuses sends and send-backs on the slave: its CommitLog holds only what replication brings', async () => {
    const slave = await startBroker({ brokerId: 1, brokerRole: 'SLAVE' });
    const requests = requestsClient();
    const send = await requests.send(slave.brokerAddr, 'TBW102', 'x');
    assert.equal(send.code, ResponseCode.SERVICE_NOT_AVAILABLE);
    assert.match(send.remark!, /is a slave and stores no messages of its own: send them to its master/);
    const back = await requests.call(slave.brokerAddr, RequestCode.CONSUMER_SEND_MSG_BACK, {
      offset: '0',
      group: 'Billing',
      delayLevel: '0',
    });
    assert.equal(back.code, ResponseCode.SERVICE_NOT_AVAILABLE);
  });

  it('serves the tables on RocketMQ’s VIP channel (listenPort - 2), where Apache RocketMQ slaves ask for them; pulls stay on the main port', async () => {
    const listenPort = await freeBrokerPort(new Set());
    const master = await startBroker({ listenPort });
    const requests = requestsClient();
    await requests.createTopic(master.brokerAddr, 'Orders', 2);
    const vip = `127.0.0.1:${listenPort - 2}`;
    const topics = await requests.call(vip, RequestCode.GET_ALL_TOPIC_CONFIG);
    assert.equal(topics.code, ResponseCode.SUCCESS);
    assert.match(topics.body!.toString(), /"Orders"/);
    assert.equal((await requests.send(vip, 'Orders', 'over the VIP channel')).code, ResponseCode.SUCCESS);
    const pulled = await requests.pull(vip, { group: 'g', topic: 'Orders', queueId: 0, offset: 0 });
    assert.equal(pulled.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  });
});
