/**
 * Part of npm run test:interop: ACL 1.0 and TLS across vendors, in the loopback-only namespace (the
 * script re-runs itself there). Apache RocketMQ 4.9.4's Java tools against our broker with ACL
 * on: mqadmin signing with conf/tools.yml, and refused without it; the benchmark Producer and
 * Consumer with AclClientRPCHook, and refused without it or beyond their permissions; mqadmin's
 * ACL commands. Then our client against an Apache RocketMQ 4.9.4 broker with ACL on, and the
 * Java client with tls.enable against our servers in TLS-only mode (and refused without). Needs root
 * and the distribution (support/real-rocketmq.ts); never in CI.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@rocketnest/common';
import { Producer, PushConsumer, type AclCredentials } from '@rocketnest/client';
import { freePort } from '../support/ports.js';
import { Checks, java, mqadmin } from '../support/java-tools.js';
import { RocketnestProcess } from '../support/local-cluster.js';
import { testPki } from '../support/pki.js';
import {
  brokerConf,
  rerunInNetns,
  RMQ_HOME,
  startApacheBroker,
  startApacheNamesrv,
  stopServer,
} from '../support/real-rocketmq.js';

const APP: AclCredentials = { accessKey: 'javaapp', secretKey: 'javaapp-secret' };

/** rocketmq2 is the account of the distribution's conf/tools.yml, which mqadmin signs with. */
const PLAIN_ACL = `accounts:
  - accessKey: rocketmq2
    secretKey: 12345678
    admin: true
  - accessKey: javaapp
    secretKey: javaapp-secret
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - AclTopic=PUB|SUB
`;

/**
 * A rocketmqHome whose conf/ has plain_acl.yml (for brokers), when signed tools.yml (for
 * mqadmin), and the distribution's logback files, which its programs read from there.
 */
function home(dir: string, name: string, tools?: AclCredentials): string {
  const path = join(dir, name);
  mkdirSync(join(path, 'conf'), { recursive: true });
  for (const file of readdirSync(join(RMQ_HOME, 'conf')).filter((file) => file.startsWith('logback_'))) {
    copyFileSync(join(RMQ_HOME, 'conf', file), join(path, 'conf', file));
  }
  writeFileSync(join(path, 'conf', 'plain_acl.yml'), PLAIN_ACL);
  if (tools) {
    writeFileSync(join(path, 'conf', 'tools.yml'), `accessKey: ${tools.accessKey}\nsecretKey: ${tools.secretKey}\n`);
  }
  return path;
}

const bench = (kind: 'Producer' | 'Consumer', args: string[], seconds: number) =>
  java(`org.apache.rocketmq.example.benchmark.${kind}`, args, seconds, { heap: '512m' });
const signedArgs = ['-a', 'true', '-ak', APP.accessKey, '-sk', APP.secretKey];

