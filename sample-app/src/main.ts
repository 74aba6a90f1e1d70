/**
 * The sample service. Until the client and the NestJS module land, it runs what they will run
 * on: a NameServer and a broker in this process, on 127.0.0.1, that any RocketMQ 4.x client can
 * produce to and consume from. The NestJS application replaces this file when the module lands.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { BrokerController } from '@rocketnest/broker';
import { NamesrvController } from '@rocketnest/namesrv';

const NAMESRV_PORT = Number(process.env['ROCKET_NAMESRV_PORT'] ?? 9876);
const BROKER_PORT = Number(process.env['ROCKET_BROKER_PORT'] ?? 10911);
const dataDir = process.env['ROCKET_DATA_DIR'] ?? join(tmpdir(), 'rocketnest-sample');

async function main(): Promise<void> {
  const namesrv = new NamesrvController({ listenPort: NAMESRV_PORT, bindAddress: '127.0.0.1' });
  await namesrv.start();
  const broker = new BrokerController({
    broker: { listenPort: BROKER_PORT, bindAddress: '127.0.0.1', namesrvAddr: namesrv.address },
    store: { storePathRootDir: dataDir },
  });
  await broker.start();
  console.log(
    [
      'RocketNest sample app',
      `  NameServer ${namesrv.address}, broker ${broker.brokerAddr}, data in ${dataDir}`,
      '  Point any RocketMQ 4.x client at the NameServer; topics are created on first send.',
      '  Ctrl-C stops both cleanly. (The NestJS service with @RocketProducer and @RocketListener',
      '  comes with the client and the NestJS module.)',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void broker
      .shutdown()
      .then(() => namesrv.shutdown())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? `a port is taken (${(error as Error).message}); set ROCKET_NAMESRV_PORT and ROCKET_BROKER_PORT to free ones`
      : (error as Error).message;
  console.error(`sample app: ${why}`);
  process.exit(1);
});
