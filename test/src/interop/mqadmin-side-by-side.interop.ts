/**
 * npm run test:interop: the mqadmin 4.9.4 commands of issue 29 that read or change a running
 * cluster, and our `rocketnest admin`'s, run against Apache RocketMQ 4.9.4 and against RocketNest set up alike (a topic, twelve
 * messages, a producer and a push consumer of ours online). Each check must pass on both, so what
 * it expects is what Apache's cluster makes mqadmin print. With --out dir, both outputs of every
 * command are written there (name.apache.txt, name.rocketnest.txt) to read side by side.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '@rocketnest/common';
import { Admin, Producer, PushConsumer, type SendResult } from '@rocketnest/client';
import { rocketnestArgs } from '../support/cli.js';
import { javaAsync } from '../support/java-tools.js';
import { RocketnestProcess } from '../support/local-cluster.js';
import { freePort } from '../support/ports.js';
import {
  brokerConf,
  rerunInNetns,
  startApacheBroker,
  startApacheNamesrv,
  stopServer,
} from '../support/real-rocketmq.js';

const TOPIC = 'CmpTopic';
const GROUP = 'cmp_group';
const MESSAGES = 12;

interface Cluster {
  name: 'apache' | 'rocketnest';
  namesrv: string;
  broker: string;
}

/** What a command's arguments and check may use: the cluster and what the setup left in it. */
interface Context {
  cluster: Cluster;
  consumerId: string;
  first: SendResult;
}

interface Command {
  name: string;
  /** Apache's mqadmin (the default) or our `rocketnest admin ... --json`. */
  tool?: 'mqadmin' | 'rocketnest';
  args: (context: Context) => string[];
  check: (output: string, context: Context) => boolean;
  /** clusterRT never ends by itself: it is stopped after this long, having printed its rounds. */
  seconds?: number;
}

const noException = (o: string) => !/Exception|command failed/.test(o);

