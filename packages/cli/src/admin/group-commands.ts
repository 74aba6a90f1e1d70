import type { Command } from 'commander';
import { encodeJsonBody, RequestCode, ResponseCode, type ConnectionData } from '@rocketnest/protocol';
import { CommandFailed, runs, type AdminContext } from './admin-program.js';
import { brokerBody, brokerOrCluster, integer, optionalBrokerBody, parseTime, targetBrokers, text } from './targets.js';

interface ConsumerConnection {
  connectionSet: ConnectionData[];
  subscriptionTable: Record<string, { subString: string }>;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
}

/** Consumer and producer groups: configs, connections, running info, offsets. */
export function groupCommands(program: Command): void {
  runs(
    brokerOrCluster(
      program.command('updateSubGroup').description('Create or update a consumer group on brokers'),
      'the master',
    )
      .requiredOption('-g, --groupName <group>', 'the group')
      .option('-r, --retryMaxTimes <n>', 'failures before the dead-letter queue', '16')
      .option('-q, --retryQueueNums <n>', 'retry queues', '1')
      .option('-s, --consumeEnable <true|false>', 'may it consume', 'true')
      .option('-d, --consumeBroadcastEnable <true|false>', 'may it broadcast', 'true')
      .option(
        '-o, --consumeOrderly <true|false>',
        'FIFO group: its RocketMQ 5 (gRPC) consumers get messages in order',
        'false',
      ),
    async (context, options) => {
      const body = encodeJsonBody({
        groupName: text(options, 'groupName'),
        consumeEnable: options['consumeEnable'] !== 'false',
        consumeFromMinEnable: true,
        consumeBroadcastEnable: options['consumeBroadcastEnable'] !== 'false',
        retryQueueNums: integer(options, 'retryQueueNums', 1),
        retryMaxTimes: integer(options, 'retryMaxTimes', 16),
        brokerId: 0,
        whichBrokerWhenConsumeSlowly: 1,
        notifyConsumerIdsChangedEnable: true,
        consumeMessageOrderly: options['consumeOrderly'] === 'true',
      });
      for (const address of await targetBrokers(context, options)) {
        await context.admin.call(address, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body);
        context.output.line(`create subscription group to ${address} success`);
      }
    },
  );

  runs(
    brokerOrCluster(
      program.command('deleteSubGroup').description('Delete a consumer group from brokers'),
      'the master',
    ).requiredOption('-g, --groupName <group>', 'the group'),
    async (context, options) => {
      for (const address of await targetBrokers(context, options)) {
        await context.admin.call(address, RequestCode.DELETE_SUBSCRIPTIONGROUP, {
          groupName: text(options, 'groupName'),
        });
        context.output.line(`delete subscription group from ${address} success`);
      }
    },
  );

  runs(
    program
      .command('consumerConnection')
      .description("A group's live members, their client versions and subscriptions")
      .requiredOption('-g, --consumerGroup <group>', 'the group'),
    async (context, options) => {
      const connection = await groupConnection(context, text(options, 'consumerGroup'));
      if (context.output.json) return context.output.value(connection);
      context.output.table(
        ['clientId', 'address', 'language', 'version'],
        connection.connectionSet.map((c) => [c.clientId, c.clientAddr, c.language, c.version]),
      );
      context.output.table(
        ['topic', 'subscription'],
        Object.entries(connection.subscriptionTable).map(([topic, s]) => [topic, s.subString]),
      );
      context.output.line(`${connection.consumeType}, ${connection.messageModel}, ${connection.consumeFromWhere}`);
    },
  );

  runs(
    program
      .command('producerConnection')
      .description("A producer group's live members on a topic's brokers")
      .requiredOption('-g, --producerGroup <group>', 'the group')
      .requiredOption('-t, --topic <topic>', 'the topic'),
    async (context, options) => {
      const members = new Map<string, ConnectionData>();
      for (const broker of (await context.admin.topicRoute(text(options, 'topic'))).brokerDatas) {
        const address = broker.brokerAddrs['0'];
        if (!address) continue;
        const body = await optionalBrokerBody<{ connectionSet: ConnectionData[] }>(
          context,
          address,
          RequestCode.GET_PRODUCER_CONNECTION_LIST,
          { producerGroup: text(options, 'producerGroup') },
          [ResponseCode.SYSTEM_ERROR],
        );
        for (const connection of body?.connectionSet ?? []) members.set(connection.clientId, connection);
      }
      context.output.table(
        ['clientId', 'address', 'language', 'version'],
        [...members.values()].map((c) => [c.clientId, c.clientAddr, c.language, c.version]),
      );
    },
  );

  runs(
    program
      .command('consumerStatus')
      .description("Ask a group's members how they run (asked of each client through its broker)")
      .requiredOption('-g, --consumerGroup <group>', 'the group')
      .option('-i, --clientId <id>', 'only this member, in full')
      .option('-s, --jstackEnable', 'ask Java members for their thread stacks too'),
    async (context, options) => {
      const group = text(options, 'consumerGroup');
      const connection = await groupConnection(context, group);
      const address = await groupBroker(context, group);
      const wanted =
        typeof options['clientId'] === 'string'
          ? [options['clientId']]
          : connection.connectionSet.map((c) => c.clientId);
      const infos: Record<string, RunningInfo> = {};
      for (const clientId of wanted) {
        infos[clientId] = await brokerBody<RunningInfo>(context, address, RequestCode.GET_CONSUMER_RUNNING_INFO, {
          consumerGroup: group,
          clientId,
          jstackEnable: String(options['jstackEnable'] === true),
        });
      }
      if (context.output.json) return context.output.value(infos);
      if (typeof options['clientId'] === 'string') return printRunningInfo(context, infos[options['clientId']]!);
      context.output.table(
        ['clientId', 'version', 'subscriptions', 'queues', 'consumeOkTps', 'consumeFailedTps'],
        Object.entries(infos).map(([clientId, info]) => {
          const status = Object.values(info.statusTable ?? {});
          const sum = (field: 'consumeOKTPS' | 'consumeFailedTPS') =>
            status.reduce((s, x) => s + x[field], 0).toFixed(2);
          return [
            clientId,
            info.properties['PROP_CLIENT_VERSION'],
            info.subscriptionSet.map((s) => `${s.topic}:${s.subString}`).join(' '),
            Object.keys(info.mqTable ?? {}).length,
            sum('consumeOKTPS'),
            sum('consumeFailedTPS'),
          ];
        }),
      );
    },
  );

  runs(
    program
      .command('getConsumerConfig')
      .description("A group's config on every master that has it")
      .requiredOption('-g, --groupName <group>', 'the group'),
    async (context, options) => {
      const group = text(options, 'groupName');
      const configs: Record<string, unknown> = {};
      for (const address of await context.admin.masters()) {
        const table = await brokerBody<{ subscriptionGroupTable: Record<string, unknown> }>(
          context,
          address,
          RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
        );
        if (table.subscriptionGroupTable[group]) configs[address] = table.subscriptionGroupTable[group];
      }
      if (Object.keys(configs).length === 0) throw new CommandFailed(`no broker has a config for group ${group}`);
      if (context.output.json) return context.output.value(configs);
      for (const [address, config] of Object.entries(configs)) {
        context.output.line(`== ${address}`);
        context.output.pairs(config as Record<string, unknown>);
      }
    },
  );

  for (const [name, description] of [
    ['resetOffsetByTime', "Move a group's offsets on a topic to a time (running members start over from there)"],
    ['skipAccumulatedMessage', "Move a group's offsets on a topic to the end: skip what it has yet to consume"],
  ] as const) {
    const command = program
      .command(name)
      .description(description)
      .requiredOption('-g, --group <group>', 'the group')
      .requiredOption('-t, --topic <topic>', 'the topic');
    if (name === 'resetOffsetByTime') {
      command
        .requiredOption('-s, --timestamp <time>', 'now, ms since the epoch, or yyyy-MM-ddTHH:mm:ss')
        .option('-f, --force <true|false>', 'move forward too, not only back', 'true');
    }
    runs(command, async ({ admin, output }, options) => {
      const group = text(options, 'group');
      const topic = text(options, 'topic');
      const timestamp = name === 'skipAccumulatedMessage' ? 'latest' : parseTime(text(options, 'timestamp'));
      const progress = output.progress(`resetting ${group}`, 1);
      const reset = await admin.resetOffsetByTimestamp(group, topic, timestamp, options['force'] !== 'false');
      progress.tick(topic, 1);
      progress.stop();
      output.table(
        ['broker', 'queue', 'offset'],
        reset.map((r) => [r.queue.brokerName, r.queue.queueId, r.offset]),
      );
    });
  }

  runs(
    program
      .command('cloneGroupOffset')
      .description("Copy one group's offsets of a topic to another group")
      .requiredOption('-s, --srcGroup <group>', 'from this group')
      .requiredOption('-d, --destGroup <group>', 'to this group')
      .requiredOption('-t, --topic <topic>', 'the topic')
      .option('-o, --offline <true|false>', 'the destination group is not running', 'false'),
    async (context, options) => {
      for (const broker of (await context.admin.topicRoute(text(options, 'topic'))).brokerDatas) {
        const address = broker.brokerAddrs['0'];
        if (!address) continue;
        await context.admin.call(address, RequestCode.CLONE_GROUP_OFFSET, {
          srcGroup: text(options, 'srcGroup'),
          destGroup: text(options, 'destGroup'),
          topic: text(options, 'topic'),
          offline: String(options['offline'] === 'true'),
        });
        context.output.line(`clone group offset success on ${address}`);
      }
    },
  );
}

