/**
 * npm run test:interop: Apache RocketMQ 4.9.4's own Java tools (mqadmin and the benchmark
 * Producer and Consumer), unpatched, against our NameServer and broker. Needs the distribution
 * brought in at run time as support/real-rocketmq.ts describes (RMQ, default /tmp/rmq); never
 * in CI. Prints each check and exits non-zero if any fails.
 */
import { silentLogger } from '@rocketnest/common';
import { freePort } from '../support/ports.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createOffsetMessageId,
  createRequest,
  decodeStoredMessages,
  decodeTraceData,
  RequestCode,
  TRACE_TOPIC,
} from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { execFile } from 'node:child_process';
import { Admin, Producer, PushConsumer } from '@rocketnest/client';
import { rocketnestArgs } from '../support/cli.js';
import { Checks, java, javaAsync, mqadmin as runMqadmin } from '../support/java-tools.js';
import { RocketnestProcess } from '../support/local-cluster.js';
import { requireDistribution } from '../support/real-rocketmq.js';

const mqadmin = (namesrv: string, ...args: string[]) => runMqadmin(namesrv, args);

async function main(): Promise<number> {
  requireDistribution();
  const dir = mkdtempSync(join(tmpdir(), 'rocketnest-interop-'));
  const [namesrvPort, brokerPort] = [await freePort(), await freePort()];
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;
  writeFileSync(join(dir, 'namesrv.properties'), `listenPort=${namesrvPort}\nbindAddress=127.0.0.1\n`);
  writeFileSync(
    join(dir, 'broker.conf'),
    `brokerName=broker-a\nbrokerIP1=127.0.0.1\nbindAddress=127.0.0.1\nlistenPort=${brokerPort}\nstorePathRootDir=${join(dir, 'store')}\n`,
  );
  const namesrv = await RocketnestProcess.start(['namesrv', '-c', join(dir, 'namesrv.properties')]);
  const broker = await RocketnestProcess.start(['broker', '-n', namesrvAddr, '-c', join(dir, 'broker.conf')]);
  const brokerAddr = `127.0.0.1:${brokerPort}`;
  const checks = new Checks();
  const check = checks.check.bind(checks);
  try {
    const topic = 'InteropTopic';
    check(
      'mqadmin clusterList',
      mqadmin(namesrvAddr, 'clusterList'),
      (o) => o.includes('broker-a') && o.includes(brokerAddr) && o.includes('V4_9_8'),
    );
    check(
      'mqadmin updateTopic',
      mqadmin(namesrvAddr, 'updateTopic', '-c', 'DefaultCluster', '-t', topic, '-r', '4', '-w', '4'),
      (o) => o.includes(`create topic to ${brokerAddr} success`),
    );
    check('mqadmin topicList', mqadmin(namesrvAddr, 'topicList'), (o) => o.split('\n').includes(topic));
    check(
      'mqadmin topicRoute',
      mqadmin(namesrvAddr, 'topicRoute', '-t', topic),
      (o) => o.includes('"brokerName":"broker-a"') && o.includes('"writeQueueNums":4'),
    );
    const producer = java(
      'org.apache.rocketmq.example.benchmark.Producer',
      ['-n', namesrvAddr, '-t', 'BenchTopic', '-s', '1024', '-w', '16'],
      14,
      { heap: '512m' },
    );
    const sendLines = producer.split('\n').filter((line) => line.includes('Send TPS:'));
    check(
      'benchmark Producer (1 KiB, 16 threads)',
      producer,
      () => sendLines.length > 0 && sendLines.every((l) => /Send Failed: 0 /.test(l) && !/Send TPS: 0 /.test(l)),
      () => sendLines.at(-1) ?? 'no TPS line',
    );
    const consumer = java(
      'org.apache.rocketmq.example.benchmark.Consumer',
      ['-n', namesrvAddr, '-t', 'BenchTopic', '-g', 'bench_consumer'],
      14,
      { heap: '512m' },
    );
    const consumeLines = consumer.split('\n').filter((line) => /TPS: \d+ FAIL/.test(line));
    check(
      'benchmark Consumer',
      consumer,
      () => consumeLines.some((l) => !/TPS: 0 /.test(l)) && consumeLines.every((l) => /FAIL: 0 /.test(l)),
      () => consumeLines.find((l) => !/TPS: 0 /.test(l)) ?? 'no TPS line',
    );
    check('mqadmin topicStatus', mqadmin(namesrvAddr, 'topicStatus', '-t', 'BenchTopic'), (o) =>
      /broker-a\s+0\s+0\s+[1-9]\d*/.test(o),
    );
    check(
      'mqadmin consumerProgress',
      mqadmin(namesrvAddr, 'consumerProgress', '-g', 'bench_consumer'),
      // The benchmark Consumer read within the last minute: its TPS is not 0 (statsAll and consumerProgress read it).
      (o) => o.includes('BenchTopic') && o.includes('Diff Total') && /Consume TPS: [1-9]/.test(o),
    );
    const exportDir = join(dir, 'export'); // mqadmin writes metadata.json in it
    check(
      'mqadmin exportMetadata',
      mqadmin(namesrvAddr, 'exportMetadata', '-c', 'DefaultCluster', '-f', exportDir),
      (o) => {
        if (!existsSync(join(exportDir, 'metadata.json'))) return false;
        const exported = JSON.parse(readFileSync(join(exportDir, 'metadata.json'), 'utf8')) as {
          topicConfigTable: Record<string, unknown>;
          subscriptionGroupTable: Record<string, unknown>;
        };
        return (
          /export .* success/i.test(o) &&
          topic in exported.topicConfigTable &&
          !('TBW102' in exported.topicConfigTable) &&
          'bench_consumer' in exported.subscriptionGroupTable
        );
      },
    );
    check(
      'mqadmin exportConfigs',
      mqadmin(namesrvAddr, 'exportConfigs', '-c', 'DefaultCluster', '-f', exportDir),
      (o) => {
        if (!existsSync(join(exportDir, 'configs.json'))) return false;
        const exported = readFileSync(join(exportDir, 'configs.json'), 'utf8');
        return (
          /export .* success/i.test(o) &&
          // The broker settings it picks, and the cluster's scale.
          exported.includes('maxMessageSize') &&
          exported.includes('clusterScale')
        );
      },
    );
    check(
      'mqadmin exportMetrics',
      mqadmin(namesrvAddr, 'exportMetrics', '-c', 'DefaultCluster', '-f', exportDir),
      (o) => /export .* success/i.test(o),
    );
    // A producer of ours online, as producerConnection lists the live connections of a group.
    const liveProducer = new Producer({ namesrvAddr, producerGroup: 'rn-live-producer', logger: silentLogger });
    await liveProducer.start();
    await liveProducer.send({ topic, body: 'from a live producer' });
    check(
      'mqadmin producerConnection',
      mqadmin(namesrvAddr, 'producerConnection', '-g', 'rn-live-producer', '-t', topic),
      (o) => /#ClientId\s+\S+@\d+/.test(o) || /\d+\.\d+\.\d+\.\d+@\d+/.test(o),
    );
    await liveProducer.shutdown();
    check(
      'mqadmin cloneGroupOffset',
      mqadmin(
        namesrvAddr,
        'cloneGroupOffset',
        '-s',
        'bench_consumer',
        '-d',
        'bench_clone',
        '-t',
        'BenchTopic',
        '-o',
        'true',
      ),
      (o) =>
        /clone group offset success/i.test(o) &&
        // consumerProgress needs the group's retry topic, which a group that never ran lacks (as on Apache).
        /BenchTopic\s+bench_clone\s+broker-a/.test(mqadmin(namesrvAddr, 'brokerConsumeStats', '-b', brokerAddr)),
    );
    check(
      'mqadmin brokerConsumeStats',
      mqadmin(namesrvAddr, 'brokerConsumeStats', '-b', brokerAddr),
      (o) => /BenchTopic\s+bench_consumer\s+broker-a\s+\d+/.test(o) && /Diff Total: \d+/.test(o),
    );
    check(
      'mqadmin sendMessage',
      mqadmin(namesrvAddr, 'sendMessage', '-t', topic, '-p', 'hello interop', '-k', 'interop-key', '-c', 'TagI'),
      (o) => o.includes('SEND_OK'),
    );
    check('mqadmin queryMsgByKey', mqadmin(namesrvAddr, 'queryMsgByKey', '-t', topic, '-k', 'interop-key'), (o) =>
      /^[0-9A-F]{32,56}\s+\d+\s+\d+/m.test(o),
    );
    // queryMsgById takes an offset message id (broker address + CommitLog offset): find it by key.
    const client = new RemotingClient({ logger: silentLogger });
    const found = await client.invoke(
      brokerAddr,
      createRequest(RequestCode.QUERY_MESSAGE, {
        extFields: { topic, key: 'interop-key', maxNum: '32', beginTimestamp: '0', endTimestamp: String(Date.now()) },
      }),
    );
    await client.close();
    const stored = decodeStoredMessages(found.body!)[0]!;
    const offsetId = createOffsetMessageId(stored.storeHost, stored.physicalOffset);
    check(
      'mqadmin queryMsgById',
      mqadmin(namesrvAddr, 'queryMsgById', '-i', offsetId),
      (o) => o.includes(`Topic:               ${topic}`) && o.includes('Keys:                [interop-key]'),
    );
    check(
      'mqadmin brokerStatus',
      mqadmin(namesrvAddr, 'brokerStatus', '-b', brokerAddr),
      (o) => /brokerVersionDesc\s+: V4_9_8/.test(o) && /msgPutTotalTodayNow\s+: [1-9]/.test(o),
    );
    check('mqadmin getBrokerConfig', mqadmin(namesrvAddr, 'getBrokerConfig', '-b', brokerAddr), (o) =>
      /shortPollingTimeMills\s*=\s*1000/.test(o),
    );
    check(
      'mqadmin updateBrokerConfig',
      mqadmin(namesrvAddr, 'updateBrokerConfig', '-b', brokerAddr, '-k', 'shortPollingTimeMills', '-v', '700'),
      (o) =>
        /update broker config success/.test(o) &&
        /shortPollingTimeMills\s*=\s*700/.test(mqadmin(namesrvAddr, 'getBrokerConfig', '-b', brokerAddr)),
    );
    for (const command of ['cleanUnusedTopic', 'cleanExpiredCQ', 'deleteExpiredCommitLog']) {
      check(
        `mqadmin ${command}`,
        mqadmin(namesrvAddr, command, '-b', brokerAddr),
        (o) => /success/i.test(o) && !/Exception/.test(o),
      );
    }
    check('mqadmin getNamesrvConfig', mqadmin(namesrvAddr, 'getNamesrvConfig'), (o) =>
      /orderMessageEnable\s*=\s*false/.test(o),
    );
    check(
      'mqadmin updateNamesrvConfig',
      mqadmin(namesrvAddr, 'updateNamesrvConfig', '-k', 'orderMessageEnable', '-v', 'true'),
      (o) =>
        /update name server config success/.test(o) &&
        /orderMessageEnable\s*=\s*true/.test(mqadmin(namesrvAddr, 'getNamesrvConfig')),
    );
    await checkTraces(check, namesrvAddr);
  } finally {
    await broker.stop();
    await namesrv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return checks.summary("against RocketNest with Apache RocketMQ 4.9.4's Java tools");
}

/**
 * A message sent by Apache's Java client with message tracing on and consumed by ours with
 * enableMsgTrace shows one trace: in mqadmin queryMsgTraceById and in rocketnest admin.
 */
async function checkTraces(check: Checks['check'], namesrvAddr: string): Promise<void> {
  const topic = 'TracedTopic';
  // It sends its traces in the background while it runs; with -q it would exit before sending them.
  java(
    'org.apache.rocketmq.example.benchmark.Producer',
    ['-n', namesrvAddr, '-t', topic, '-m', 'true', '-w', '1', '-k', 'true'],
    10,
    {
      heap: '256m',
    },
  );
  let consumed = 0;
  const consumer = new PushConsumer({
    namesrvAddr,
    consumerGroup: 'trace_readers',
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    enableMsgTrace: true,
    logger: silentLogger,
  })
    .subscribe(topic)
    .onMessage((messages) => {
      consumed += messages.length;
    });
  await consumer.start();
  const admin = new Admin({ namesrvAddr, logger: silentLogger });
  try {
    // The Java producer's Pub records name the ids it sent.
    let javaPub: { msgId: string; group: string } | undefined;
    const found = Date.now() + 20_000;
    while (!javaPub && Date.now() < found) {
      const stats = await admin.topicStats(TRACE_TOPIC).catch(() => []);
      for (const { queue, minOffset, maxOffset } of stats) {
        for (let offset = minOffset; offset < maxOffset && !javaPub;) {
          const { messages, nextOffset } = await admin.readQueue(queue, offset, 32);
          for (const message of messages) {
            const pub = decodeTraceData(message.body.toString('utf8')).find(
              (c) => c.type === 'Pub' && c.beans[0]!.topic === topic,
            );
            if (pub) javaPub ??= { msgId: pub.beans[0]!.msgId, group: pub.groupName };
          }
          if (nextOffset <= offset) break;
          offset = nextOffset;
        }
      }
      if (!javaPub) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (!javaPub) {
      check('Java producer with msgTraceEnable writes Pub traces', 'no Pub trace of TracedTopic found', () => false);
      return;
    }
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(await admin.messageTrace(javaPub.msgId)).some((s) => s.type === 'SubAfter')) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const mqadminTrace = await javaAsync(
      'org.apache.rocketmq.tools.command.MQAdminStartup',
      ['queryMsgTraceById', '-i', javaPub.msgId, '-n', namesrvAddr],
      60,
    );
    check(
      'mqadmin queryMsgTraceById: the Java send and our consumption of one message',
      mqadminTrace,
      (o) => new RegExp(`^Pub\\s+${javaPub.group}`, 'm').test(o) && /^(SubAfter|Sub)\s+trace_readers/m.test(o),
      (o) => o.trim().split('\n').slice(0, 6).join(' | '),
    );
    const ours = await new Promise<string>((resolve) =>
      execFile(
        process.execPath,
        rocketnestArgs('admin', 'queryMsgTraceById', '-i', javaPub.msgId, '-n', namesrvAddr, '--json'),
        (_e, out) => resolve(out),
      ),
    );
    check('rocketnest admin queryMsgTraceById of a Java-sent message', ours, (o) => {
      const steps = JSON.parse(o) as { type: string; group: string }[];
      return (
        steps.some((s) => s.type === 'Pub' && s.group === javaPub.group) &&
        steps.some((s) => s.type === 'SubAfter' && s.group === 'trace_readers')
      );
    });
    check("our consumer read the Java producer's messages", String(consumed), () => consumed > 0);
  } finally {
    await consumer.shutdown();
    await admin.shutdown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
