import { after } from 'node:test';
import type { BrokerConfig } from '@rocketnest/broker';
import { GrpcMessagingServer, type GrpcServerOptions } from '@rocketnest/grpc';
import type { MessageStoreConfig } from '@rocketnest/store';
import {
  type FilterExpression,
  type MessageView,
  Producer as V5Producer,
  PushConsumer as V5PushConsumer,
  type PushConsumerOptions as V5PushConsumerOptions,
  SimpleConsumer as V5SimpleConsumer,
  type ProducerOptions as V5ProducerOptions,
  type SimpleConsumerOptions as V5SimpleConsumerOptions,
} from 'rocketmq-client-nodejs';
import { FileBufferTransport } from 'egg-logger';
import { startBroker, startNamesrv, temporaryDir } from './cluster.js';

let logsContained = false;

/**
 * The v5 PushConsumer's consume services ignore the logger they are given: each opens
 * ~/logs/rocketmq/rocketmq_client_nodejs.log with egg-logger, whose flush interval is never
 * stopped and would keep the test process alive. Their home is a temporary directory here, and
 * that interval does not hold the process.
 */
function containConsumeServiceLogs(): void {
  if (logsContained) return;
  logsContained = true;
  process.env['HOME'] = temporaryDir();
  const prototype = FileBufferTransport.prototype as unknown as { _createInterval(): NodeJS.Timeout };
  const createInterval = prototype._createInterval;
  prototype._createInterval = function (this: unknown) {
    return createInterval.call(this).unref();
  };
}

/** Apache's v5 Node client logs to ~/logs by default: tests keep it quiet (ROCKETNEST_TEST_V5_LOG=1 prints it). */
export const v5Logger = {
  info: (...args: unknown[]) => process.env['ROCKETNEST_TEST_V5_LOG'] && console.log('[v5]', ...args),
  warn: (...args: unknown[]) => process.env['ROCKETNEST_TEST_V5_LOG'] && console.warn('[v5]', ...args),
  error: (...args: unknown[]) => process.env['ROCKETNEST_TEST_V5_LOG'] && console.error('[v5]', ...args),
  debug: () => undefined,
  close: () => undefined,
};

interface Stoppable {
  shutdown(): Promise<unknown>;
}

/** A NameServer, a broker and the gRPC service beside it; v5 clients made here stop before it. */
export class GrpcCluster {
  private readonly clients: Stoppable[] = [];
  private readonly servers: GrpcMessagingServer[] = [];

  private constructor(
    readonly namesrvAddr: string,
    readonly broker: Awaited<ReturnType<typeof startBroker>>,
    readonly grpc: GrpcMessagingServer,
  ) {}

  static async start(
    broker: Partial<BrokerConfig> = {},
    store: Partial<MessageStoreConfig> = {},
    grpcOptions: Partial<GrpcServerOptions> = {},
  ): Promise<GrpcCluster> {
    // Registered before the broker's own hook, so that it runs first: clients, then the gRPC
    // services (whose held pulls would otherwise outlive the broker's shutdown), then the broker.
    const made: { cluster?: GrpcCluster } = {};
    after(async () => {
      const cluster = made.cluster;
      if (!cluster) return;
      await Promise.all(cluster.clients.splice(0).map((client) => client.shutdown().catch(() => undefined)));
      for (const server of cluster.servers) await server.shutdown();
    });
    const namesrv = await startNamesrv();
    const controller = await startBroker({ namesrvAddr: namesrv.address, ...broker }, store);
    const grpc = new GrpcMessagingServer(controller, { port: 0, host: '127.0.0.1', ...grpcOptions });
    await grpc.start();
    const cluster = (made.cluster = new GrpcCluster(namesrv.address, controller, grpc));
    cluster.servers.push(grpc);
    return cluster;
  }

  /** Another gRPC service beside the same broker (a second endpoint of the cluster); its host:port. */
  async secondEndpoint(): Promise<string> {
    const grpc = new GrpcMessagingServer(this.broker, { port: 0, host: '127.0.0.1' });
    await grpc.start();
    this.servers.push(grpc);
    return `127.0.0.1:${grpc.port}`;
  }

  /** host:port of the gRPC service, as v5 clients take it. */
  get endpoints(): string {
    return `127.0.0.1:${this.grpc.port}`;
  }

  async producer(options: Partial<V5ProducerOptions> = {}): Promise<V5Producer> {
    const producer = new V5Producer({ endpoints: this.endpoints, namespace: '', logger: v5Logger, ...options });
    await this.started(producer);
    return producer;
  }

  async simpleConsumer(
    consumerGroup: string,
    subscriptions: Record<string, string | FilterExpression>,
    options: Partial<V5SimpleConsumerOptions> = {},
  ): Promise<V5SimpleConsumer> {
    const consumer = new V5SimpleConsumer({
      endpoints: this.endpoints,
      namespace: '',
      consumerGroup,
      subscriptions: new Map(Object.entries(subscriptions)),
      awaitDuration: 3000,
      logger: v5Logger,
      ...options,
    });
    await this.started(consumer);
    return consumer;
  }

  async pushConsumer(
    consumerGroup: string,
    subscriptions: Record<string, string>,
    messageListener: V5PushConsumerOptions['messageListener'],
  ): Promise<V5PushConsumer> {
    containConsumeServiceLogs();
    const consumer = new V5PushConsumer({
      endpoints: this.endpoints,
      namespace: '',
      consumerGroup,
      subscriptions: new Map(Object.entries(subscriptions)),
      messageListener,
      logger: v5Logger,
    });
    await this.started(consumer);
    return consumer;
  }

  /** Start a client, kept to stop with the cluster; one that fails to start is stopped at once (its channels would keep the process alive). */
  private async started(client: Stoppable & { startup(): Promise<void> }): Promise<void> {
    this.clients.push(client);
    await client.startup().catch(async (error: unknown) => {
      this.clients.splice(this.clients.indexOf(client), 1);
      await client.shutdown().catch(() => undefined);
      throw error;
    });
  }
}

/** Receive until count messages came or withinMs is up (each receive long-polls up to the consumer's awaitDuration). */
export async function receiveAll(consumer: V5SimpleConsumer, count: number, invisibleMs = 10_000, withinMs = 15_000) {
  const messages: MessageView[] = [];
  const until = Date.now() + withinMs;
  while (messages.length < count && Date.now() < until) messages.push(...(await consumer.receive(16, invisibleMs)));
  return messages;
}

/** An error's message and those of its causes. */
export function causes(error: unknown): string {
  const messages: string[] = [];
  for (let each = error as { message?: string; cause?: unknown } | undefined; each; each = each.cause as typeof each)
    messages.push(String(each.message));
  return messages.join(' <- ');
}
