import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { MQBrokerError } from '@rocketnest/client';
import { RequestCode, ResponseCode } from '@rocketnest/protocol';
import { CommandFailed, runs, type AdminContext } from './admin-program.js';
import { brokerBody, integer, optionalBrokerBody, text } from './targets.js';
import { time } from './topic-commands.js';

/** Lag and traffic: a group's progress (and waiting for it to drain), a broker's groups, every topic's figures. */
export function statsCommands(program: Command): void {
  runs(
    program
      .command('consumerProgress')
      .description("A group's offsets, lag and consume TPS per queue; with --wait-drain, wait until it has caught up")
      .requiredOption('-g, --groupName <group>', 'the group')
      .option('-t, --topic <topic>', 'only this topic')
      .option('--wait-drain', 'wait until the lag is 0, showing how far it got')
      .option('--timeout <seconds>', 'give up waiting after this long (exit code 1)', '600'),
    async ({ admin, output }, options) => {
      const group = text(options, 'groupName');
      const topic = typeof options['topic'] === 'string' ? options['topic'] : undefined;
      let stats = await admin.consumeStats(group, topic);
      if (options['waitDrain'] === true) {
        const lag = () => stats.queues.reduce((sum, q) => sum + q.lag, 0);
        const initial = lag();
        const deadline = Date.now() + integer(options, 'timeout', 600) * 1000;
        const progress = output.progress(`draining ${group}`, initial);
        while (lag() > 0 && Date.now() < deadline) {
          await sleep(1000);
          stats = await admin.consumeStats(group, topic);
          progress.tick(`lag ${lag()}`, Math.max(0, initial - lag()));
        }
        progress.stop();
        if (lag() > 0) throw new CommandFailed(`${group} still lags ${lag()} messages after --timeout`);
      }
      output.table(
        ['topic', 'broker', 'queue', 'brokerOffset', 'consumerOffset', 'lag', 'lastConsumed'],
        stats.queues.map((q) => [
          q.queue.topic,
          q.queue.brokerName,
          q.queue.queueId,
          q.brokerOffset,
          q.consumerOffset,
          q.lag,
          time(q.lastTimestamp),
        ]),
      );
      if (!output.json)
        output.line(
          `consume TPS: ${stats.consumeTps.toFixed(2)}, lag total: ${stats.queues.reduce((s, q) => s + q.lag, 0)}`,
        );
    },
  );

  runs(
    program
      .command('brokerConsumeStats')
      .description("Every group's offsets and lag on a broker")
      .requiredOption('-b, --brokerAddr <host:port>', 'the broker')
      .option('-o, --order <true|false>', 'only ordered topics', 'false'),
    async (context, options) => {
      type Stats = {
        consumeStatsList: Record<
          string,
          { offsetTable: Record<string, { brokerOffset: number; consumerOffset: number }> }[]
        >[];
        totalDiff: number;
      };
      const body = await brokerBody<Stats>(context, text(options, 'brokerAddr'), RequestCode.GET_BROKER_CONSUME_STATS, {
        isOrder: String(options['order'] === 'true'),
      });
      if (context.output.json) return context.output.value(body);
      const rows = body.consumeStatsList.flatMap((entry) =>
        Object.entries(entry).flatMap(([group, list]) =>
          list.flatMap((stats) =>
            Object.entries(stats.offsetTable).map(([key, o]) => {
              const queue = JSON.parse(key) as { topic: string; brokerName: string; queueId: number };
              return [
                queue.topic,
                group,
                queue.brokerName,
                queue.queueId,
                o.brokerOffset,
                o.consumerOffset,
                o.brokerOffset - o.consumerOffset,
              ];
            }),
          ),
        ),
      );
      context.output.table(['topic', 'group', 'broker', 'queue', 'brokerOffset', 'consumerOffset', 'lag'], rows);
      context.output.line(`lag total: ${body.totalDiff}`);
    },
  );

  runs(
    program
      .command('statsAll')
      .description(
        'Per topic and group: lag, TPS in and out over the last minute, messages in and out over the last day',
      )
      .option('-a, --activeTopic', 'only topics with traffic')
      .option('-t, --topic <topic>', 'only this topic'),
    async (context, options) => {
      const topics =
        typeof options['topic'] === 'string'
          ? [options['topic']]
          : (await context.admin.topicList()).filter((t) => !t.startsWith('%'));
      const progress = context.output.progress('reading stats', topics.length);
      const rows: (string | number)[][] = [];
      for (const topic of topics) {
        progress.tick(topic);
        rows.push(...(await topicStats(context, topic)));
      }
      progress.stop();
      const shown =
        options['activeTopic'] === true ? rows.filter((row) => Number(row[3]) > 0 || Number(row[5]) > 0) : rows;
      context.output.table(['topic', 'group', 'lag', 'inTps', 'outTps', 'in24h', 'out24h'], shown);
    },
  );
}

async function topicStats(context: AdminContext, topic: string): Promise<(string | number)[][]> {
  const route = await context.admin.topicRoute(topic);
  const masters = route.brokerDatas.map((b) => b.brokerAddrs['0']).filter((a): a is string => a !== undefined);
  const figures = async (address: string, statsName: string, statsKey: string) => {
    const data = await optionalBrokerBody<{
      statsMinute: { tps: number; sum: number };
      statsHour: { sum: number };
      statsDay: { sum: number };
    }>(context, address, RequestCode.VIEW_BROKER_STATS_DATA, { statsName, statsKey }, [ResponseCode.SYSTEM_ERROR]);
    // As mqadmin's compute24HourSum: the day's sum once sampled, else the hour's, else the minute's.
    const day = data ? data.statsDay.sum || data.statsHour.sum || data.statsMinute.sum : 0;
    return { tps: data?.statsMinute.tps ?? 0, day };
  };
  let inTps = 0;
  let inDay = 0;
  const groups = new Set<string>();
  for (const address of masters) {
    const put = await figures(address, 'TOPIC_PUT_NUMS', topic);
    inTps += put.tps;
    inDay += put.day;
    const who = await brokerBody<{ groupList: string[] }>(context, address, RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, {
      topic,
    });
    for (const group of who.groupList) groups.add(group);
  }
  if (groups.size === 0) return [[topic, '', 0, inTps.toFixed(2), '', inDay, 'NO_CONSUMER']];
  const rows: (string | number)[][] = [];
  for (const group of groups) {
    let outTps = 0;
    let outDay = 0;
    for (const address of masters) {
      const get = await figures(address, 'GROUP_GET_NUMS', `${topic}@${group}`);
      outTps += get.tps;
      outDay += get.day;
    }
    // A group with no offsets here is refused by Apache's brokers: no lag to show, as mqadmin does.
    const stats = await context.admin.consumeStats(group, topic).catch((error: unknown) => {
      if (error instanceof MQBrokerError) return { queues: [] };
      throw error;
    });
    const lag = stats.queues.reduce((sum, q) => sum + q.lag, 0);
    rows.push([topic, group, lag, inTps.toFixed(2), outTps.toFixed(2), inDay, outDay]);
  }
  return rows;
}