async function javaAgainstOurs(dir: string, checks: Checks): Promise<void> {
  const [namesrvPort, brokerPort] = [await freePort(), await freePort()];
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;
  const brokerAddr = `127.0.0.1:${brokerPort}`;
  const ours = home(dir, 'ours', { accessKey: 'rocketmq2', secretKey: '12345678' });
  const nonAdmin = home(dir, 'non-admin', APP);
  const unsigned = home(dir, 'unsigned');
  writeFileSync(join(dir, 'namesrv.properties'), `listenPort=${namesrvPort}\nbindAddress=127.0.0.1\n`);
  writeFileSync(
    join(dir, 'broker.conf'),
    [
      'brokerName=broker-a',
      'brokerIP1=127.0.0.1',
      'bindAddress=127.0.0.1',
      `listenPort=${brokerPort}`,
      `storePathRootDir=${join(dir, 'store')}`,
      'aclEnable=true',
      `rocketmqHome=${ours}`,
      '',
    ].join('\n'),
  );
  const namesrv = await RocketnestProcess.start(['namesrv', '-c', join(dir, 'namesrv.properties')]);
  const broker = await RocketnestProcess.start(['broker', '-n', namesrvAddr, '-c', join(dir, 'broker.conf')]);
  try {
    const create = ['updateTopic', '-c', 'DefaultCluster', '-t', 'AclTopic', '-r', '4', '-w', '4'];
    checks.check('mqadmin updateTopic without credentials is refused', mqadmin(namesrvAddr, create, unsigned), (o) =>
      o.includes('No accessKey is configured'),
    );
    checks.check('mqadmin updateTopic signed (tools.yml, admin)', mqadmin(namesrvAddr, create, ours), (o) =>
      o.includes(`create topic to ${brokerAddr} success`),
    );
    const produced = bench(
      'Producer',
      ['-n', namesrvAddr, '-t', 'AclTopic', '-w', '4', '-q', '400', ...signedArgs],
      40,
    );
    checks.check(
      'benchmark Producer with AclClientRPCHook',
      produced,
      (o) => /\[Complete\] Send Total: 400 .*Send Failed: 0 /.test(o),
      (o) => o.split('\n').find((line) => line.includes('[Complete]')) ?? 'no [Complete] line',
    );
    checks.check(
      'benchmark Producer without credentials is refused',
      bench('Producer', ['-n', namesrvAddr, '-t', 'AclTopic', '-w', '1', '-q', '5'], 20),
      (o) => o.includes('[Complete] Send Total: 5 Send Failed: 5 '),
      (o) => o.split('\n').find((line) => line.includes('[Complete]')) ?? 'no [Complete] line',
    );
    checks.check(
      'benchmark Producer to a topic the account may not send to is refused',
      bench('Producer', ['-n', namesrvAddr, '-t', 'Forbidden', '-w', '1', '-q', '5', ...signedArgs], 20),
      (o) => o.includes('[Complete] Send Total: 5 Send Failed: 5 '),
      (o) => o.split('\n').find((line) => line.includes('[Complete]')) ?? 'no [Complete] line',
    );
    // The group is new and the messages are in memory, so it reads them all from offset 0.
    bench('Consumer', ['-n', namesrvAddr, '-t', 'AclTopic', '-g', 'acl_consumer', ...signedArgs], 15);
    checks.check(
      'benchmark Consumer with AclClientRPCHook read all 400',
      mqadmin(namesrvAddr, ['consumerProgress', '-g', 'acl_consumer'], ours),
      (o) => /AclTopic/.test(o) && /Consume TPS: [\d.]+\s*\nDiff Total: 0\b/.test(o),
      (o) => o.split('\n').find((line) => line.startsWith('Diff Total')) ?? 'no Diff Total',
    );
    const acl = (args: string[]) => mqadmin(namesrvAddr, [...args, '-b', brokerAddr], ours);
    checks.check(
      'mqadmin updateAclConfig',
      acl(['updateAclConfig', '-a', 'newuser1', '-s', 'newsecret1', '-t', 'AclTopic=SUB', '-i', 'DENY', '-u', 'SUB']),
      (o) => o.includes('create or update plain access config to') && o.includes('success'),
    );
    checks.check('mqadmin getAclConfig', acl(['getAclConfig']), (o) => o.includes('newuser1') && o.includes('javaapp'));
    checks.check('mqadmin clusterAclConfigVersion', acl(['clusterAclConfigVersion']), (o) => /broker-a/.test(o));
    checks.check('mqadmin updateGlobalWhiteAddr', acl(['updateGlobalWhiteAddr', '-g', '10.9.*']), (o) =>
      /update global white remote addresses to .* success/.test(o),
    );
    checks.check('mqadmin deleteAclConfig', acl(['deleteAclConfig', '-a', 'newuser1']), (o) =>
      /delete plain access config account from .* success/.test(o),
    );
    checks.check(
      'mqadmin getAclConfig signed by an account that is not admin is refused',
      mqadmin(namesrvAddr, ['getAclConfig', '-b', brokerAddr], nonAdmin),
      (o) => o.includes('Need admin permission for request code=54, but accessKey=javaapp is not admin'),
      (o) => o.split('\n').find((line) => line.includes('Need admin')) ?? 'no refusal seen',
    );
    checks.check(
      'mqadmin getAclConfig unsigned is refused',
      mqadmin(namesrvAddr, ['getAclConfig', '-b', brokerAddr], unsigned),
      (o) => o.includes('No accessKey is configured'),
    );
  } finally {
    await broker.stop();
    await namesrv.stop();
  }
}

async function oursAgainstApache(dir: string, checks: Checks): Promise<void> {
  const apacheHome = home(dir, 'apache');
  writeFileSync(join(dir, 'apache-namesrv.properties'), 'listenPort=9876\n');
  writeFileSync(join(dir, 'apache-broker.conf'), brokerConf(join(dir, 'apache-store'), ['aclEnable=true']));
  // Its PlainPermissionManager reads plain_acl.yml under rocketmq.home.dir.
  const namesrv = await startApacheNamesrv(join(dir, 'apache-namesrv.properties'));
  try {
    const { server: broker } = await startApacheBroker(join(dir, 'apache-broker.conf'), [
      `-Drocketmq.home.dir=${apacheHome}`,
    ]);
    try {
      await ourClientsAgainst('127.0.0.1:9876', checks);
    } finally {
      await stopServer(broker);
    }
  } finally {
    await stopServer(namesrv);
  }
}

