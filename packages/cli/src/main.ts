import { parseArgs } from 'node:util';
import { runBroker, runNamesrv } from './servers.js';

const USAGE = `usage:
  rocketnest namesrv [-c namesrv.properties]
  rocketnest broker [-n host:port[;host:port...]] [-c broker.conf]

Settings use RocketMQ's names (listenPort, brokerName, namesrvAddr, storePathRootDir,
flushDiskType, brokerRole, autoCreateTopicEnable, maxMessageSize, ...). Stop with SIGTERM or Ctrl-C.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || ['help', '--help', '-h'].includes(command)) {
    console.log(USAGE);
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string', short: 'c' },
      namesrvAddr: { type: 'string', short: 'n' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (command === 'namesrv') return runNamesrv(values.config);
  if (command === 'broker') return runBroker(values.config, values.namesrvAddr);
  throw new Error(`unknown command "${command}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`rocketnest: ${(error as Error).message}`);
  process.exit(1);
});
