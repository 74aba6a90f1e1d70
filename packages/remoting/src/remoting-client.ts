import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { RemotingCommand, SerializeType } from '@rocketnest/protocol';
import { parseAddress } from './address.js';
import { RemotingClosedError, RemotingConnectError } from './errors.js';
import { consoleLogger, type Logger } from '@rocketnest/common';
import { ProcessorTable, type ProcessorOptions, type RequestProcessor } from './processor-table.js';
import { RemotingConnection, type ConnectionOptions } from './remoting-connection.js';

export interface RemotingClientOptions extends ConnectionOptions {
  /** How long a connection attempt may take (default 3 s, as RocketMQ's connectTimeoutMillis). */
  connectTimeoutMs?: number | undefined;
  /** Timeout of a request that names none (default 3 s, as RocketMQ's mqClientApiTimeout). */
  requestTimeoutMs?: number | undefined;
  /** Connect with TLS: true for the defaults, or options (ca, servername, ...). */
  tls?: boolean | tls.ConnectionOptions | undefined;
  logger?: Logger | undefined;
  /**
   * How the headers of the requests this client sends are encoded, whatever their commands say:
   * SerializeType.JSON or SerializeType.ROCKETMQ (binary, cheaper to write and to read). Every
   * RocketMQ 4.x and 5.x server reads both and answers in the request's encoding. Unset: as
   * each command says.
   */
  serializeType?: SerializeType | undefined;
  /**
   * Called with each request just before it is sent (RocketMQ's RPCHook.doBeforeRequest): the
   * client signs requests here for a broker with ACL on.
   */
  beforeRequest?: ((request: RemotingCommand) => void) | undefined;
}

export interface InvokeOptions {
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

type ClientEvents = {
  connect: [connection: RemotingConnection];
  disconnect: [connection: RemotingConnection, error: Error | undefined];
};

/**
 * The connecting end of the remoting protocol: one long-lived connection per address, opened on
 * first use and again after it closes, and processors for requests the server sends back.
 */
export class RemotingClient extends EventEmitter<ClientEvents> {
  private readonly processors = new ProcessorTable();
  private readonly connections = new Map<string, Promise<RemotingConnection>>();
  /** The connections of `connections` that are established. */
  private readonly open = new Map<string, RemotingConnection>();
  private readonly logger: Logger;
  private closing = false;

  constructor(private readonly options: RemotingClientOptions = {}) {
    super();
    this.logger = options.logger ?? consoleLogger('remoting');
  }

  /** Handle requests of this code that servers send to this client. */
  registerProcessor(code: number, processor: RequestProcessor, options?: ProcessorOptions): this {
    this.processors.register(code, processor, options);
    return this;
  }

  /** Send a request to address ("host:port") and resolve with the response, whatever its code. */
  invoke(address: string, request: RemotingCommand, options: InvokeOptions = {}): Promise<RemotingCommand> {
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 3_000;
    this.prepare(request);
    // The common case, an open connection, goes straight to it without an extra await.
    const open = this.open.get(address);
    if (open && !open.closed) return open.invoke(request, timeoutMs, options.signal);
    return this.connection(address, options.signal).then((connection) =>
      connection.invoke(request, timeoutMs, options.signal),
    );
  }

  /** Send a one-way request; resolves once it is written. */
  async invokeOneway(address: string, request: RemotingCommand): Promise<void> {
    this.prepare(request);
    const connection = await this.connection(address);
    return connection.invokeOneway(request);
  }

  private prepare(request: RemotingCommand): void {
    if (this.options.serializeType !== undefined) request.serializeType = this.options.serializeType;
    this.options.beforeRequest?.(request);
  }

  /** The open connection to address, connecting first if there is none. */
  connection(address: string, signal?: AbortSignal): Promise<RemotingConnection> {
    if (this.closing) return Promise.reject(new RemotingClosedError('the client is closed'));
    let connecting = this.connections.get(address);
    if (!connecting) {
      connecting = this.connect(address, signal);
      this.connections.set(address, connecting);
      connecting.catch(() => this.connections.delete(address));
    }
    return connecting;
  }

  /** Close every connection: requests in flight fail at once with RemotingClosedError. */
  async close(): Promise<void> {
    this.closing = true;
    const open = [...this.connections.values()];
    this.connections.clear();
    this.open.clear();
    await Promise.all(
      open.map((connecting) =>
        connecting.then(
          (c) => c.close(),
          () => undefined,
        ),
      ),
    );
  }

  private connect(address: string, signal?: AbortSignal): Promise<RemotingConnection> {
    const timeoutMs = this.options.connectTimeoutMs ?? 3_000;
    return new Promise<RemotingConnection>((resolve, reject) => {
      const { host, port } = parseAddress(address);
      const tlsOptions = this.options.tls;
      const socket: net.Socket = tlsOptions
        ? tls.connect({ host, port, ...(typeof tlsOptions === 'object' ? tlsOptions : {}) })
        : net.connect({ host, port, noDelay: true });
      const connectedEvent = tlsOptions ? 'secureConnect' : 'connect';
      const fail = (error: Error) => {
        cleanup();
        socket.destroy();
        reject(new RemotingConnectError(`cannot connect to ${address}: ${error.message}`, { cause: error }));
      };
      const onError = (error: Error) => fail(error);
      const onAbort = () => fail(signal!.reason as Error);
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('error', onError);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.once(connectedEvent, () => {
        cleanup();
        const connection = new RemotingConnection(socket, this.processors, {
          ...this.options,
          logger: this.logger,
          pauseReadsWhenCongested: false,
        });
        connection.once('close', (error) => {
          // Forget it only if it is still the one we hand out.
          if (this.open.get(address) === connection) {
            this.open.delete(address);
            this.connections.delete(address);
          }
          this.emit('disconnect', connection, error);
        });
        if (!this.closing) this.open.set(address, connection);
        this.emit('connect', connection);
        resolve(connection);
      });
    });
  }
}