interface RunningInfo {
  properties: Record<string, string>;
  subscriptionSet: { topic: string; subString: string }[];
  mqTable?: Record<string, { commitOffset: number; cachedMsgCount: number }>;
  statusTable?: Record<string, { consumeOKTPS: number; consumeFailedTPS: number; pullTPS: number; consumeRT: number }>;
  jstack?: string;
}

function printRunningInfo({ output }: AdminContext, info: RunningInfo): void {
  output.pairs(info.properties);
  output.table(
    ['topic', 'subscription'],
    info.subscriptionSet.map((s) => [s.topic, s.subString]),
  );
  output.table(
    ['topic', 'broker', 'queue', 'commitOffset', 'held'],
    Object.entries(info.mqTable ?? {}).map(([key, held]) => {
      const queue = JSON.parse(key) as { topic: string; brokerName: string; queueId: number };
      return [queue.topic, queue.brokerName, queue.queueId, held.commitOffset, held.cachedMsgCount];
    }),
  );
  output.table(
    ['topic', 'pullTps', 'consumeRtMs', 'consumeOkTps', 'consumeFailedTps'],
    Object.entries(info.statusTable ?? {}).map(([topic, s]) => [
      topic,
      s.pullTPS.toFixed(2),
      s.consumeRT.toFixed(2),
      s.consumeOKTPS.toFixed(2),
      s.consumeFailedTPS.toFixed(2),
    ]),
  );
  if (info.jstack) output.line(info.jstack);
}

/** The group's connections as the broker of its retry topic knows them (mqadmin asks the same). */
async function groupConnection(context: AdminContext, group: string): Promise<ConsumerConnection> {
  const address = await groupBroker(context, group);
  const connection = await optionalBrokerBody<ConsumerConnection>(
    context,
    address,
    RequestCode.GET_CONSUMER_CONNECTION_LIST,
    { consumerGroup: group },
    [ResponseCode.CONSUMER_NOT_ONLINE],
  );
  if (!connection) throw new CommandFailed(`the consumer group ${group} is not online`);
  return connection;
}

/** A master that serves the group's retry topic, where every member of the group heartbeats. */
async function groupBroker({ admin }: AdminContext, group: string): Promise<string> {
  const route = await admin.topicRoute(`%RETRY%${group}`).catch(() => undefined);
  const address =
    route?.brokerDatas.map((broker) => broker.brokerAddrs['0']).find((a) => a !== undefined) ??
    (await admin.masters())[0];
  if (!address) throw new CommandFailed(`no broker serves group ${group}`);
  return address;
}
