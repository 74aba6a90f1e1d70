import type { Command } from 'commander';
import { Producer } from '@rocketnest/client';
import { RequestCode } from '@rocketnest/protocol';
import { runs, UsageError, type AdminContext } from './admin-program.js';
import { brokerOrCluster, eachNamesrv, integer, settingsOf, targetBrokers, text } from './targets.js';

/** Clusters, brokers and NameServers: clusterList, brokerStatus, settings, permissions, cleaning, RT checks. */
export function clusterCommands(program: Command): void {
  runs(
    program
      .command('clusterList')
      .description('List every broker: role, address, version, TPS in and out, disk use, replication lag'),
    async ({ admin, output }) => {
      const rows = (await admin.brokers()).map((member) => [
        member.cluster,
        member.brokerName,
        member.brokerId,
        member.address,
        member.error ? `unreachable: ${member.error}` : member.role,
        member.runtime?.['brokerVersionDesc'],
        member.runtime?.['putTps']?.split(' ')[0],
        member.runtime?.['getTransferedTps']?.split(' ')[0],
        member.runtime?.['commitLogDiskRatio'] && `${(Number(member.runtime['commitLogDiskRatio']) * 100).toFixed(1)}%`,
        member.replicationLagBytes,
      ]);
      output.table(
        ['cluster', 'broker', 'id', 'address', 'role', 'version', 'inTps', 'outTps', 'diskUsed', 'lagBytes'],
        rows,
      );
    },
  );

  runs(
    program
      .command('brokerStatus')
      .description("A broker's runtime figures")
      .requiredOption('-b, --brokerAddr <host:port>', 'the broker'),
    async ({ admin, output }, options) => {
      output.pairs(sorted(await admin.brokerRuntimeInfo(text(options, 'brokerAddr'))));
    },
  );

  runs(
    brokerOrCluster(program.command('getBrokerConfig').description("Brokers' settings")),
    async (context, options) => {
      const configs: Record<string, Record<string, string>> = {};
      for (const address of await targetBrokers(context, options))
        configs[address] = sorted(await settingsOf(context, address, RequestCode.GET_BROKER_CONFIG));
      if (context.output.json) return context.output.value(configs);
      for (const [address, settings] of Object.entries(configs)) {
        context.output.line(`== ${address}`);
        context.output.pairs(settings);
      }
    },
  );

  runs(
    brokerOrCluster(
      program
        .command('updateBrokerConfig')
        .description(
          "Change a broker setting; settings RocketMQ changes live apply at once, the others at the next start; the broker's config file keeps it",
        ),
    )
      .requiredOption('-k, --key <key>', 'the setting')
      .requiredOption('-v, --value <value>', 'its new value'),
    async (context, options) => {
      const body = Buffer.from(`${text(options, 'key')}=${text(options, 'value')}\n`);
      for (const address of await targetBrokers(context, options)) {
        const response = await context.admin.call(address, RequestCode.UPDATE_BROKER_CONFIG, {}, body);
        context.output.line(`${address}: ${response.remark ?? 'updated'}`, {
          broker: address,
          remark: response.remark ?? null,
        });
      }
    },
  );

  runs(program.command('getNamesrvConfig').description("Each NameServer's settings"), async (context) => {
    const configs: Record<string, Record<string, string>> = {};
    for (const namesrv of context.namesrvAddrs)
      configs[namesrv] = sorted(await settingsOf(context, namesrv, RequestCode.GET_NAMESRV_CONFIG));
    if (context.output.json) return context.output.value(configs);
    for (const [namesrv, settings] of Object.entries(configs)) {
      context.output.line(`== ${namesrv}`);
      context.output.pairs(settings);
    }
  });

  runs(
    program
      .command('updateNamesrvConfig')
      .description('Change a setting of every NameServer given')
      .requiredOption('-k, --key <key>', 'the setting')
      .requiredOption('-v, --value <value>', 'its new value'),
    async (context, options) => {
      const body = Buffer.from(`${text(options, 'key')}=${text(options, 'value')}\n`);
      for (const { namesrv } of await eachNamesrv(context, RequestCode.UPDATE_NAMESRV_CONFIG, {}, body))
        context.output.line(`${namesrv}: updated`);
    },
  );

  for (const [name, code, field, verb] of [
    ['wipeWritePerm', RequestCode.WIPE_WRITE_PERM_OF_BROKER, 'wipeTopicCount', 'wiped'],
    ['addWritePerm', RequestCode.ADD_WRITE_PERM_OF_BROKER, 'addTopicCount', 'added'],
  ] as const) {
    runs(
      program
        .command(name)
        .description(
          `${verb === 'wiped' ? 'Take away' : 'Give back'} a broker's write permission in every NameServer given`,
        )
        .requiredOption('-b, --brokerName <name>', 'the broker name'),
      async (context, options) => {
        const brokerName = text(options, 'brokerName');
        const answers = await eachNamesrv(context, code, { brokerName });
        context.output.table(
          ['namesrv', 'broker', `topics ${verb}`],
          answers.map((answer) => [answer.namesrv, brokerName, answer.extFields[field]]),
        );
      },
    );
  }

  for (const [name, code, description] of [
    [
      'cleanExpiredCQ',
      RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE,
      'Drop ConsumeQueue entries whose messages the CommitLog no longer holds',
    ],
    [
      'deleteExpiredCommitLog',
      RequestCode.DELETE_EXPIRED_COMMITLOG,
      'Delete CommitLog files past fileReservedTime now',
    ],
    ['cleanUnusedTopic', RequestCode.CLEAN_UNUSED_TOPIC, 'Drop the queues of topics the broker no longer has'],
  ] as const) {
    runs(brokerOrCluster(program.command(name).description(description)), async (context, options) => {
      for (const address of await targetBrokers(context, options)) {
        await context.admin.call(address, code);
        context.output.line(`${address}: ${name} done`);
      }
    });
  }

  for (const [name, description] of [
    ['updateKvConfig', 'Create or update a KV config in every NameServer given'],
    ['deleteKvConfig', 'Delete a KV config from every NameServer given'],
  ] as const) {
    const command = program
      .command(name)
      .description(description)
      .requiredOption('-s, --namespace <namespace>', 'its namespace')
      .requiredOption('-k, --key <key>', 'its key');
    if (name === 'updateKvConfig') command.requiredOption('-v, --value <value>', 'its value');
    runs(command, async (context, options) => {
      const fields = { namespace: text(options, 'namespace'), key: text(options, 'key') };
      if (name === 'updateKvConfig')
        await eachNamesrv(context, RequestCode.PUT_KV_CONFIG, { ...fields, value: text(options, 'value') });
      else await eachNamesrv(context, RequestCode.DELETE_KV_CONFIG, fields);
      context.output.line(`${name} ${fields.namespace}/${fields.key} done in ${context.namesrvAddrs.join(', ')}`);
    });
  }

  runs(
    program
      .command('promote')
      .description('Make a slave the master of its broker name, once its master is lost for good (RocketNest brokers)')
      .requiredOption('-b, --brokerAddr <host:port>', "the slave's address")
      .option('--role <role>', 'ASYNC_MASTER or SYNC_MASTER', 'ASYNC_MASTER'),
    async ({ admin, output }, options) => {
      const role = text(options, 'role');
      if (role !== 'ASYNC_MASTER' && role !== 'SYNC_MASTER')
        throw new UsageError(`--role must be ASYNC_MASTER or SYNC_MASTER, got "${role}"`);
      output.line(await admin.promoteToMaster(text(options, 'brokerAddr'), role));
    },
  );

  runs(
    program
      .command('sendMsgStatus')
      .description("Send test messages to a broker's own topic and print each send's time")
      .requiredOption('-b, --brokerName <name>', 'the broker name')
      .option('-s, --messageSize <bytes>', 'body size', '128')
      .option('-c, --count <n>', 'messages', '50'),
    async (context, options) => {
      const times = await timedSends(
        context,
        [text(options, 'brokerName')],
        integer(options, 'count', 50),
        integer(options, 'messageSize', 128),
      );
      context.output.table(
        ['broker', 'send', 'ms', 'status'],
        times.map((t, i) => [t.broker, i + 1, t.ms, t.status]),
      );
    },
  );

  runs(
    program
      .command('clusterRT')
      .description("Each master's send time over a few test messages")
      .option('-a, --amount <n>', 'messages per broker', '100')
      .option('-s, --size <bytes>', 'body size', '128')
      .option('-c, --cluster <name>', 'only this cluster'),
    async (context, options) => {
      const info = await context.admin.clusterInfo();
      const cluster = typeof options['cluster'] === 'string' ? options['cluster'] : undefined;
      const brokers = Object.entries(info.clusterAddrTable)
        .filter(([name]) => !cluster || name === cluster)
        .flatMap(([, names]) => names);
      const times = await timedSends(context, brokers, integer(options, 'amount', 100), integer(options, 'size', 128));
      const rows = brokers.map((broker) => {
        const sends = times.filter((t) => t.broker === broker);
        const ok = sends.filter((t) => t.status === 'SEND_OK');
        const average = ok.reduce((sum, t) => sum + t.ms, 0) / Math.max(1, ok.length);
        return [broker, average.toFixed(2), ok.length, sends.length - ok.length];
      });
      context.output.table(['broker', 'avgMs', 'ok', 'failed'], rows);
    },
  );
}

/** Send count messages of size bytes to each broker's own topic (its name), timing each send. */
async function timedSends(
  { output, connection }: AdminContext,
  brokers: string[],
  count: number,
  size: number,
): Promise<{ broker: string; ms: number; status: string }[]> {
  const producer = new Producer({ ...connection, producerGroup: 'PID_SMSC' });
  await producer.start();
  const progress = output.progress('sending', brokers.length * count);
  const times = [];
  try {
    for (const broker of brokers) {
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        let status: string;
        try {
          status = (await producer.send({ topic: broker, body: Buffer.alloc(size, 'a') })).status;
        } catch (error) {
          status = (error as Error).message;
        }
        times.push({ broker, ms: Math.round((performance.now() - started) * 100) / 100, status });
        progress.tick(broker);
      }
    }
  } finally {
    progress.stop();
    await producer.shutdown();
  }
  return times;
}

function sorted(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1)));
}
