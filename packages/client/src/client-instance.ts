import type { ConnectionOptions } from 'node:tls';
import { type Logger, PeriodicTasks } from '@rocketnest/common';
import {
  SerializeType,
  createRequest,
  encodeJsonBody,
  parseJavaJson,
  RequestCode,
  ResponseCode,
  type HeartbeatData,
  type RemotingCommand,
  type TopicRouteData,
  GetRouteInfoRequestHeader,
  signRequest,
  type AclCredentials,
} from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { MQBrokerError, MQClientError } from './errors.js';
import { localIPv4 } from './unique-id.js';

export interface ClientOptions {
  /** NameServer addresses, host:port separated by ';'. */
  namesrvAddr: string;
  /** Part of the client id (ip@instanceName); defaults to the process id, with -2, -3 ... for the later clients of a process. */
  instanceName?: string | undefined;
  /** How often routes of the topics in use are refreshed (ms, default 30 s). */
  pollNameServerInterval?: number | undefined;
  /** How often the brokers of those routes get a heartbeat (ms, default 30 s). */
  heartbeatBrokerInterval?: number | undefined;
  /** Default timeout of a request (ms, default 3 s). */
  requestTimeoutMs?: number | undefined;
  logger?: Logger | undefined;
  /**
   * How request headers are encoded: 'ROCKETMQ' (default), RocketMQ's binary form, or 'JSON',
   * the Java client's default. Brokers and NameServers of RocketMQ 4.x and 5.x read both; the
   * binary form takes the client and the broker about 40% less time per header.
   */
  serializeType?: 'ROCKETMQ' | 'JSON' | undefined;
  /**
   * An account of the brokers' plain_acl.yml: every request is signed with it, as RocketMQ's
   * AclClientRPCHook signs them. Needed where brokers have aclEnable on; ignored by brokers without.
   */
  credentials?: AclCredentials | undefined;
  /**
   * Connect to NameServers and brokers with TLS: true for Node's defaults (the server's
   * certificate must chain to a trusted CA and name the address connected to), or options
   * (ca, cert and key for client authentication, checkServerIdentity, ...).
   */
  tls?: boolean | ConnectionOptions | undefined;
}

/** Client instances made in this process, for a default instance name of their own. */
let instancesMade = 0;

/**
 * What the producers and consumers of a client share (MQClientInstance): the NameServer
 * addresses, one connection per broker, the routes of the topics in use refreshed every 30 s,
 * and heartbeats to the brokers that serve them.
 */
export class ClientInstance {
  readonly clientId: string;
  readonly remoting: RemotingClient;
  readonly requestTimeoutMs: number;
  private readonly namesrvs: string[];
  private namesrvIndex = 0;
  private readonly routes = new Map<string, TopicRouteData>();
  /** Route refreshes and heartbeats: a failure is retried at the next turn. */
  private readonly tasks = new PeriodicTasks(() => {});
  /** Heartbeat data of the producers and consumers registered on this instance. */
  heartbeat: () => Omit<HeartbeatData, 'clientID'> = () => ({ producerDataSet: [], consumerDataSet: [] });
  /** Called when a refreshed route differs from the one known. */
  onRouteChanged: (topic: string, route: TopicRouteData | undefined) => void = () => {};

