import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { Server, ServerCredentials, type Metadata } from '@grpc/grpc-js';
import { BROKER_ADMIN_CODES, PlainAccessValidator } from '@rocketnest/acl';
import type { BrokerController } from '@rocketnest/broker';
import { silentLogger, type Logger } from '@rocketnest/common';
import { createRequest, encodeJsonBody, RequestCode, signRequest } from '@rocketnest/protocol';
import { RemotingClient, type ProcessTls, type ServerTls } from '@rocketnest/remoting';
import { callerOf } from './auth.js';
import { StatusError } from './status.js';
import { serveBrokerCommands } from './broker-commands.js';
import { ClientSession } from './client-session.js';
import { consumeHandlers } from './consume-handlers.js';
import { PopService } from './pop-service.js';
import { produceHandlers } from './produce-handlers.js';
import { messagingService } from './proto.js';
import { RouteService } from './route.js';
import type { ServiceContext } from './service-context.js';
import { telemetryHandlers } from './telemetry-handlers.js';
import type { Endpoints } from './v2-types.js';

export interface GrpcServerOptions {
  /** The port to listen on (grpcServerPort; 0 takes a free one). */
  port: number;
  /** The address to bind (default: the broker's bindAddress). */
  host?: string | undefined;
  /** Serve TLS with the broker's tls.server.* settings (enforcing: TLS only). */
  tls?: ServerTls | undefined;
  /** How to reach brokers whose ports take TLS (the broker's tls.client.*). */
  clientTls?: ConnectionOptions | undefined;
  logger?: Logger | undefined;
}

/** A client not heard from for this long is forgotten (v5 clients heartbeat every 10 s). */
const SESSION_EXPIRY_MS = 120_000;

/**
 * RocketMQ 5's gRPC MessagingService (apache.rocketmq.v2) beside a broker, as RocketMQ 5's proxy
 * runs beside its brokers: v5 clients' calls become remoting requests to the cluster's masters,
 * made as each client over its own connections, on the same topics, groups and offsets.
 */
