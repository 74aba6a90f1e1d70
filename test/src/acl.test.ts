import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MQBrokerError, type AclCredentials, type ReceivedMessage } from '@rocketnest/client';
import { RequestCode, ResponseCode, signRequest } from '@rocketnest/protocol';
import { eventually, startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';
import { requestsClient } from './support/requests.js';

const ADMIN: AclCredentials = { accessKey: 'operator', secretKey: 'operator-secret' };
const APP: AclCredentials = { accessKey: 'orders-app', secretKey: 'orders-secret' };
const READER: AclCredentials = { accessKey: 'reporting', secretKey: 'reporting-secret' };

const PLAIN_ACL = `# accounts of the test
globalWhiteRemoteAddresses:
  - 10.10.103.*
accounts:
  - accessKey: operator
    secretKey: operator-secret
    admin: true
  - accessKey: orders-app
    secretKey: orders-secret
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - Orders=PUB|SUB
      - Audit=PUB
    groupPerms:
      - Rival=DENY
  - accessKey: reporting
    secretKey: reporting-secret
    defaultTopicPerm: SUB
    defaultGroupPerm: SUB
`;

/** A rocketmqHome with conf/plain_acl.yml as given. */
function aclHome(plainAcl = PLAIN_ACL): string {
  const home = temporaryDir();
  mkdirSync(join(home, 'conf'));
  writeFileSync(join(home, 'conf', 'plain_acl.yml'), plainAcl);
  return home;
}

const signedBy = (credentials: AclCredentials) =>
  requestsClient({ beforeRequest: (request) => signRequest(request, credentials) });

describe('ACL 1.0: every request checked against plain_acl.yml, as RocketMQ 4.9 checks it', () => {
  it('refuses unsigned, unknown, badly signed and unpermitted requests with RocketMQ remarks', async () => {
    const broker = await startBroker({ aclEnable: true, rocketmqHome: aclHome() });
    const addr = broker.brokerAddr;
    await signedBy(ADMIN).createTopic(addr, 'Orders', 2);

    const anonymous = await requestsClient().send(addr, 'Orders', 'x');
    assert.equal(anonymous.code, ResponseCode.SYSTEM_ERROR);
    assert.match(anonymous.remark!, /AclException: No accessKey is configured/);

    const stranger = await signedBy({ accessKey: 'nobody-here', secretKey: 'whatever' }).send(addr, 'Orders', 'x');
    assert.match(stranger.remark!, /No acl config for nobody-here/);

    const forged = await signedBy({ accessKey: APP.accessKey, secretKey: 'not-the-secret' }).send(addr, 'Orders', 'x');
    assert.match(forged.remark!, /Check signature failed for accessKey=orders-app/);

    const app = signedBy(APP);
    assert.equal((await app.send(addr, 'Orders', 'paid')).code, ResponseCode.SUCCESS);
    const denied = await app.send(addr, 'Payroll', 'x');
    assert.equal(denied.code, ResponseCode.SYSTEM_ERROR);
    assert.match(denied.remark!, /No default permission for topic:Payroll/);
    // PUB only on Audit: it may send there, not read it.
    const pullAudit = await app.pull(addr, { group: 'Mine', topic: 'Audit', queueId: 0, offset: 0 });
    assert.match(pullAudit.remark!, /No default permission for topic:Audit/);
    // Another team's group is denied to it: no reading as that group, no resetting its offsets.
    const rival = await app.pull(addr, { group: 'Rival', topic: 'Orders', queueId: 0, offset: 0 });
    assert.match(rival.remark!, /No default permission for group:Rival/);
    const rivalBeat = await app.heartbeat(addr, 'c1', 'Rival', 'Orders');
    assert.match(rivalBeat.remark!, /No default permission for group:Rival/);
    const reset = await app.call(addr, RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
      topic: 'Orders',
      group: 'Mine',
      timestamp: '0',
      isForce: 'true',
    });
    assert.match(reset.remark!, /Need admin permission for request code=222, but accessKey=orders-app is not admin/);
    // Topics are made and deleted by admins only.
    const create = await app.createTopic(addr, 'Sneaky', 1);
    assert.match(create.remark!, /Need admin permission for request code=17/);
    assert.equal(broker.topics.get('Sneaky'), undefined);
    const remove = await app.call(addr, RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'Orders' });
    assert.match(remove.remark!, /Need admin permission for request code=215/);
    assert.ok(broker.topics.get('Orders'));
    // A body changed after signing fails the signature.
    const tampered = requestsClient({
      beforeRequest: (request) => {
        signRequest(request, APP);
        if (request.body) request.body = Buffer.from('changed');
      },
    });
    assert.match((await tampered.send(addr, 'Orders', 'original')).remark!, /Check signature failed/);
  });

  it('lets a producer and a consumer with credentials work, and refuses them without', async () => {
    const namesrv = await startNamesrv();
    const namesrvAddr = `127.0.0.1:${namesrv.port}`;
    const broker = await startBroker({ aclEnable: true, rocketmqHome: aclHome(), namesrvAddr });
    await signedBy(ADMIN).createTopic(broker.brokerAddr, 'Orders', 2);

    const anonymous = await startProducer(namesrvAddr, 'anon');
    await assert.rejects(
      anonymous.send({ topic: 'Orders', body: Buffer.from('x') }),
      (error: Error) => error instanceof MQBrokerError && /No accessKey is configured/.test(error.message),
    );

    const producer = await startProducer(namesrvAddr, 'orders', { credentials: APP });
    const received: ReceivedMessage[] = [];
    const consumer = testConsumer({ namesrvAddr, consumerGroup: 'OrderWorkers', credentials: APP });
    consumer.subscribe('Orders', '*');
    consumer.onMessage((messages) => {
      received.push(...messages);
    });
    await consumer.start();
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'Orders', body: Buffer.from(`order ${i}`) });
    await eventually(() => received.length >= 10, '10 orders consumed with credentials');
    assert.equal(new Set(received.map((message) => message.body.toString())).size, 10);
  });

  it('reads the file again when it changes, and keeps the last good accounts when it turns bad', async () => {
    const home = aclHome();
    const broker = await startBroker({ aclEnable: true, rocketmqHome: home });
    const reader = signedBy(READER);
    await signedBy(ADMIN).createTopic(broker.brokerAddr, 'Orders', 1);
    assert.match(
      (await reader.send(broker.brokerAddr, 'Orders', 'x')).remark!,
      /No default permission for topic:Orders/,
    );
    const file = join(home, 'conf', 'plain_acl.yml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'defaultTopicPerm: SUB\n    defaultGroupPerm',
        'defaultTopicPerm: PUB|SUB\n    defaultGroupPerm',
      ),
    );
    await eventually(
      async () => (await reader.send(broker.brokerAddr, 'Orders', 'x')).code === ResponseCode.SUCCESS,
      'the reporting account to gain PUB from the changed file',
      5000,
    );
    writeFileSync(file, 'accounts: [ this is: not yaml');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal((await reader.send(broker.brokerAddr, 'Orders', 'x')).code, ResponseCode.SUCCESS);
  });

  it('lets requests from a global white address through unsigned', async () => {
    const broker = await startBroker({
      aclEnable: true,
      rocketmqHome: aclHome(PLAIN_ACL.replace('10.10.103.*', '127.0.0.*')),
    });
    assert.equal((await requestsClient().createTopic(broker.brokerAddr, 'Open', 1)).code, ResponseCode.SUCCESS);
  });

  it('serves the ACL admin requests mqadmin sends, to admins only', async () => {
    const home = aclHome();
    const broker = await startBroker({ aclEnable: true, rocketmqHome: home });
    const addr = broker.brokerAddr;
    const admin = signedBy(ADMIN);
    const account = {
      accessKey: 'new-team',
      secretKey: 'new-team-secret',
      admin: 'false',
      topicPerms: 'Orders=SUB,Audit=PUB',
      defaultTopicPerm: 'DENY',
      defaultGroupPerm: 'SUB',
    };
    const refused = await signedBy(APP).call(addr, RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, account);
    assert.match(refused.remark!, /Need admin permission for request code=50/);
    assert.match((await signedBy(APP).call(addr, RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG)).remark!, /Need admin/);

    assert.equal(
      (await admin.call(addr, RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, account)).code,
      ResponseCode.SUCCESS,
    );
    const written = readFileSync(join(home, 'conf', 'plain_acl.yml'), 'utf8');
    assert.match(written, /# accounts of the test/, 'comments are kept');
    assert.match(written, /accessKey: new-team\n\s+secretKey: new-team-secret/);
    await signedBy(ADMIN).createTopic(addr, 'Orders', 1);
    const newTeam = signedBy({ accessKey: 'new-team', secretKey: 'new-team-secret' });
    const allowed = await newTeam.pull(addr, { group: 'G', topic: 'Orders', queueId: 0, offset: 0 });
    assert.notEqual(allowed.code, ResponseCode.SYSTEM_ERROR, allowed.remark);

    const short = await admin.call(addr, RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, {
      accessKey: 'tiny',
      secretKey: '1',
    });
    assert.equal(short.code, ResponseCode.UPDATE_AND_CREATE_ACL_CONFIG_FAILED);
    assert.match(short.remark!, /The accessKey=tiny cannot be null and length should longer than 6/);

    const config = await admin.call(addr, RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG);
    const body = JSON.parse(config.body!.toString()) as {
      globalWhiteAddrs: string[];
      plainAccessConfigs: { accessKey: string }[];
    };
    assert.deepEqual(body.globalWhiteAddrs, ['10.10.103.*']);
    assert.deepEqual(body.plainAccessConfigs.map((entry) => entry.accessKey).sort(), [
      'new-team',
      'operator',
      'orders-app',
      'reporting',
    ]);

    const white = await admin.call(addr, RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, {
      globalWhiteAddrs: '10.0.0.*,192.168.1.7',
    });
    assert.equal(white.code, ResponseCode.SUCCESS);
    const elsewhere = await admin.call(addr, RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, {
      globalWhiteAddrs: '*',
      aclFileFullPath: '/etc/passwd',
    });
    assert.equal(elsewhere.code, ResponseCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED);
    assert.match(elsewhere.remark!, /\/etc\/passwd is not an ACL file of this broker/);

    const version = await admin.call(addr, RequestCode.GET_BROKER_CLUSTER_ACL_INFO);
    assert.equal(version.code, ResponseCode.SUCCESS);
    assert.ok((JSON.parse(version.extFields['version']!) as { counter: number }).counter >= 3);

    assert.equal(
      (await admin.call(addr, RequestCode.DELETE_ACL_CONFIG, { accessKey: 'new-team' })).code,
      ResponseCode.SUCCESS,
    );
    assert.match(
      (await newTeam.pull(addr, { group: 'G', topic: 'Orders', queueId: 0, offset: 0 })).remark!,
      /No acl config for new-team/,
    );
    const gone = await admin.call(addr, RequestCode.DELETE_ACL_CONFIG, { accessKey: 'new-team' });
    assert.equal(gone.code, ResponseCode.DELETE_ACL_CONFIG_FAILED);
  });

  it('refuses to start without its ACL file, or with a bad one, naming it', async () => {
    const empty = temporaryDir();
    await assert.rejects(startBroker({ aclEnable: true, rocketmqHome: empty }), /plain_acl.yml does not exist/);
    await assert.rejects(
      startBroker({
        aclEnable: true,
        rocketmqHome: aclHome('accounts:\n  - accessKey: ab\n    secretKey: 12345678\n'),
      }),
      /plain_acl.yml: accounts\[0\]: The accessKey=ab cannot be null and length should longer than 6/,
    );
  });
});

