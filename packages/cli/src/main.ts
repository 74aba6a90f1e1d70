import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { runAdmin } from './admin/admin-program.js';
import { benchConsumer, benchProducer } from './bench.js';
import { CLUSTER_USAGE, runCluster } from './cluster.js';
import { CONNECTION_USAGE } from './connection-options.js';
import { DASHBOARD_USAGE } from './dashboard-usage.js';
import { runBroker, runNamesrv } from './servers.js';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const SERVERS_USAGE = `  rocketnest namesrv [-c namesrv.properties]
  rocketnest broker [-n host:port[;host:port...]] [-c broker.conf]`;
const BENCH_USAGE = `  rocketnest bench producer [-n host:port] [--topic T] [--size 1024] [--inflight 1000] [--batch 1]
                            [--rate msg/s] [--duration 30] [--warmup 0] [--json]
                            [--protocol remoting|grpc] [--endpoints host:port]
  rocketnest bench consumer [-n host:port] [--topic T] [--group G] [--concurrency 64] [--batch 32]
                            [--from first|last] [--duration 30] [--warmup 0] [--json]
                            [--protocol remoting|grpc] [--endpoints host:port]
  --protocol grpc runs Apache's v5 Node client (RocketMQ 5's gRPC) against --endpoints (default
  127.0.0.1:8081, a broker's grpcServerPort); --from last still needs -n to place the new group.`;

/** Each command's part of the usage, for `rocketnest <command> --help`. */
const COMMAND_USAGE: Record<string, string> = {
  namesrv: SERVERS_USAGE,
  broker: SERVERS_USAGE,
  bench: `${BENCH_USAGE}\n${CONNECTION_USAGE}`,
  cluster: CLUSTER_USAGE,
  dashboard: `${DASHBOARD_USAGE}\n${CONNECTION_USAGE}`,
};

const USAGE = `usage:
${SERVERS_USAGE}
${BENCH_USAGE}
  rocketnest admin <command> [-n host:port] [--json] ...   mqadmin's commands; rocketnest admin --help lists them
${CLUSTER_USAGE}
${DASHBOARD_USAGE}
${CONNECTION_USAGE}

Settings use RocketMQ's names (listenPort, brokerName, namesrvAddr, storePathRootDir,
flushDiskType, brokerRole, autoCreateTopicEnable, maxMessageSize, ...). Stop with SIGTERM or Ctrl-C.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // Its own parser answers --help for each of its commands, and -v is an option of some.
  if (command === 'admin') {
    process.exitCode = await runAdmin(rest);
    return;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    console.log(`rocketnest ${VERSION} (speaks RocketMQ 4.x remoting; reports V4_9_8)`);
    return;
  }
  if (command === undefined || ['help', '--help', '-h'].includes(command)) {
    console.log(USAGE);
    return;
  }
  // Before any parsing, so that every command and subcommand answers --help.
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage:\n${COMMAND_USAGE[command] ?? USAGE}`);
    return;
  }
  if (command === 'cluster') return runCluster(rest);
  // Nest and the console load only for this command.
  if (command === 'dashboard') return (await import('./dashboard.js')).runDashboard(rest);
  if (command === 'bench') {
    const [role, ...benchArgs] = rest;
    if (role === 'producer') return benchProducer(benchArgs);
    if (role === 'consumer') return benchConsumer(benchArgs);
    throw new Error(`unknown bench "${role ?? ''}": rocketnest bench producer or rocketnest bench consumer`);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string', short: 'c' },
      namesrvAddr: { type: 'string', short: 'n' },
    },
    strict: true,
  });
  if (command === 'namesrv') return runNamesrv(values.config);
  if (command === 'broker') return runBroker(values.config, values.namesrvAddr);
  throw new Error(`unknown command "${command}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`rocketnest: ${(error as Error).message}`);
  process.exit(1);
});
