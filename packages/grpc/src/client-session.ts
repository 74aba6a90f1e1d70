import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { PlainAccessValidator } from '@rocketnest/acl';
import { signRequest, type HeartbeatData, type RemotingCommand } from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import type { ConnectionOptions } from 'node:tls';
import type { Caller } from './auth.js';
import { StatusError } from './status.js';
import type { ClientType, FilterExpression, Resource } from './v2-types.js';

/** A TelemetryCommand: one of its fields is set, named by `command` (proto-loader's oneof). */
export interface TelemetryCommand {
  status?: { code: string; message: string };
  command?: string;
  settings?: ClientSettings;
  thread_stack_trace?: { nonce: string; thread_stack_trace?: string };
  verify_message_result?: { nonce: string };
  [command: string]: unknown;
}

/** The Settings a v5 client reports on its telemetry stream. */
export interface ClientSettings {
  client_type?: ClientType;
  publishing?: { topics: Resource[]; [field: string]: unknown };
  subscription?: {
    group?: Resource;
    subscriptions: { topic: Resource; expression: FilterExpression }[];
    [field: string]: unknown;
  };
  user_agent?: { language: string; version: string; hostname: string };
  [field: string]: unknown;
}

/** How long a command sent to a client (verify, thread stack) waits for its answer. */
const COMMAND_TIMEOUT_MS = 3000;

/**
 * One v5 client, by its x-mq-client-id: its telemetry stream and settings, and its own
 * remoting connections to the brokers, on which it heartbeats as itself, so that transaction
 * checks and mqadmin's calls to it reach this session.
 */
export class ClientSession {
  readonly remoting: RemotingClient;
  settings: ClientSettings | undefined;
  lastSeen = Date.now();
  private stream: ServerDuplexStream<TelemetryCommand, TelemetryCommand> | undefined;
  private readonly waiting = new Map<string, (command: TelemetryCommand) => void>();
  private nonce = 0;

  constructor(
    public caller: Caller,
    private readonly validator: PlainAccessValidator | undefined,
    tls: ConnectionOptions | undefined,
  ) {
    this.remoting = new RemotingClient({ tls, requestTimeoutMs: 3000 });
  }

  get clientId(): string {
    return this.caller.clientId;
  }

  get clientType(): ClientType {
    return this.settings?.client_type ?? 'CLIENT_TYPE_UNSPECIFIED';
  }

  /** The consumer group of a consumer's settings. */
  get group(): string | undefined {
    return this.settings?.subscription?.group?.name;
  }

  /**
   * Send a request to a broker as this client: signed with its account, and first checked as
   * the broker would check it from the client's own host (the broker sees this process's).
   */
  async invoke(address: string, request: RemotingCommand, timeoutMs?: number): Promise<RemotingCommand> {
    if (this.caller.credentials) signRequest(request, this.caller.credentials);
    const refusal = this.validator?.refusal(request, this.caller.host);
    if (refusal) {
      const unknown = /^(No accessKey|No acl config|Check signature)/.test(refusal);
      throw new StatusError(unknown ? 'UNAUTHORIZED' : 'FORBIDDEN', refusal);
    }
    return this.remoting.invoke(address, request, timeoutMs === undefined ? {} : { timeoutMs });
  }

  /** The HEART_BEAT body brokers learn this client from: its topics as producer groups, its group. */
  heartbeatData(): HeartbeatData {
    const settings = this.settings;
    const group = this.group;
    return {
      clientID: this.clientId,
      producerDataSet: (settings?.publishing?.topics ?? []).map((topic) => ({ groupName: topic.name })),
      consumerDataSet: group
        ? [
            {
              groupName: group,
              consumeType: 'CONSUME_POP',
              messageModel: 'CLUSTERING',
              consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
              subscriptionDataSet: (settings?.subscription?.subscriptions ?? []).map(({ topic, expression }) => ({
                topic: topic.name,
                subString: expression.expression || '*',
                tagsSet: [],
                codeSet: [],
                subVersion: 0,
                expressionType: expression.type === 'SQL' ? 'SQL92' : 'TAG',
              })),
              unitMode: false,
            },
          ]
        : [],
    };
  }

  /** The client's telemetry stream: commands to it go there, its answers come back through answered(). */
  attach(stream: ServerDuplexStream<TelemetryCommand, TelemetryCommand>): void {
    this.stream = stream;
    stream.on('close', () => {
      if (this.stream === stream) this.stream = undefined;
    });
  }

  get online(): boolean {
    return this.stream !== undefined;
  }

  /** Write a command to the client; false when it has no telemetry stream open. */
  send(command: TelemetryCommand): boolean {
    const stream = this.stream;
    if (!stream || stream.destroyed) return false;
    stream.write(command);
    return true;
  }

  /** Send a command that carries a nonce and wait for the client's answer with that nonce. */
  ask(field: string, body: Record<string, unknown>): Promise<TelemetryCommand> {
    const nonce = `${this.clientId}-${++this.nonce}`;
    return new Promise<TelemetryCommand>((resolve, reject) => {
      if (!this.send({ [field]: { ...body, nonce } })) {
        reject(new Error(`client ${this.clientId} has no telemetry stream open`));
        return;
      }
      const timer = setTimeout(() => {
        this.waiting.delete(nonce);
        reject(new Error(`client ${this.clientId} did not answer ${field} within ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      this.waiting.set(nonce, (command) => {
        clearTimeout(timer);
        resolve(command);
      });
    });
  }

  /** An answer from the client to a command of ask(). */
  answered(nonce: string, command: TelemetryCommand): void {
    const resolve = this.waiting.get(nonce);
    this.waiting.delete(nonce);
    resolve?.(command);
  }

  /**
   * Close its broker connections. Its telemetry stream is the client's to end: a v5 client
   * whose stream the server ends opens another one.
   */
  async close(): Promise<void> {
    await this.remoting.close();
  }
}