export class GrpcMessagingServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  private readonly sessions = new Map<string, ClientSession>();
  private readonly namesrvClient: RemotingClient;
  private readonly routes: RouteService;
  private readonly pop: PopService;
  private readonly validator: PlainAccessValidator | undefined;
  private readonly logger: Logger;
  private readonly sweeper: NodeJS.Timeout;
  private boundPort = 0;

  constructor(
    private readonly broker: BrokerController,
    private readonly options: GrpcServerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    const { accessKey, secretKey } = broker.config;
    this.namesrvClient = new RemotingClient({
      tls: options.clientTls,
      beforeRequest: accessKey ? (request) => signRequest(request, { accessKey, secretKey }) : undefined,
    });
    this.routes = new RouteService(broker, this.namesrvClient);
    this.pop = new PopService(this.logger, `grpc@${broker.brokerAddr}@${process.pid}@${randomUUID().slice(0, 8)}`);
    this.validator = broker.acl ? new PlainAccessValidator(broker.acl, BROKER_ADMIN_CODES) : undefined;
    const context = this.context();
    this.server.addService(messagingService, {
      ...produceHandlers(context),
      ...consumeHandlers(context),
      ...telemetryHandlers(context),
    });
    this.sweeper = setInterval(() => this.sweep(), SESSION_EXPIRY_MS / 4);
    this.sweeper.unref();
  }

  /** The port it listens on, once started. */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const host = this.options.host ?? this.broker.config.bindAddress;
    const bindHost = host.includes(':') ? `[${host}]` : host;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${bindHost}:${this.options.port}`, this.credentials(), (error, port) =>
        error ? reject(new Error(`gRPC port ${host}:${this.options.port}: ${error.message}`)) : resolve(port),
      ),
    );
  }

  async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.pop.close();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => this.server.forceShutdown(), 2000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await Promise.all([...this.sessions.values()].map((session) => session.close()));
    this.sessions.clear();
    await this.namesrvClient.close();
  }

  private credentials(): ServerCredentials {
    const tls = this.options.tls;
    if (!tls) return ServerCredentials.createInsecure();
    const read = (value: unknown): Buffer | null =>
      value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(String(value));
    const { key, cert, ca } = tls.options;
    if (!key || !cert) throw new Error('gRPC TLS needs tls.server.keyPath and tls.server.certPath');
    return ServerCredentials.createSsl(
      read(Array.isArray(ca) ? ca[0] : ca),
      [{ private_key: read(key)!, cert_chain: read(cert)! }],
      tls.clientAuth === 'require',
    );
  }

  private context(): ServiceContext {
    return {
      broker: this.broker,
      routes: this.routes,
      pop: this.pop,
      logger: this.logger,
      session: (metadata: Metadata, peer: string) => this.session(metadata, peer),
      endpoints: (): Endpoints => ({
        scheme: 'IPv4',
        addresses: [{ host: this.broker.config.brokerIP1, port: this.boundPort }],
      }),
      heartbeat: (session) => this.heartbeat(session),
      terminate: (session) => this.forget(session),
    };
  }

  private session(metadata: Metadata, peer: string): ClientSession {
    const caller = callerOf(metadata, peer, this.broker.acl);
    let session = this.sessions.get(caller.clientId);
    if (!session) {
      // Each client has its own connections to the masters, all from this host: the broker's
      // per-host limit bounds how many it can serve.
      const limit = this.broker.config.maxConnectionsPerHost;
      if (this.sessions.size >= limit) {
        throw new StatusError(
          'TOO_MANY_REQUESTS',
          `this gRPC service serves ${limit} clients already (maxConnectionsPerHost); raise it in broker.conf or use another endpoint`,
        );
      }
      session = new ClientSession(caller, this.validator, this.options.clientTls);
      serveBrokerCommands(session, this.routes);
      this.sessions.set(caller.clientId, session);
    }
    session.caller = caller;
    session.lastSeen = Date.now();
    return session;
  }

  /** HEART_BEAT, as the client, to the masters of every topic it publishes or subscribes to. */
  private async heartbeat(session: ClientSession): Promise<void> {
    const settings = session.settings;
    const topics = [
      ...(settings?.publishing?.topics ?? []).map((topic) => topic.name),
      ...(settings?.subscription?.subscriptions ?? []).map((entry) => entry.topic.name),
    ];
    const addresses = new Set<string>();
    for (const topic of topics) {
      try {
        for (const queues of await this.routes.route(topic)) addresses.add(queues.address);
      } catch {
        // A topic without a route yet has no broker to tell.
      }
    }
    const body = encodeJsonBody(session.heartbeatData());
    await Promise.all(
      [...addresses].map((address) =>
        session.invoke(address, createRequest(RequestCode.HEART_BEAT, { body })).catch((error: Error) => {
          this.logger.warn(`gRPC: heartbeat of ${session.clientId} to ${address} failed: ${error.message}`);
        }),
      ),
    );
  }

  /** Forget clients not heard from for SESSION_EXPIRY_MS; their broker connections close. */
  private sweep(): void {
    const oldest = Date.now() - SESSION_EXPIRY_MS;
    for (const session of this.sessions.values()) {
      if (session.lastSeen < oldest && !session.online) void this.forget(session);
    }
  }

  /** A client is gone: its group's progress committed, its broker connections closed. */
  private async forget(session: ClientSession): Promise<void> {
    this.sessions.delete(session.clientId);
    await this.pop.release(session);
    await session.close();
  }
}

/**
 * The service as the broker's settings ask (grpcServerEnable, grpcServerPort, and its tls.*
 * settings: TLS on the gRPC port when the broker's ports take it), started; undefined when off.
 */
export async function startGrpcServer(
  broker: BrokerController,
  tls: ProcessTls | undefined,
  logger?: Logger,
): Promise<GrpcMessagingServer | undefined> {
  if (!broker.config.grpcServerEnable) return undefined;
  const server = new GrpcMessagingServer(broker, {
    port: broker.config.grpcServerPort,
    tls: tls?.server,
    clientTls: tls?.client,
    logger,
  });
  await server.start();
  return server;
}