  constructor(private readonly options: ClientOptions) {
    this.namesrvs = options.namesrvAddr
      .split(';')
      .map((address) => address.trim())
      .filter((address) => address.length > 0);
    if (this.namesrvs.length === 0) {
      throw new MQClientError(
        `namesrvAddr "${options.namesrvAddr}" names no NameServer: give host:port entries separated by ';'`,
      );
    }
    // Each instance its own id: brokers find a requester's connection by it (request-reply), and
    // RocketMQ 4.x keeps one connection per id, so a second client with the first's id would take its replies.
    instancesMade++;
    const instanceName =
      options.instanceName ?? (instancesMade === 1 ? String(process.pid) : `${process.pid}-${instancesMade}`);
    this.clientId = `${localIPv4() ?? '127.0.0.1'}@${instanceName}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 3000;
    const credentials = options.credentials;
    this.remoting = new RemotingClient({
      requestTimeoutMs: this.requestTimeoutMs,
      logger: options.logger,
      serializeType: options.serializeType === 'JSON' ? SerializeType.JSON : SerializeType.ROCKETMQ,
      beforeRequest: credentials && ((request) => signRequest(request, credentials)),
      tls: options.tls,
    });
  }

  start(): void {
    this.tasks.every(this.options.pollNameServerInterval ?? 30_000, () => this.refreshRoutes());
    this.tasks.every(this.options.heartbeatBrokerInterval ?? 30_000, () => this.sendHeartbeats());
  }

  /** Send a request to a NameServer, moving on to the next when one cannot be reached. */
  async invokeNamesrv(request: () => RemotingCommand): Promise<RemotingCommand> {
    let lastError: unknown;
    for (let tried = 0; tried < this.namesrvs.length; tried++) {
      const address = this.namesrvs[this.namesrvIndex % this.namesrvs.length]!;
      try {
        return await this.remoting.invoke(address, request(), { timeoutMs: this.requestTimeoutMs });
      } catch (error) {
        lastError = error;
        this.namesrvIndex++;
      }
    }
    throw new MQClientError(`no NameServer of ${this.namesrvs.join(';')} answered: ${(lastError as Error).message}`, {
      cause: lastError,
    });
  }

  /** A topic's route from the NameServers, or undefined when it has none. */
  async fetchRoute(topic: string): Promise<TopicRouteData | undefined> {
    const response = await this.invokeNamesrv(() =>
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
        extFields: GetRouteInfoRequestHeader.encode({ topic, acceptStandardJsonOnly: true }),
      }),
    );
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, 'NameServer');
    // A Java NameServer may write brokerAddrs with unquoted integer keys (fastjson).
    return parseJavaJson(response.body?.toString('utf8') ?? '{}') as TopicRouteData;
  }

  /** The known route of a topic, fetched when not yet known. */
  async route(topic: string): Promise<TopicRouteData | undefined> {
    const known = this.routes.get(topic);
    if (known) return known;
    const route = await this.fetchRoute(topic);
    if (route) this.routes.set(topic, route);
    return route;
  }

  /** Refetch a topic's route now (after a send failed, say). */
  async refreshRoute(topic: string): Promise<TopicRouteData | undefined> {
    const route = await this.fetchRoute(topic);
    const before = JSON.stringify(this.routes.get(topic));
    if (route) this.routes.set(topic, route);
    else this.routes.delete(topic);
    if (JSON.stringify(route) !== before) this.onRouteChanged(topic, route);
    return route;
  }

  private async refreshRoutes(): Promise<void> {
    for (const topic of [...this.routes.keys()]) await this.refreshRoute(topic).catch(() => {});
  }

  /** Master addresses of every broker in the known routes. */
  /** Every address of the brokers of the known routes: masters, and with slaves, their slaves too. */
  brokerAddresses(slaves: boolean): Set<string> {
    const addresses = new Set<string>();
    for (const route of this.routes.values()) {
      for (const broker of route.brokerDatas) {
        for (const [id, address] of Object.entries(broker.brokerAddrs))
          if (slaves || id === '0') addresses.add(address);
      }
    }
    return addresses;
  }

  /**
   * HEART_BEAT to every broker master of the known routes, and to their slaves when there are
   * consumers (sendHeartbeatToAllBroker): a consumer reading from a slave while its master is
   * away must be known there, its group too.
   */
  async sendHeartbeats(): Promise<void> {
    const heartbeat = this.heartbeat();
    const body = encodeJsonBody({ clientID: this.clientId, ...heartbeat });
    await Promise.all(
      [...this.brokerAddresses(heartbeat.consumerDataSet.length > 0)].map((address) =>
        this.remoting
          .invoke(address, createRequest(RequestCode.HEART_BEAT, { body }), { timeoutMs: this.requestTimeoutMs })
          .catch(() => undefined),
      ),
    );
  }

  async shutdown(): Promise<void> {
    this.tasks.stop();
    await this.remoting.close();
  }
}
