import { silentLogger } from '@rocketnest/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerController, topicConfig } from '@rocketnest/broker';
import { startGrpcServer, type GrpcMessagingServer } from '@rocketnest/grpc';
import { NamesrvController } from '@rocketnest/namesrv';
import { defaultStoreConfig, MemoryMessageStore } from '@rocketnest/store';
import type { EmbeddedBrokerOptions } from './rocket-module-options.js';

interface Log {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A NameServer and a broker in this process, on 127.0.0.1, for development and tests. */
export class EmbeddedBroker {
  private namesrv: NamesrvController | undefined;
  private broker: BrokerController | undefined;
  private grpc: GrpcMessagingServer | undefined;
  private temporary: string | undefined;
  /** Where the broker's files (and this app's broadcasting offsets) go. */
  dataDir = '';

  constructor(
    private readonly options: EmbeddedBrokerOptions,
    private readonly log: Log,
  ) {}

  /** Start both; resolves with the NameServer address. */
  async start(): Promise<string> {
    const inMemory = this.options.inMemory ?? true;
    const dataDir = this.options.dataDir ?? (this.temporary = mkdtempSync(join(tmpdir(), 'rocketnest-embedded-')));
    this.dataDir = dataDir;
    const logger = {
      debug: () => {},
      info: () => {},
      warn: (message: string) => this.log.warn(message),
      error: (message: string) => this.log.error(message),
    };
    this.namesrv = new NamesrvController(
      { listenPort: this.options.namesrvPort ?? 0, bindAddress: '127.0.0.1' },
      { logger, remotingLogger: silentLogger },
    );
    await this.namesrv.start();
    const store = defaultStoreConfig({ ...this.options.store, storePathRootDir: dataDir });
    this.broker = new BrokerController(
      {
        broker: {
          ...this.options.broker,
          listenPort: this.options.brokerPort ?? 0,
          bindAddress: '127.0.0.1',
          namesrvAddr: this.namesrv.address,
        },
        store,
      },
      {
        logger,
        remotingLogger: silentLogger,
        storeLogger: silentLogger,
        store: inMemory ? new MemoryMessageStore(store) : undefined,
      },
    );
    await this.broker.start();
    this.grpc = await startGrpcServer(this.broker, undefined, logger).catch((error: unknown) => {
      // A default port that is taken costs RocketMQ 5 clients only; a port the app chose must be had.
      if (this.options.broker?.grpcServerPort !== undefined) throw error;
      this.log.warn(
        `embedded broker: RocketMQ 5 (gRPC) clients cannot connect: ${(error as Error).message} (set embedded.broker.grpcServerPort)`,
      );
      return undefined;
    });
    this.log.log(
      `embedded broker: NameServer ${this.namesrv.address}, broker ${this.broker.brokerAddr}, ` +
        (this.grpc ? `gRPC (RocketMQ 5 clients) 127.0.0.1:${this.grpc.port}, ` : '') +
        (inMemory ? 'messages in memory' : `data in ${dataDir}`) +
        '; set namesrvAddr to use a real cluster',
    );
    return this.namesrv.address;
  }

  /**
   * Create topics listeners read before their consumers start (4 queues, as a first send would),
   * so that a new app's listeners find a route at once instead of at the next route refresh.
   */
  async ensureTopics(topics: Iterable<string>): Promise<void> {
    const broker = this.broker;
    if (!broker) return;
    const missing = [...new Set(topics)].filter((topic) => !broker.topics.get(topic));
    if (missing.length === 0) return;
    broker.topics.updateAll(missing.map((topic) => topicConfig(topic, 4)));
    // Registered now, not at the next period, so the consumers starting next find the routes.
    await broker.registerToNamesrvs();
  }

  /** host:port of its gRPC service for RocketMQ 5 clients; undefined when turned off (grpcServerEnable: false). */
  get grpcAddress(): string | undefined {
    return this.grpc ? `127.0.0.1:${this.grpc.port}` : undefined;
  }

  /** The running broker (for tests and health checks). */
  get controller(): BrokerController | undefined {
    return this.broker;
  }

  async stop(): Promise<void> {
    await this.grpc?.shutdown();
    await this.broker?.shutdown();
    await this.namesrv?.shutdown();
    this.grpc = undefined;
    this.broker = undefined;
    this.namesrv = undefined;
    if (this.temporary && (this.options.inMemory ?? true)) rmSync(this.temporary, { recursive: true, force: true });
  }
}
