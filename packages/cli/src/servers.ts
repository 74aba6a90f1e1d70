import { readFileSync } from 'node:fs';
import { brokerSettingsFromProperties, BrokerController } from '@rocketnest/broker';
import { startGrpcServer } from '@rocketnest/grpc';
import { defaultNamesrvConfig, NamesrvController } from '@rocketnest/namesrv';
import { parseProperties, typedSettings, type Logger } from '@rocketnest/common';
import { TLS_KEYS, tlsFromProperties, type MetricsExporterSettings } from '@rocketnest/remoting';
import type { Registry } from 'prom-client';
import { processLogger } from './log.js';

/** Settings from a properties file, or none. A missing or unreadable file is an error naming it. */
export function readProperties(path: string | undefined): Record<string, string> {
  if (!path) return {};
  try {
    return parseProperties(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Stop on SIGTERM or SIGINT: the server's own shutdown, then exit. Under `npx rocketnest` (npm
 * exec), a SIGTERM reaches npm and its `sh -c`, which does not pass it on: this process is left
 * running without them. So when npm started it, it also stops once its parent has gone.
 */
export function stopOnSignals(name: string, shutdown: () => Promise<void>): void {
  const log = processLogger(name);
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${reason}: shutting down`);
    shutdown().then(
      () => {
        log.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        log.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM received'));
  process.on('SIGINT', () => stop('SIGINT received'));
  if (process.env['npm_execpath'] !== undefined) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop(`the npm process that started it (pid ${parent}) has exited`);
    }, 500).unref();
  }
}

/**
 * The Prometheus endpoint, when the settings ask for it (metricsExporterType=PROM): GET /metrics on
 * metricsPromExporterPort at metricsPromExporterHost (default: the server's bindAddress).
 * Resolves with what stops it.
 */
async function startMetrics(
  settings: MetricsExporterSettings & { bindAddress: string },
  registry: () => Promise<Registry>,
  log: Logger,
  source: string,
): Promise<() => Promise<void>> {
  if (settings.metricsExporterType === 'DISABLE') return async () => {};
  if (settings.metricsExporterType !== 'PROM') {
    throw new Error(
      `${source}: metricsExporterType must be DISABLE or PROM, got "${String(settings.metricsExporterType)}"`,
    );
  }
  const host = settings.metricsPromExporterHost || settings.bindAddress;
  // Loaded only here: prom-client costs about 90 ms at start-up, which a server without metrics need not pay.
  const { MetricsEndpoint } = await import('@rocketnest/remoting/metrics');
  const endpoint = await MetricsEndpoint.start(await registry(), host, settings.metricsPromExporterPort);
  log.info(`Prometheus metrics at http://${host}:${endpoint.port}/metrics`);
  return () => endpoint.close();
}

/** `rocketnest namesrv [-c namesrv.properties]` */
export async function runNamesrv(configFile: string | undefined): Promise<void> {
  const log = processLogger('namesrv');
  const properties = readProperties(configFile);
  const config = {
    ...defaultNamesrvConfig,
    ...typedSettings(defaultNamesrvConfig, properties, configFile ?? 'namesrv.properties'),
  };
  const source = configFile ?? 'namesrv.properties';
  const tls = tlsFromProperties(properties, source);
  for (const key of Object.keys(properties)) {
    if (!(key in defaultNamesrvConfig) && !(TLS_KEYS as readonly string[]).includes(key))
      log.warn(`${configFile}: "${key}" is not a setting RocketNest knows; it is ignored`);
  }
  const namesrv = new NamesrvController(config, {
    configFile,
    logger: log,
    remotingLogger: processLogger('remoting'),
    tls: tls.server,
  });
  await namesrv.start();
  const stopMetrics = await startMetrics(
    config,
    async () => (await import('@rocketnest/namesrv/metrics')).namesrvMetrics(namesrv),
    log,
    source,
  );
  log.info(`listening on ${config.bindAddress}:${namesrv.port}`);
  // RocketMQ's own boot line, which scripts wait for.
  log.info('The Name Server boot success. serializeType=JSON');
  stopOnSignals('namesrv', async () => {
    await stopMetrics();
    await namesrv.shutdown();
  });
}

/** `rocketnest broker [-n host:port[;host:port]] [-c broker.conf]` */
export async function runBroker(configFile: string | undefined, namesrvAddr: string | undefined): Promise<void> {
  const log = processLogger('broker');
  const properties = readProperties(configFile);
  // -n wins over namesrvAddr in the file, as in RocketMQ's BrokerStartup.
  if (namesrvAddr !== undefined) properties['namesrvAddr'] = namesrvAddr;
  const settings = brokerSettingsFromProperties(properties, (message) => log.warn(message), configFile);
  const broker = new BrokerController(settings, {
    configFile,
    logger: log,
    remotingLogger: processLogger('remoting'),
    storeLogger: processLogger('store'),
  });
  // What stops a broker from starting comes from its settings: say which file they are in.
  await broker.start().catch((error: unknown) => {
    throw new Error(`${configFile ?? 'the default settings'}: ${(error as Error).message}`, { cause: error });
  });
  const stopMetrics = await startMetrics(
    broker.config,
    async () => (await import('@rocketnest/broker/metrics')).brokerMetrics(broker),
    log,
    configFile ?? 'broker.conf',
  );
  const grpc = await startGrpcServer(broker, settings.tls, processLogger('grpc')).catch(async (error: unknown) => {
    const problem = `${(error as Error).message} (set grpcServerPort to a free port, or grpcServerEnable=false)`;
    // The default port taken (another broker on this host, say) costs RocketMQ 5 clients only; a chosen one stops the broker.
    if (properties['grpcServerPort'] === undefined) {
      log.warn(`RocketMQ 5 (gRPC) clients cannot connect: ${problem}`);
      return undefined;
    }
    await broker.shutdown();
    throw new Error(`${configFile ?? 'the default settings'}: ${problem}`, { cause: error });
  });
  const namesrvs = settings.broker.namesrvAddr || '(none: clients must be given the broker address)';
  log.info(
    `store at ${settings.store.storePathRootDir}, ${settings.store.flushDiskType}, listening on ${settings.broker.bindAddress}:${broker.port}`,
  );
  if (grpc) log.info(`gRPC (RocketMQ 5 clients) listening on ${settings.broker.bindAddress}:${grpc.port}`);
  log.info(
    `The broker[${settings.broker.brokerName}, ${broker.brokerAddr}] boot success. serializeType=JSON and name server is ${namesrvs}`,
  );
  stopOnSignals('broker', async () => {
    await stopMetrics();
    await grpc?.shutdown();
    await broker.shutdown();
  });
}