/** Our producer refused without credentials, then sending and our consumer reading with them. */
async function ourClientsAgainst(namesrvAddr: string, checks: Checks): Promise<void> {
  const anonymous = new Producer({ namesrvAddr, producerGroup: 'anon', logger: silentLogger });
  await anonymous.start();
  const refused = await anonymous.send({ topic: 'AclTopic', body: 'x' }).then(
    () => 'sent',
    (error: Error) => error.message,
  );
  await anonymous.shutdown();
  checks.check('our producer without credentials is refused by Apache', refused, (o) =>
    o.includes('No accessKey is configured'),
  );
  const signedProducer = new Producer({
    namesrvAddr,
    producerGroup: 'acl_producer',
    credentials: APP,
    logger: silentLogger,
  });
  await signedProducer.start();
  const forbidden = await signedProducer.send({ topic: 'Forbidden', body: 'x' }).then(
    () => 'sent',
    (error: Error) => error.message,
  );
  await signedProducer.shutdown();
  checks.check('our producer is refused by Apache a topic its account may not send to', forbidden, (o) =>
    o.includes('No default permission for topic:Forbidden'),
  );
  const producer = new Producer({
    namesrvAddr,
    producerGroup: 'acl_producer',
    credentials: APP,
    logger: silentLogger,
  });
  await producer.start();
  const statuses: string[] = [];
  for (let i = 0; i < 50; i++) statuses.push((await producer.send({ topic: 'AclTopic', body: `signed ${i}` })).status);
  await producer.shutdown();
  checks.check(
    'our producer with credentials sends to Apache',
    statuses.join(','),
    (o) => o.split(',').every((status) => status === 'SEND_OK') && statuses.length === 50,
    () => `${statuses.filter((status) => status === 'SEND_OK').length} of 50 SEND_OK`,
  );
  const received = new Set<string>();
  const consumer = new PushConsumer({
    namesrvAddr,
    consumerGroup: 'acl_consumer',
    credentials: APP,
    logger: silentLogger,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  consumer.subscribe('AclTopic', '*');
  consumer.onMessage((messages) => {
    for (const message of messages) received.add(message.body.toString());
  });
  await consumer.start();
  const deadline = Date.now() + 60_000;
  while (received.size < 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  await consumer.shutdown();
  checks.check(
    'our consumer with credentials reads from Apache',
    String(received.size),
    (o) => o === '50',
    (o) => `${o} of 50 received`,
  );
}

/** The Java benchmark Producer with TLS on (tls.enable, trusting the test CA) against our TLS-only servers. */
async function javaOverTls(dir: string, checks: Checks): Promise<void> {
  const pki = testPki(mkdtempSync(join(dir, 'pki-')));
  const [namesrvPort, brokerPort] = [await freePort(), await freePort()];
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;
  const serverTls = [
    'tls.server.mode=enforcing',
    `tls.server.keyPath=${pki.serverKey}`,
    `tls.server.certPath=${pki.serverCert}`,
  ];
  const clientTls = ['tls.enable=true', 'tls.client.authServer=true', `tls.client.trustCertPath=${pki.caCert}`];
  writeFileSync(
    join(dir, 'tls-namesrv.properties'),
    [`listenPort=${namesrvPort}`, 'bindAddress=127.0.0.1', ...serverTls, ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'tls-broker.conf'),
    [
      'brokerName=broker-tls',
      'brokerIP1=127.0.0.1',
      'bindAddress=127.0.0.1',
      `listenPort=${brokerPort}`,
      `namesrvAddr=${namesrvAddr}`,
      `storePathRootDir=${join(dir, 'tls-store')}`,
      ...serverTls,
      ...clientTls,
      '',
    ].join('\n'),
  );
  const namesrv = await RocketnestProcess.start(['namesrv', '-c', join(dir, 'tls-namesrv.properties')]);
  const broker = await RocketnestProcess.start(['broker', '-c', join(dir, 'tls-broker.conf')]);
  try {
    const args = ['-n', namesrvAddr, '-t', 'TlsTopic', '-w', '4', '-q', '300'];
    // The Java client reads its TLS settings from system properties (TlsSystemConfig); test mode off so the CA is checked.
    const jvm = ['-Dtls.test.mode.enable=false', ...clientTls.map((setting) => `-D${setting}`)];
    checks.check(
      'benchmark Producer with tls.enable against our TLS-only broker',
      java('org.apache.rocketmq.example.benchmark.Producer', args, 40, { heap: '512m', jvm }),
      (o) => /\[Complete\] Send Total: 300 .*Send Failed: 0 /.test(o),
      (o) => o.split('\n').find((line) => line.includes('[Complete]')) ?? 'no [Complete] line',
    );
    const plain = java('org.apache.rocketmq.example.benchmark.Producer', [...args.slice(0, -1), '5'], 30, {
      heap: '512m',
    });
    // java() blocked this process: let the NameServer's output, piped meanwhile, come in.
    await new Promise((resolve) => setTimeout(resolve, 500));
    checks.check(
      'benchmark Producer without TLS cannot reach them',
      plain,
      (o) =>
        !/\[Complete\] Send Total: 5 Send Failed: 0 /.test(o) &&
        namesrv.output.includes('did not start a TLS handshake and this server is TLS only'),
      (o) => o.split('\n').find((line) => line.includes('[Complete]') || line.includes('Exception')) ?? 'no line',
    );
  } finally {
    await broker.stop();
    await namesrv.stop();
  }
}

async function main(): Promise<number> {
  const status = rerunInNetns(import.meta.url);
  if (status !== undefined) return status;
  const dir = mkdtempSync(join(tmpdir(), 'rocketnest-security-interop-'));
  const checks = new Checks();
  try {
    await javaAgainstOurs(dir, checks);
    await oursAgainstApache(dir, checks);
    await javaOverTls(dir, checks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return checks.summary(`for ACL and TLS between RocketNest and Apache RocketMQ 4.9.4 (home ${RMQ_HOME})`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
