/**
 * Part of npm run test:interop: replication across vendors, in the loopback-only namespace (the
 * script re-runs itself there). An Apache RocketMQ 4.9.4 SYNC_MASTER with a RocketNest slave,
 * then a RocketNest SYNC_MASTER with an Apache RocketMQ 4.9.4 slave: every send must come back
 * SEND_OK (the slave acknowledged its bytes), the two CommitLogs must be byte for byte the same,
 * and our consumer must read everything from the slave once the master is stopped. The RocketNest
 * slave is then promoted. Needs root and the distribution (support/real-rocketmq.ts); never in CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@rocketnest/common';
import { Admin, Producer, PushConsumer } from '@rocketnest/client';
import { ResponseCode } from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { rocketnestArgs } from '../support/cli.js';
import { Requests } from '../support/requests.js';
import { RocketnestProcess } from '../support/local-cluster.js';
import {
  startApacheBroker,
  startApacheNamesrv,
  stopServer,
  type Server,
  rerunInNetns,
} from '../support/real-rocketmq.js';

const NAMESRV = '127.0.0.1:9876';
const MASTER = '127.0.0.1:10911';
const SLAVE = '127.0.0.1:11911';
const MESSAGES = 2000;

/** broker.conf lines both vendors read: broker-a on one of two ports, its store under dir. */
function conf(dir: string, role: 'SYNC_MASTER' | 'SLAVE', extra: string[] = []): string {
  const master = role !== 'SLAVE';
  const store = join(dir, master ? 'master' : 'slave');
  return [
    'brokerClusterName=DefaultCluster',
    'brokerName=broker-a',
    `brokerId=${master ? 0 : 1}`,
    `brokerRole=${role}`,
    'flushDiskType=ASYNC_FLUSH',
    `namesrvAddr=${NAMESRV}`,
    'brokerIP1=127.0.0.1',
    `listenPort=${master ? 10911 : 11911}`,
    `haListenPort=${master ? 10912 : 11912}`,
    'autoCreateTopicEnable=true',
    `storePathRootDir=${store}`,
    `storePathCommitLog=${join(store, 'commitlog')}`,
    ...extra,
    '',
  ].join('\n');
}

function commitLog(store: string): Buffer {
  const dir = join(store, 'commitlog');
  return Buffer.concat(
    readdirSync(dir)
      .sort()
      .map((name) => readFileSync(join(dir, name))),
  );
}

