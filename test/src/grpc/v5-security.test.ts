import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { Admin } from '@rocketnest/client';
import { serverTlsFromProperties } from '@rocketnest/remoting';
import { temporaryDir } from '../support/cluster.js';
import { testPki, type TestPki } from '../support/pki.js';

// grpc-js reads the roots a client trusts once, when it loads: the test CA must be named before
// anything here loads it, so the gRPC modules are imported in before().
const pki: TestPki = testPki(join(temporaryDir(), 'pki'));
process.env['GRPC_DEFAULT_SSL_ROOTS_FILE_PATH'] = pki.caCert;
let support: typeof import('../support/grpc.js');
before(async () => {
  support = await import('../support/grpc.js');
});

const PLAIN_ACL = `accounts:
  - accessKey: operator
    secretKey: operator-secret
    admin: true
  - accessKey: orders-app
    secretKey: orders-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - Orders=PUB|SUB
    groupPerms:
      - Rival=DENY
`;

function aclHome(): string {
  const home = temporaryDir();
  mkdirSync(join(home, 'conf'));
  writeFileSync(join(home, 'conf', 'plain_acl.yml'), PLAIN_ACL);
  return home;
}

const app = (accessSecret = 'orders-secret') => ({ sessionCredentials: { accessKey: 'orders-app', accessSecret } });

describe('gRPC with the broker’s ACL and TLS', () => {
  it('checks the v5 signature and the account’s permissions, refusing with UNAUTHORIZED and FORBIDDEN', async () => {
    const cluster = await support.GrpcCluster.start({ aclEnable: true, rocketmqHome: aclHome() });
    const admin = new Admin({
      namesrvAddr: cluster.namesrvAddr,
      logger: silentLogger,
      credentials: { accessKey: 'operator', secretKey: 'operator-secret' },
    });
    after(() => admin.shutdown());
    await admin.createTopic('Orders', { queueNums: 2 });
    await admin.createTopic('Secrets', { queueNums: 2 });

    const producer = await cluster.producer({ topics: ['Orders'], ...app() });
    const receipt = await producer.send({ topic: 'Orders', body: Buffer.from('signed') });
    assert.ok(receipt.messageId);
    await assert.rejects(
      producer.send({ topic: 'Secrets', body: Buffer.from('not mine') }),
      (error: Error) => error.name === 'ForbiddenException' && /orders-app needs PUB/.test(error.message),
    );

    const consumer = await cluster.simpleConsumer('orders-group', { Orders: '*' }, app());
    const received = await consumer.receive(16, 10_000);
    assert.deepEqual(
      received.map((m) => m.messageId),
      [receipt.messageId],
    );
    const rival = await cluster.simpleConsumer('Rival', { Orders: '*' }, app());
    await assert.rejects(rival.receive(1, 10_000), (error: Error) => error.name === 'ForbiddenException');

    const anonymous = await cluster.producer({ topics: ['Orders'] });
    await assert.rejects(
      anonymous.send({ topic: 'Orders', body: Buffer.from('unsigned') }),
      (error: Error) => error.name === 'UnauthorizedException' && /No accessKey/.test(error.message),
    );
    // The client wraps the route query's refusal in its startup error.
    await assert.rejects(cluster.producer({ topics: ['Orders'], ...app('wrong-secret') }), (error: Error) =>
      /Check signature failed for accessKey=orders-app/.test(support.causes(error)),
    );
  });

  it('serves TLS on the gRPC port with the broker’s tls.server.* settings', async () => {
    const tls = serverTlsFromProperties(
      {
        'tls.server.mode': 'enforcing',
        'tls.server.keyPath': pki.serverKey,
        'tls.server.certPath': pki.serverCert,
      },
      'test',
    );
    const cluster = await support.GrpcCluster.start({}, {}, { tls });
    const producer = await cluster.producer({ topics: ['Private'], sslEnabled: true });
    const receipt = await producer.send({ topic: 'Private', body: Buffer.from('over TLS') });
    const consumer = await cluster.simpleConsumer('private-group', { Private: '*' }, { sslEnabled: true });
    const [message] = await consumer.receive(16, 10_000);
    assert.equal(message?.messageId, receipt.messageId);
    assert.equal(message?.body.toString(), 'over TLS');
    // A plaintext client gets nowhere.
    await assert.rejects(cluster.producer({ topics: ['Private'], requestTimeout: 1000 }));
  });
});