/** In the order they run: those that read, then those that move offsets or change permissions. */
const COMMANDS: Command[] = [
  {
    name: 'consumerStatus',
    args: () => ['consumerStatus', '-g', GROUP],
    check: (o, c) =>
      o.includes(c.consumerId) && /Same subscription in the same group of consumer/.test(o) && noException(o),
  },
  {
    name: 'consumerStatus-client',
    args: (c) => ['consumerStatus', '-g', GROUP, '-i', c.consumerId],
    check: (o) =>
      [
        '#Consumer Properties#',
        '#Consumer Subscription#',
        '#Consumer Offset#',
        'PROP_CONSUME_TYPE',
        'CONSUME_PASSIVELY',
      ].every((s) => o.includes(s)) &&
      new RegExp(`Topic: ${TOPIC}\\s+ClassFilter: false\\s+SubExpression: TagA \\|\\| TagB`).test(o),
  },
  {
    name: 'queryMsgById-consumeDirectly',
    args: (c) => ['queryMsgById', '-i', c.first.offsetMsgId, '-g', GROUP, '-d', c.consumerId],
    check: (o) => /ConsumeMessageDirectlyResult \[order=false, autoCommit=true, consumeResult=CR_SUCCESS/.test(o),
  },
  {
    name: 'queryMsgByUniqueKey',
    args: (c) => ['queryMsgByUniqueKey', '-t', TOPIC, '-i', c.first.msgId],
    check: (o) => o.includes(`Topic:               ${TOPIC}`) && o.includes('Keys:                [key-0]'),
  },
  {
    name: 'queryMsgByOffset',
    args: () => ['queryMsgByOffset', '-t', TOPIC, '-b', 'broker-a', '-i', '0', '-o', '0'],
    check: (o) => o.includes(`Topic:               ${TOPIC}`) && /Queue Offset:\s+0\n/.test(o),
  },
  {
    name: 'printMsg',
    args: () => ['printMsg', '-t', TOPIC],
    check: (o) => (o.match(/^MSGID: /gm) ?? []).length === MESSAGES,
  },
  {
    name: 'printMsgByQueue',
    args: () => ['printMsgByQueue', '-t', TOPIC, '-a', 'broker-a', '-i', '1', '-p', 'true'],
    check: (o) => /^MSGID: [0-9A-F]{32} MessageExt \[brokerName=broker-a, queueId=1/m.test(o) && noException(o),
  },
  {
    name: 'consumeMessage',
    args: () => ['consumeMessage', '-t', TOPIC, '-b', 'broker-a', '-i', '1', '-o', '0', '-c', '2'],
    check: (o) => o.includes('Consume ok') && /^MSGID: /m.test(o),
  },
  {
    name: 'statsAll',
    args: () => ['statsAll'],
    // The twelve messages came in and the group read them within the last minute: Apache counts
    // only that minute until its first ten-minute sample, and samples every 10 s, so this runs
    // some 20 s after the setup.
    check: (o) => {
      const row = new RegExp(`^${TOPIC}\\s+${GROUP}\\s+\\d+\\s+[\\d.]+\\s+[\\d.]+\\s+(\\d+)\\s+(\\d+)`, 'm').exec(o);
      return row !== null && Number(row[1]) === MESSAGES && Number(row[2]) >= MESSAGES;
    },
  },
  // Our `rocketnest admin`, on both clusters, read as JSON.
  {
    name: 'rocketnest admin clusterList',
    tool: 'rocketnest',
    args: () => ['clusterList'],
    check: (o, c) => {
      const [broker] = JSON.parse(o) as { address: string; role: string; version: string }[];
      return broker?.address === c.cluster.broker && /MASTER/.test(broker.role) && /^V4_9_/.test(broker.version);
    },
  },
  {
    name: 'rocketnest admin topicStatus',
    tool: 'rocketnest',
    args: () => ['topicStatus', '-t', TOPIC],
    check: (o) => (JSON.parse(o) as { maxOffset: number }[]).reduce((sum, q) => sum + q.maxOffset, 0) === MESSAGES,
  },
  {
    name: 'rocketnest admin consumerProgress',
    tool: 'rocketnest',
    args: () => ['consumerProgress', '-g', GROUP, '-t', TOPIC],
    check: (o) => {
      const queues = JSON.parse(o) as { consumerOffset: number; lag: number }[];
      return (
        queues.length > 0 &&
        queues.every((q) => q.lag === 0) &&
        queues.reduce((s, q) => s + q.consumerOffset, 0) === MESSAGES
      );
    },
  },
  {
    name: 'rocketnest admin consumerStatus',
    tool: 'rocketnest',
    args: () => ['consumerStatus', '-g', GROUP],
    check: (o, c) =>
      (JSON.parse(o) as Record<string, { properties: Record<string, string> }>)[c.consumerId]?.properties[
        'PROP_CONSUME_TYPE'
      ] === 'CONSUME_PASSIVELY',
  },
  {
    name: 'rocketnest admin statsAll',
    tool: 'rocketnest',
    args: () => ['statsAll', '-t', TOPIC],
    check: (o) =>
      (JSON.parse(o) as { group: string; in24h: number; out24h: number }[]).some(
        (row) => row.group === GROUP && row.in24h === MESSAGES && row.out24h >= MESSAGES,
      ),
  },
  {
    name: 'rocketnest admin printMsg',
    tool: 'rocketnest',
    args: () => ['printMsg', '-t', TOPIC],
    check: (o) => (JSON.parse(o) as { body: string }[]).filter((m) => /^\{"n":\d+\}$/.test(m.body)).length === MESSAGES,
  },
  {
    name: 'rocketnest admin queryMsgById',
    tool: 'rocketnest',
    args: (c) => ['queryMsgById', '-i', c.first.offsetMsgId],
    check: (o, c) => {
      const message = JSON.parse(o) as { msgId: string; topic: string; keys: string };
      return message.msgId === c.first.msgId && message.topic === TOPIC && message.keys === 'key-0';
    },
  },
  {
    name: 'rocketnest admin queryMsgByKey',
    tool: 'rocketnest',
    args: () => ['queryMsgByKey', '-t', TOPIC, '-k', 'key-1'],
    check: (o) => (JSON.parse(o) as unknown[]).length === 1,
  },
  {
    name: 'rocketnest admin queryCq',
    tool: 'rocketnest',
    args: () => ['queryCq', '-t', TOPIC, '-q', '1', '-i', '0', '-c', '2'],
    check: (o) =>
      ((JSON.parse(o) as { queueData?: { physicSize: number }[] }).queueData ?? []).every((e) => e.physicSize > 100),
  },
  {
    name: 'rocketnest admin getBrokerConfig',
    tool: 'rocketnest',
    args: (c) => ['getBrokerConfig', '-b', c.cluster.broker],
    check: (o, c) =>
      (JSON.parse(o) as Record<string, Record<string, string>>)[c.cluster.broker]?.['brokerName'] === 'broker-a',
  },
  {
    name: 'rocketnest admin allocateMQ',
    tool: 'rocketnest',
    args: () => ['allocateMQ', '-t', TOPIC, '-i', 'a@1,b@2'],
    check: (o) => {
      const shares = JSON.parse(o) as Record<string, unknown[]>;
      return shares['a@1']!.length > 0 && shares['a@1']!.length === shares['b@2']!.length;
    },
  },
  {
    name: 'queryCq',
    args: () => ['queryCq', '-t', TOPIC, '-q', '1', '-i', '0', '-c', '2', '-g', GROUP],
    check: (o) =>
      /max: \d+, min: 0/.test(o) &&
      /ConsumeQueueData\{physicOffset=\d+, physicSize=\d+, tagsCode=\d+/.test(o) &&
      /Filter data: \nnull\n/.test(o) &&
      o.includes('"subString":"TagA || TagB"'),
  },
  {
    name: 'getConsumerConfig',
    args: () => ['getConsumerConfig', '-g', GROUP],
    check: (o) => new RegExp(`groupName\\s+=\\s+${GROUP}`).test(o) && /retryMaxTimes\s+=\s+16/.test(o),
  },
  {
    name: 'allocateMQ',
    args: () => ['allocateMQ', '-t', TOPIC, '-i', '10.0.0.1@1,10.0.0.2@2'],
    check: (o) => {
      const json = o.slice(o.indexOf('{'));
      const result = (JSON.parse(json) as { result: Record<string, { queueId: number }[]> }).result;
      return result['10.0.0.1@1']!.length === result['10.0.0.2@2']!.length;
    },
  },
  {
    name: 'producer',
    args: (c) => ['producer', '-b', c.cluster.broker],
    check: (o) =>
      /^producer group \(cmp_producer\) instance : clientId=\S+@\d+-\d+,remoteIP=\/127\.0\.0\.1:\d+, language=JAVA/m.test(
        o,
      ),
  },
  {
    name: 'sendMsgStatus',
    args: () => ['sendMsgStatus', '-b', 'broker-a', '-s', '128', '-c', '3'],
    check: (o) => (o.match(/sendStatus=SEND_OK/g) ?? []).length === 3,
  },
  {
    name: 'checkMsgSendRT',
    args: () => ['checkMsgSendRT', '-t', TOPIC, '-a', '4', '-s', '64'],
    check: (o) => (o.match(/^broker-a\s+\d+\s+true\s+\d+/gm) ?? []).length === 4 && /Avg RT: \d/.test(o),
  },
  {
    name: 'clusterRT',
    args: () => ['clusterRT', '-a', '2', '-s', '64', '-i', '1'],
    check: (o) => /DefaultCluster\s+broker-a\s+\d+\.\d\d\s+2\s+0/.test(o),
    seconds: 8,
  },
  {
    name: 'updateOrderConf-put',
    args: () => ['updateOrderConf', '-t', TOPIC, '-v', 'broker-a:4', '-m', 'put'],
    check: (o) => /update orderConf success/.test(o),
  },
  {
    name: 'updateOrderConf-get',
    args: () => ['updateOrderConf', '-t', TOPIC, '-m', 'get'],
    check: (o) => /get orderConf success.*broker-a:4/.test(o),
  },
  {
    name: 'updateOrderConf-delete',
    args: () => ['updateOrderConf', '-t', TOPIC, '-m', 'delete'],
    check: (o) => /delete orderConf success/.test(o),
  },
  {
    name: 'resetOffsetByTime',
    args: () => ['resetOffsetByTime', '-g', GROUP, '-t', TOPIC, '-s', '0'],
    // Back to the start of every queue.
    check: (o) => /rollback consumer offset/.test(o) && /^broker-a\s+\d+\s+0\s*$/m.test(o) && noException(o),
  },
  {
    name: 'skipAccumulatedMessage',
    args: () => ['skipAccumulatedMessage', '-g', GROUP, '-t', TOPIC],
    check: (o) => /#brokerName\s+#queueId\s+#offset/.test(o) && /^broker-a\s+\d+\s+[1-9]\d*\s*$/m.test(o),
  },
  {
    name: 'rocketnest admin resetOffsetByTime',
    tool: 'rocketnest',
    args: () => ['resetOffsetByTime', '-g', GROUP, '-t', TOPIC, '-s', '0'],
    check: (o) => {
      const reset = JSON.parse(o) as { offset: number }[];
      return reset.length > 0 && reset.every((row) => row.offset === 0);
    },
  },
  {
    name: 'topicClusterList',
    args: () => ['topicClusterList', '-t', TOPIC],
    check: (o) => /^DefaultCluster\s*$/m.test(o),
  },
  {
    name: 'consumerConnection',
    args: () => ['consumerConnection', '-g', GROUP],
    check: (o, c) => o.includes(c.consumerId) && o.includes('ConsumeType: CONSUME_PASSIVELY'),
  },
  {
    name: 'updateTopicPerm',
    args: () => ['updateTopicPerm', '-t', TOPIC, '-c', 'DefaultCluster', '-p', '4'],
    check: (o) => /update topic perm from 6 to 4 in \S+ success/.test(o),
  },
  {
    name: 'updateTopicPerm-back',
    args: () => ['updateTopicPerm', '-t', TOPIC, '-c', 'DefaultCluster', '-p', '6'],
    check: (o) => /update topic perm from 4 to 6 in \S+ success/.test(o),
  },
  {
    name: 'updateSubGroup',
    args: () => ['updateSubGroup', '-g', 'cmp_other', '-c', 'DefaultCluster', '-r', '3'],
    check: (o) => /create subscription group to \S+ success/.test(o),
  },
  {
    name: 'deleteSubGroup',
    args: () => ['deleteSubGroup', '-g', 'cmp_other', '-c', 'DefaultCluster'],
    check: (o) =>
      /delete subscription group \[cmp_other\] from broker \[\S+\] in cluster \[DefaultCluster\] success/.test(o),
  },
  {
    name: 'updateKvConfig',
    args: () => ['updateKvConfig', '-s', 'cmp_namespace', '-k', 'cmp_key', '-v', 'cmp_value'],
    check: (o) => /create or update kv config to namespace success/.test(o),
  },
  {
    name: 'deleteKvConfig',
    args: () => ['deleteKvConfig', '-s', 'cmp_namespace', '-k', 'cmp_key'],
    check: (o) => /delete kv config from namespace success/.test(o),
  },
  {
    name: 'updateTopic-to-delete',
    args: () => ['updateTopic', '-t', 'CmpDoomed', '-c', 'DefaultCluster'],
    check: (o) => /create topic to \S+ success/.test(o),
  },
  {
    name: 'deleteTopic',
    args: () => ['deleteTopic', '-t', 'CmpDoomed', '-c', 'DefaultCluster'],
    check: (o) =>
      /delete topic \[CmpDoomed\] from cluster \[DefaultCluster\] success/.test(o) &&
      /delete topic \[CmpDoomed\] from NameServer success/.test(o),
  },
  {
    name: 'startMonitoring',
    args: () => ['startMonitoring'],
    // It watches the cluster until stopped: it runs a few seconds without failing.
    check: (o) => !/Exception|command failed/.test(o),
    seconds: 6,
  },
  {
    name: 'wipeWritePerm',
    args: () => ['wipeWritePerm', '-b', 'broker-a'],
    check: (o, c) => o.includes(`wipe write perm of broker[broker-a] in name server[${c.cluster.namesrv}] OK`),
  },
  {
    name: 'addWritePerm',
    args: () => ['addWritePerm', '-b', 'broker-a'],
    check: (o, c) => o.includes(`add write perm of broker[broker-a] in name server[${c.cluster.namesrv}] OK`),
  },
];

async function prepare(cluster: Cluster): Promise<{ context: Context; stop: () => Promise<void> }> {
  const options = { namesrvAddr: cluster.namesrv, logger: silentLogger };
  const admin = new Admin(options);
  await admin.createTopic(TOPIC, { queueNums: 4 });
  await admin.shutdown();
  const producer = new Producer({ ...options, producerGroup: 'cmp_producer' });
  await producer.start();
  const sent: SendResult[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    sent.push(
      await producer.send({ topic: TOPIC, body: `{"n":${i}}`, tags: i % 2 ? 'TagA' : 'TagB', keys: [`key-${i}`] }),
    );
  }
  let consumed = 0;
  const consumer = new PushConsumer({
    ...options,
    consumerGroup: GROUP,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    persistConsumerOffsetInterval: 1000,
  })
    .subscribe(TOPIC, 'TagA || TagB')
    .onMessage((messages) => {
      consumed += messages.length;
    });
  await consumer.start();
  const deadline = Date.now() + 60_000;
  while (consumed < MESSAGES && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  // Every queue's offset committed, which Apache's broker needs to reset the group's offsets.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return {
    context: { cluster, consumerId: consumer.instance.clientId, first: sent[0]! },
    stop: async () => {
      await consumer.shutdown();
      await producer.shutdown();
    },
  };
}

/** `rocketnest admin ...args` in a process of its own; what it printed (stdout, then stderr). */
function rocketnestAdmin(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, rocketnestArgs('admin', ...args), (_error, stdout, stderr) =>
      resolve(`${stdout}${stderr}`),
    );
  });
}

