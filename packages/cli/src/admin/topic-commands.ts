import type { Command } from 'commander';
import { allocateAveragely, type Admin, type MessageQueue } from '@rocketnest/client';
import { createRequest, Perm, RequestCode, ResponseCode, type TopicList } from '@rocketnest/protocol';
import { CommandFailed, runs, UsageError } from './admin-program.js';
import { brokerOrCluster, eachNamesrv, integer, targetBrokers, text } from './targets.js';

/** The KV namespace RocketMQ keeps each ordered topic's brokerName:queues list in. */
const ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

/** Topics: list, route, status, create, update, delete, permissions, order conf, allocation. */
export function topicCommands(program: Command): void {
  runs(
    program
      .command('topicList')
      .description('Every topic the NameServer knows (of one cluster with -c)')
      .option('-c, --clusterName <name>', 'only the topics of this cluster'),
    async ({ admin, output }, options) => {
      const cluster = typeof options['clusterName'] === 'string' ? options['clusterName'] : undefined;
      const topics = cluster
        ? (await admin.namesrvBody<TopicList>(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster })).topicList
        : await admin.topicList();
      output.table(
        ['topic'],
        topics.sort().map((topic) => [topic]),
      );
    },
  );

  runs(
    program
      .command('topicRoute')
      .description("A topic's brokers and queues")
      .requiredOption('-t, --topic <topic>', 'the topic'),
    async ({ admin, output }, options) => {
      const route = await admin.topicRoute(text(options, 'topic'));
      if (output.json) return output.value(route);
      const addresses = new Map(route.brokerDatas.map((broker) => [broker.brokerName, broker]));
      output.table(
        ['broker', 'cluster', 'addresses', 'readQueues', 'writeQueues', 'perm'],
        route.queueDatas.map((queues) => [
          queues.brokerName,
          addresses.get(queues.brokerName)?.cluster,
          Object.entries(addresses.get(queues.brokerName)?.brokerAddrs ?? {})
            .map(([id, address]) => `${id}=${address}`)
            .join(' '),
          queues.readQueueNums,
          queues.writeQueueNums,
          permText(queues.perm),
        ]),
      );
    },
  );

  runs(
    program
      .command('topicStatus')
      .description("Each queue's min and max offsets and last store time")
      .requiredOption('-t, --topic <topic>', 'the topic'),
    async ({ admin, output }, options) => {
      const stats = await admin.topicStats(text(options, 'topic'));
      output.table(
        ['broker', 'queue', 'minOffset', 'maxOffset', 'lastUpdated'],
        stats.map((s) => [s.queue.brokerName, s.queue.queueId, s.minOffset, s.maxOffset, time(s.lastUpdateTimestamp)]),
      );
    },
  );

  runs(
    program
      .command('topicClusterList')
      .description('The clusters that serve a topic')
      .requiredOption('-t, --topic <topic>', 'the topic'),
    async ({ admin, output }, options) => {
      const clusters = new Set(
        (await admin.topicRoute(text(options, 'topic'))).brokerDatas.map((broker) => broker.cluster),
      );
      output.table(
        ['cluster'],
        [...clusters].map((cluster) => [cluster]),
      );
    },
  );

  runs(
    brokerOrCluster(program.command('updateTopic').description('Create or update a topic on brokers'), 'the master')
      .requiredOption('-t, --topic <topic>', 'the topic')
      .option('-r, --readQueueNums <n>', 'read queues per broker', '8')
      .option('-w, --writeQueueNums <n>', 'write queues per broker', '8')
      .option('-p, --perm <perm>', 'permission bits: 2 write, 4 read, 6 both', '6')
      .option('-o, --order <true|false>', 'an ordered topic: its order conf goes to the NameServers', 'false'),
    async (context, options) => {
      const topic = text(options, 'topic');
      const [read, write, perm] = [
        integer(options, 'readQueueNums', 8),
        integer(options, 'writeQueueNums', 8),
        integer(options, 'perm', 6),
      ];
      const order = options['order'] === 'true';
      const brokers = await targetBrokers(context, options);
      for (const address of brokers) {
        await createTopicAt(context.admin, address, topic, read, write, perm, order);
        context.output.line(`create topic to ${address} success`);
      }
      if (order) {
        const names = await brokerNames(context.admin, brokers);
        const orderConf = names.map((name) => `${name}:${write}`).join(';');
        await eachNamesrv(context, RequestCode.PUT_KV_CONFIG, {
          namespace: ORDER_TOPIC_CONFIG,
          key: topic,
          value: orderConf,
        });
        context.output.line(`set cluster orderConf: ${orderConf}`);
      }
    },
  );

  runs(
    program
      .command('deleteTopic')
      .description('Delete a topic from the brokers and the NameServers')
      .requiredOption('-t, --topic <topic>', 'the topic')
      .option('-c, --clusterName <name>', 'only from this cluster'),
    async ({ admin, output }, options) => {
      const topic = text(options, 'topic');
      await admin.deleteTopic(topic, typeof options['clusterName'] === 'string' ? options['clusterName'] : undefined);
      output.line(`delete topic [${topic}] from cluster and NameServer success`);
    },
  );

  runs(
    brokerOrCluster(
      program.command('updateTopicPerm').description("Change a topic's permission on its brokers"),
      'the master',
    )
      .requiredOption('-t, --topic <topic>', 'the topic')
      .requiredOption('-p, --perm <perm>', 'permission bits: 2 write, 4 read, 6 both'),
    async (context, options) => {
      const topic = text(options, 'topic');
      const perm = integer(options, 'perm', 6);
      if (![2, 4, 6].includes(perm)) throw new UsageError(`--perm must be 2, 4 or 6, got ${perm}`);
      const route = await context.admin.topicRoute(topic);
      const wanted = new Set(await targetBrokers(context, options));
      for (const broker of route.brokerDatas) {
        const address = broker.brokerAddrs['0'];
        const queues = route.queueDatas.find((q) => q.brokerName === broker.brokerName);
        if (!address || !queues || !wanted.has(address)) continue;
        await createTopicAt(context.admin, address, topic, queues.readQueueNums, queues.writeQueueNums, perm, false);
        context.output.line(
          `update topic perm from ${permText(queues.perm)} to ${permText(perm)} in ${address} success`,
        );
      }
    },
  );

  runs(
    program
      .command('updateOrderConf')
      .description("Put, get or delete an ordered topic's brokerName:queues list in the NameServers")
      .requiredOption('-t, --topic <topic>', 'the topic')
      .requiredOption('-m, --method <put|get|delete>', 'what to do')
      .option('-v, --orderConf <conf>', 'brokerName1:num;brokerName2:num (for put)'),
    async (context, options) => {
      const topic = text(options, 'topic');
      const method = text(options, 'method');
      const key = { namespace: ORDER_TOPIC_CONFIG, key: topic };
      if (method === 'put') {
        const value = text(options, 'orderConf');
        await eachNamesrv(context, RequestCode.PUT_KV_CONFIG, { ...key, value });
        context.output.line(`update orderConf success. topic=[${topic}], orderConf=[${value}]`);
      } else if (method === 'get') {
        const namesrv = context.namesrvAddrs[0]!;
        const response = await context.admin.instance.remoting.invoke(
          namesrv,
          createRequest(RequestCode.GET_KV_CONFIG, { extFields: key }),
        );
        if (response.code === ResponseCode.QUERY_NOT_FOUND) throw new CommandFailed(`topic ${topic} has no order conf`);
        const value = response.extFields['value'] ?? '';
        context.output.line(`get orderConf success. topic=[${topic}], orderConf=[${value}]`, {
          topic,
          orderConf: value,
        });
      } else if (method === 'delete') {
        await eachNamesrv(context, RequestCode.DELETE_KV_CONFIG, key);
        context.output.line(`delete orderConf success. topic=[${topic}]`);
      } else throw new UsageError(`--method must be put, get or delete, got "${method}"`);
    },
  );

  runs(
    program
      .command('allocateMQ')
      .description("How a group's members would share a topic's queues (averagely)")
      .requiredOption('-t, --topic <topic>', 'the topic')
      .requiredOption('-i, --ipList <ids>', 'member client ids, comma separated'),
    async ({ admin, output }, options) => {
      const topic = text(options, 'topic');
      const route = await admin.topicRoute(topic);
      const queues: MessageQueue[] = route.queueDatas.flatMap((q) =>
        Array.from({ length: q.readQueueNums }, (_, queueId) => ({ topic, brokerName: q.brokerName, queueId })),
      );
      const ids = text(options, 'ipList').split(',');
      const shares = ids.map((id) => [id, allocateAveragely('', id, queues, ids)] as const);
      if (output.json) return output.value(Object.fromEntries(shares));
      output.table(
        ['client', 'queues'],
        shares.map(([id, mine]) => [id, mine.map((q) => `${q.brokerName}:${q.queueId}`).join(' ')]),
      );
    },
  );
}

async function createTopicAt(
  admin: Admin,
  address: string,
  topic: string,
  read: number,
  write: number,
  perm: number,
  order: boolean,
): Promise<void> {
  await admin.call(address, RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic,
    defaultTopic: 'TBW102',
    readQueueNums: String(read),
    writeQueueNums: String(write),
    perm: String(perm),
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: '0',
    order: String(order),
  });
}

async function brokerNames(admin: Admin, addresses: string[]): Promise<string[]> {
  const info = await admin.clusterInfo();
  return Object.values(info.brokerAddrTable)
    .filter((broker) => addresses.includes(broker.brokerAddrs['0'] ?? ''))
    .map((broker) => broker.brokerName);
}

function permText(perm: number): string {
  return `${perm & Perm.READ ? 'R' : '-'}${perm & Perm.WRITE ? 'W' : '-'}`;
}

export function time(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString() : '';
}