async function until(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Send MESSAGES to the SYNC_MASTER: each must be SEND_OK, which its slave's acknowledgement makes. */
async function sendAll(producer: Producer, topic: string): Promise<Set<string>> {
  const sent = new Set<string>();
  // The first sends may find the slave not yet connected (SLAVE_NOT_AVAILABLE): wait for one SEND_OK.
  await until(async () => (await producer.send({ topic, body: 'probe' })).status === 'SEND_OK', 'a SEND_OK');
  sent.add('probe');
  for (let i = 0; i < MESSAGES; i++) {
    const body = `${topic}-${i}-${'x'.repeat(i % 700)}`;
    const result = await producer.send({ topic, body, keys: `k${i}` });
    if (result.status !== 'SEND_OK') throw new Error(`send ${i} answered ${result.status}`);
    sent.add(body);
  }
  return sent;
}

/** Everything sent, consumed by a new group: from the slave, the master being stopped. */
async function consumeAll(topic: string, sent: Set<string>): Promise<void> {
  const received = new Set<string>();
  const consumer = new PushConsumer({
    namesrvAddr: NAMESRV,
    consumerGroup: `${topic}-readers`,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    logger: silentLogger,
  });
  consumer.subscribe(topic, '*').onMessage((messages) => {
    for (const m of messages) received.add(m.body.toString());
  });
  await consumer.start();
  try {
    await until(async () => [...sent].every((body) => received.has(body)), `all ${sent.size} from the slave`);
  } catch (error) {
    // Say what the slave answers to a pull of the first queue, and what the NameServer lists.
    const client = new RemotingClient({ logger: silentLogger });
    const pulled = await new Requests(client).pull(SLAVE, { group: `${topic}-readers`, topic, queueId: 0, offset: 0 });
    const route = await consumer.instance.fetchRoute(topic);
    await client.close();
    throw new Error(
      `${(error as Error).message}: received ${received.size}; a pull from the slave answered ${pulled.code} ${pulled.remark ?? ''} ${JSON.stringify(pulled.extFields)}; route ${JSON.stringify(route?.brokerDatas)}`,
      { cause: error },
    );
  } finally {
    await consumer.shutdown();
  }
}

type Stop = () => Promise<unknown>;

async function pair(
  name: string,
  dir: string,
  startMaster: () => Promise<Stop>,
  startSlave: () => Promise<Stop>,
  after?: () => Promise<string>,
): Promise<boolean> {
  const stops: Stop[] = [];
  const admin = new Admin({ namesrvAddr: NAMESRV, logger: silentLogger });
  const producer = new Producer({ namesrvAddr: NAMESRV, producerGroup: 'ha-interop', logger: silentLogger });
  try {
    const stopMaster = await startMaster();
    stops.push(stopMaster);
    stops.push(await startSlave());
    await admin.createTopic(`HaInterop`, { queueNums: 4 });
    await producer.start();
    const sent = await sendAll(producer, 'HaInterop');
    const maxOffset = async (addr: string) => (await admin.brokerRuntimeInfo(addr))['commitLogMaxOffset'];
    await until(async () => (await maxOffset(MASTER)) === (await maxOffset(SLAVE)), 'the slave to have it all');
    const offset = await maxOffset(MASTER);
    const masterLog = commitLog(join(dir, 'master'));
    const slaveLog = commitLog(join(dir, 'slave'));
    const end = Number(offset);
    if (!masterLog.subarray(0, end).equals(slaveLog.subarray(0, end))) throw new Error('the CommitLogs differ');
    console.log(
      `PASS ${name}: ${sent.size} sends SEND_OK; both CommitLogs end at ${end} and are byte for byte the same`,
    );
    // A slave copies its master's topics every 10 s (SlaveSynchronize): it serves the topic once it has it.
    const client = new RemotingClient({ logger: silentLogger });
    const requests = new Requests(client);
    const pullFromSlave = () => requests.pull(SLAVE, { group: 'probe', topic: 'HaInterop', queueId: 0, offset: 0 });
    await until(
      async () => (await pullFromSlave()).code === ResponseCode.SUCCESS,
      'the topic copied to the slave',
      30_000,
    );
    await client.close();
    console.log(`PASS ${name}: the slave copied the master's topic config and serves pulls`);
    await stopMaster();
    await consumeAll('HaInterop', sent);
    console.log(`PASS ${name}: with the master stopped, all ${sent.size} consumed from the slave`);
    if (after) console.log(`PASS ${name}: ${await after()}`);
    return true;
  } catch (error) {
    console.log(`FAIL ${name}: ${(error as Error).stack ?? (error as Error).message}`);
    return false;
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

async function rocketnest(args: string[]): Promise<Stop> {
  const started = await RocketnestProcess.start(args);
  return () => started.stop();
}

async function apache(start: Promise<Server | { server: Server }>): Promise<Stop> {
  const started = await start;
  const server = 'server' in started ? started.server : started;
  return () => stopServer(server);
}

async function checks(): Promise<number> {
  const results: boolean[] = [];
  for (const [name, master, slave] of [
    ['Apache RocketMQ 4.9.4 master, RocketNest slave', 'apache', 'rocketnest'],
    ['RocketNest master, Apache RocketMQ 4.9.4 slave', 'rocketnest', 'apache'],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'rocketnest-ha-interop-'));
    mkdirSync(join(dir, 'master'));
    mkdirSync(join(dir, 'slave'));
    writeFileSync(join(dir, 'namesrv.properties'), `listenPort=9876\nbindAddress=127.0.0.1\n`);
    writeFileSync(
      join(dir, 'master.conf'),
      conf(dir, 'SYNC_MASTER', master === 'rocketnest' ? ['bindAddress=127.0.0.1'] : []),
    );
    writeFileSync(join(dir, 'slave.conf'), conf(dir, 'SLAVE', slave === 'rocketnest' ? ['bindAddress=127.0.0.1'] : []));
    // The NameServer is the master's vendor's.
    const stopNamesrv =
      master === 'apache'
        ? await apache(startApacheNamesrv(join(dir, 'namesrv.properties')))
        : await rocketnest(['namesrv', '-c', join(dir, 'namesrv.properties')]);
    const start = (vendor: 'apache' | 'rocketnest', file: string) => () =>
      vendor === 'apache' ? apache(startApacheBroker(join(dir, file))) : rocketnest(['broker', '-c', join(dir, file)]);
    const promote =
      slave === 'rocketnest'
        ? async () => {
            const run = spawnSync(process.execPath, rocketnestArgs('admin', 'promote', '-n', NAMESRV, '-b', SLAVE), {
              encoding: 'utf8',
            });
            if (run.status !== 0) throw new Error(`promote: ${run.stdout}${run.stderr}`);
            return `promoted under Apache's NameServer: ${run.stdout.trim()}`;
          }
        : undefined;
    try {
      results.push(await pair(name, dir, start(master, 'master.conf'), start(slave, 'slave.conf'), promote));
    } finally {
      await stopNamesrv();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const failed = results.filter((ok) => !ok).length;
  console.log(`\n${results.length - failed} of ${results.length} replication pairs passed`);
  return failed === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  // Apache RocketMQ listens on every interface: this runs inside the loopback-only namespace.
  return rerunInNetns(import.meta.url) ?? (await checks());
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
