import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { Admin } from '@rocketnest/client';
import { startProducer, testConsumer } from './support/clients.js';
import { eventually, temporaryDir } from './support/cluster.js';
import { exampleConfDir, RocketnestProcess } from './support/local-cluster.js';
import { freeBrokerPort, freePort } from './support/ports.js';
import { testPki } from './support/pki.js';

const production = join(exampleConfDir, 'production');

/**
 * The example's files with this machine's stand-ins: its /etc/rocketnest under dir (the ACL
 * file as shipped, certificates made now), loopback addresses and free ports.
 */
async function install(dir: string) {
  const pki = testPki(join(dir, 'pki'));
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'tls'));
  copyFileSync(join(production, 'conf', 'plain_acl.yml'), join(dir, 'conf', 'plain_acl.yml'));
  for (const name of ['broker', 'namesrv']) {
    copyFileSync(pki.serverKey, join(dir, 'tls', `${name}.key`));
    copyFileSync(pki.serverCert, join(dir, 'tls', `${name}.pem`));
  }
  copyFileSync(pki.caCert, join(dir, 'tls', 'ca.pem'));
  const namesrvPort = await freePort();
  const brokerPort = await freeBrokerPort(new Set([namesrvPort]));
  const localize = (text: string) =>
    text
      .replaceAll('/etc/rocketnest', dir)
      .replaceAll('/var/lib/rocketnest/store', join(dir, 'store'))
      .replace('namesrvAddr=10.0.0.1:9876;10.0.0.2:9876', `namesrvAddr=127.0.0.1:${namesrvPort}`)
      .replace('brokerIP1=10.0.0.11', 'brokerIP1=127.0.0.1')
      .replace('bindAddress=0.0.0.0', 'bindAddress=127.0.0.1')
      .replace('listenPort=10911', `listenPort=${brokerPort}`)
      .replace('grpcServerPort=8081', 'grpcServerPort=0')
      .replace('listenPort=9876', `listenPort=${namesrvPort}`);
  for (const file of ['broker.conf', 'namesrv.properties']) {
    writeFileSync(join(dir, file), localize(readFileSync(join(production, file), 'utf8')));
  }
  return { namesrvAddr: `127.0.0.1:${namesrvPort}`, tls: { ca: pki.read(pki.caCert) } };
}

describe('the production example (packages/cli/conf/production): ACL and TLS on', () => {
  it('boots as shipped, serves signed TLS clients their own topics only, and refuses the rest', async () => {
    const dir = temporaryDir();
    const { namesrvAddr, tls } = await install(dir);
    const namesrv = await RocketnestProcess.start(['namesrv', '-c', join(dir, 'namesrv.properties')]);
    after(() => namesrv.stop());
    const broker = await RocketnestProcess.start(['broker', '-c', join(dir, 'broker.conf')]);
    after(() => broker.stop());
    assert.doesNotMatch(`${namesrv.output}${broker.output}`, /is not a setting RocketNest knows/);

    const operator = new Admin({
      namesrvAddr,
      tls,
      credentials: { accessKey: 'operator', secretKey: 'change-me-operator-secret' },
      logger: silentLogger,
    });
    after(() => operator.shutdown());
    // The broker's registration was signed and came over TLS.
    await eventually(
      () =>
        operator.masters().then(
          (masters) => masters.length === 1,
          () => false,
        ),
      'the broker registered',
    );
    await operator.createTopic('Orders', { queueNums: 2 });
    await operator.createTopic('Payroll', { queueNums: 1 });
    // Groups too: autoCreateSubscriptionGroup is off.
    await operator.createGroup('OrderWorkers');

    const app = {
      namesrvAddr,
      tls,
      credentials: { accessKey: 'orders-app', secretKey: 'change-me-orders-secret' },
      logger: silentLogger,
    };
    const producer = await startProducer(namesrvAddr, 'orders-producer', app);
    await eventually(
      () =>
        producer.send({ topic: 'Orders', body: 'o1' }).then(
          (r) => r.status === 'SEND_OK',
          () => false,
        ),
      'a signed send',
    );
    await assert.rejects(producer.send({ topic: 'Payroll', body: 'x' }), /No default permission for topic:Payroll/);

    const received: string[] = [];
    const consumer = testConsumer({
      ...app,
      consumerGroup: 'OrderWorkers',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe('Orders', '*');
    consumer.onMessage((messages) => {
      for (const message of messages) received.push(message.body.toString());
    });
    await consumer.start();
    await eventually(() => received.includes('o1'), 'the order consumed by its own group');

    const anonymous = await startProducer(namesrvAddr, 'anon', { tls });
    await assert.rejects(anonymous.send({ topic: 'Orders', body: 'x' }), /No accessKey is configured/);
  });
});
