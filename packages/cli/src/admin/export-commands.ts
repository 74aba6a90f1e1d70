import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RequestCode } from '@rocketnest/protocol';
import { runs, type AdminContext } from './admin-program.js';
import { brokerBody, brokerOrCluster, settingsOf, targetBrokers, text } from './targets.js';

/** Exports of a cluster's metadata, settings and figures to JSON files, as mqadmin writes them. */
export function exportCommands(program: Command): void {
  runs(
    brokerOrCluster(
      program
        .command('exportMetadata')
        .description("Write the brokers' topics and groups, less their own, to metadata.json"),
      'the master',
    ).requiredOption('-f, --filePath <dir>', 'the directory to write to'),
    async (context, options) => {
      const topicConfigTable: Record<string, unknown> = {};
      const subscriptionGroupTable: Record<string, unknown> = {};
      await eachBroker(context, options, 'exporting metadata', async (address) => {
        const topics = await brokerBody<{ topicConfigTable: Record<string, unknown> }>(
          context,
          address,
          RequestCode.GET_ALL_TOPIC_CONFIG,
        );
        const own = new Set(
          (await brokerBody<{ topicList: string[] }>(context, address, RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER))
            .topicList,
        );
        for (const [name, config] of Object.entries(topics.topicConfigTable))
          if (!own.has(name)) topicConfigTable[name] = config;
        const groups = await brokerBody<{ subscriptionGroupTable: Record<string, unknown> }>(
          context,
          address,
          RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
        );
        Object.assign(subscriptionGroupTable, groups.subscriptionGroupTable);
      });
      write(context, text(options, 'filePath'), 'metadata.json', {
        topicConfigTable,
        subscriptionGroupTable,
        exportTime: Date.now(),
      });
    },
  );

  runs(
    brokerOrCluster(
      program.command('exportConfigs').description("Write the NameServers' and brokers' settings to configs.json"),
      'the master',
    ).requiredOption('-f, --filePath <dir>', 'the directory to write to'),
    async (context, options) => {
      const namesrvConfig: Record<string, unknown> = {};
      for (const namesrv of context.namesrvAddrs)
        namesrvConfig[namesrv] = await settingsOf(context, namesrv, RequestCode.GET_NAMESRV_CONFIG);
      const brokerConfigs: Record<string, unknown> = {};
      await eachBroker(context, options, 'exporting configs', async (address) => {
        brokerConfigs[address] = await settingsOf(context, address, RequestCode.GET_BROKER_CONFIG);
      });
      write(context, text(options, 'filePath'), 'configs.json', {
        namesrvConfig,
        brokerConfigs,
        clusterScale: Object.keys(brokerConfigs).length,
      });
    },
  );

  runs(
    brokerOrCluster(
      program
        .command('exportMetrics')
        .description("Write each broker's runtime figures and every group's lag to metrics.json"),
      'the master',
    ).requiredOption('-f, --filePath <dir>', 'the directory to write to'),
    async (context, options) => {
      const metrics: Record<string, unknown> = {};
      await eachBroker(context, options, 'exporting metrics', async (address) => {
        metrics[address] = {
          runtime: await context.admin.brokerRuntimeInfo(address),
          consumeStats: await brokerBody(context, address, RequestCode.GET_BROKER_CONSUME_STATS, { isOrder: 'false' }),
        };
      });
      write(context, text(options, 'filePath'), 'metrics.json', metrics);
    },
  );
}

/** Run step on each broker -b or -c names, a progress bar going over them. */
async function eachBroker(
  context: AdminContext,
  options: Record<string, string | boolean | undefined>,
  what: string,
  step: (address: string) => Promise<void>,
): Promise<void> {
  const brokers = await targetBrokers(context, options);
  const progress = context.output.progress(what, brokers.length);
  try {
    for (const address of brokers) {
      await step(address);
      progress.tick(address);
    }
  } finally {
    progress.stop();
  }
}

function write({ output }: AdminContext, dir: string, name: string, value: unknown): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  output.line(`export ${path} success`, { path });
}