async function runCommands(
  cluster: Cluster,
  outDir: string | undefined,
  workDir: string,
): Promise<Map<string, boolean>> {
  const { context, stop } = await prepare(cluster);
  const results = new Map<string, boolean>();
  try {
    for (const command of COMMANDS) {
      const args = [...command.args(context), '-n', cluster.namesrv];
      const output =
        command.tool === 'rocketnest'
          ? await rocketnestAdmin([...args, '--json'])
          : await javaAsync('org.apache.rocketmq.tools.command.MQAdminStartup', args, command.seconds ?? 60, {
              cwd: workDir,
            });
      let ok: boolean;
      try {
        ok = command.check(output, context);
      } catch {
        ok = false; // not the JSON expected
      }
      results.set(command.name, ok);
      if (outDir)
        writeFileSync(
          join(outDir, `${command.name.replace(/ /g, '-')}.${cluster.name}.txt`),
          `$ ${command.tool === 'rocketnest' ? 'rocketnest admin' : 'mqadmin'} ${args.join(' ')}\n${output}`,
        );
      if (!ok) console.log(`--- ${command.name} on ${cluster.name} printed:\n${output}`);
    }
  } finally {
    await stop();
  }
  return results;
}

async function main(): Promise<number> {
  const outside = rerunInNetns(import.meta.url);
  if (outside !== undefined) return outside;
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  if (values.out) mkdirSync(values.out, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'rocketnest-side-by-side-'));
  const results: Record<Cluster['name'], Map<string, boolean>> = { apache: new Map(), rocketnest: new Map() };
  try {
    writeFileSync(join(dir, 'namesrv.properties'), 'listenPort=9876\n');
    writeFileSync(join(dir, 'broker.conf'), brokerConf(join(dir, 'apache-store')));
    const apacheNamesrv = await startApacheNamesrv(join(dir, 'namesrv.properties'));
    const { server: apacheBroker } = await startApacheBroker(join(dir, 'broker.conf'));
    try {
      results.apache = await runCommands(
        { name: 'apache', namesrv: '127.0.0.1:9876', broker: '127.0.0.1:10911' },
        values.out,
        dir,
      );
    } finally {
      await stopServer(apacheBroker);
      await stopServer(apacheNamesrv);
    }
    const [namesrvPort, brokerPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'rn-namesrv.properties'), `listenPort=${namesrvPort}\nbindAddress=127.0.0.1\n`);
    writeFileSync(
      join(dir, 'rn-broker.conf'),
      `brokerName=broker-a\nbrokerIP1=127.0.0.1\nbindAddress=127.0.0.1\nlistenPort=${brokerPort}\nstorePathRootDir=${join(dir, 'rn-store')}\n`,
    );
    const namesrvAddr = `127.0.0.1:${namesrvPort}`;
    const namesrv = await RocketnestProcess.start(['namesrv', '-c', join(dir, 'rn-namesrv.properties')]);
    const broker = await RocketnestProcess.start(['broker', '-n', namesrvAddr, '-c', join(dir, 'rn-broker.conf')]);
    try {
      results.rocketnest = await runCommands(
        { name: 'rocketnest', namesrv: namesrvAddr, broker: `127.0.0.1:${brokerPort}` },
        values.out,
        dir,
      );
    } finally {
      await broker.stop();
      await namesrv.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let failed = 0;
  console.log(`\n${'command'.padEnd(40)} ${'Apache RocketMQ 4.9.4'.padEnd(24)} RocketNest`);
  for (const command of COMMANDS) {
    const [apache, ours] = [results.apache.get(command.name), results.rocketnest.get(command.name)];
    if (!apache || !ours) failed++;
    const word = (ok: boolean | undefined) => (ok ? 'PASS' : 'FAIL');
    console.log(`${command.name.padEnd(40)} ${word(apache).padEnd(24)} ${word(ours)}`);
  }
  console.log(`\n${COMMANDS.length - failed} of ${COMMANDS.length} commands passed on both`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