describe("ACL on the NameServer (RocketNest's own: 4.9.4 checks nothing there)", () => {
  it('takes route and permission changes from admin accounts only, and answers reads to anyone', async () => {
    const namesrv = await startNamesrv({ aclEnable: true, rocketmqHome: aclHome() });
    const namesrvAddr = `127.0.0.1:${namesrv.port}`;
    const wipe = { brokerName: 'broker-a' };
    const anonymous = await requestsClient().call(namesrvAddr, RequestCode.WIPE_WRITE_PERM_OF_BROKER, wipe);
    assert.equal(anonymous.code, ResponseCode.SYSTEM_ERROR);
    assert.match(anonymous.remark!, /No accessKey is configured/);
    const app = await signedBy(APP).call(namesrvAddr, RequestCode.WIPE_WRITE_PERM_OF_BROKER, wipe);
    assert.match(app.remark!, /Need admin permission for request code=205, but accessKey=orders-app is not admin/);
    const kv = { namespace: 'ORDER_TOPIC_CONFIG', key: 'Orders', value: 'broker-a:4' };
    assert.match((await requestsClient().call(namesrvAddr, RequestCode.PUT_KV_CONFIG, kv)).remark!, /No accessKey/);
    const route = await requestsClient().call(namesrvAddr, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Orders' });
    assert.equal(route.code, ResponseCode.TOPIC_NOT_EXIST);

    // A broker without the NameServer's credentials is not taken into any route; one with them is.
    const stranger = await startBroker({ namesrvAddr, brokerName: 'broker-x' });
    await signedBy(ADMIN).createTopic(stranger.brokerAddr, 'Orders', 1);
    assert.equal(namesrv.routes.topicRoute('Orders'), undefined);
    const trusted = await startBroker({ namesrvAddr, brokerName: 'broker-a', ...ADMIN });
    await signedBy(ADMIN).createTopic(trusted.brokerAddr, 'Orders', 1);
    const data = await eventually(() => namesrv.routes.topicRoute('Orders'), 'the trusted broker in the route');
    assert.deepEqual(
      data.brokerDatas.map((broker) => broker.brokerName),
      ['broker-a'],
    );
    const wiped = await signedBy(ADMIN).call(namesrvAddr, RequestCode.WIPE_WRITE_PERM_OF_BROKER, wipe);
    assert.equal(wiped.code, ResponseCode.SUCCESS);
  });
});
