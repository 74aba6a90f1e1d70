import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { RemotingCommand } from '@rocketnest/protocol';
import { formatAddress, type SocketAddress } from './address.js';
import { consoleLogger, type Logger } from '@rocketnest/common';
import { ProcessorTable, type ProcessorOptions, type RequestProcessor } from './processor-table.js';
import { RemotingConnection, type ConnectionOptions } from './remoting-connection.js';
import type { ServerTls, TlsMode } from './tls-settings.js';

/** The first byte of a TLS handshake record: how a permissive server tells TLS from plain TCP (RocketMQ's HandshakeHandler). */
const TLS_HANDSHAKE = 0x16;
/**
 * The largest request header a server takes (1 MiB): RocketMQ's clients send a few KiB, their
 * properties at most 32 KiB; a bigger one is an attack on the JSON parser, and closes the connection.
 */
const MAX_HEADER_LENGTH = 1024 * 1024;
/** A connection must have sent its first bytes (or finished its handshake) within this time. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface RemotingServerOptions extends ConnectionOptions {
  /** Address to bind (default 127.0.0.1; use 0.0.0.0 to serve other hosts). */
  host?: string | undefined;
  /** Port to bind; 0 picks a free one (default 0). */
  port?: number | undefined;
  /** Connections open at once at most; beyond, a new one is closed at once (default 10,000). */
  maxConnections?: number | undefined;
  /** Connections from one host at once at most (default 1,000). */
  maxConnectionsPerHost?: number | undefined;
  /** Serve TLS with these options (key and cert at least). */
  tls?: tls.TlsOptions | undefined;
  /** With tls: TLS only (enforcing, the default), or TLS and plain TCP on the one port (permissive). */
  tlsMode?: Exclude<TlsMode, 'disabled'> | undefined;
  /** With tls: whether clients must present a certificate (require) or may (optional); default none. */
  tlsClientAuth?: ServerTls['clientAuth'] | undefined;
  logger?: Logger | undefined;
}

type ServerEvents = {
  connect: [connection: RemotingConnection];
  disconnect: [connection: RemotingConnection, error: Error | undefined];
  idle: [connection: RemotingConnection];
};

/**
 * The listening end of the remoting protocol: a processor per request code, each with a bounded
 * queue, and requests of its own to any connected client (NOTIFY_CONSUMER_IDS_CHANGED,
 * CHECK_TRANSACTION_STATE, ...) over the connection that client opened.
 */
export class RemotingServer extends EventEmitter<ServerEvents> {
  private readonly processors = new ProcessorTable();
  private readonly live = new Set<RemotingConnection>();
  private readonly logger: Logger;
  private server: net.Server | undefined;
  private refused = 0;
  /** Handshakes for connections that start one (never listens itself). */
  private tlsServer: tls.Server | undefined;
  private lastRefusalLog = 0;

  constructor(private readonly options: RemotingServerOptions = {}) {
    super();
    this.logger = options.logger ?? consoleLogger('remoting');
  }

  registerProcessor(code: number, processor: RequestProcessor, options?: ProcessorOptions): this {
    this.processors.register(code, processor, options);
    return this;
  }

  /** The processor for codes with none of their own; without one they get REQUEST_CODE_NOT_SUPPORTED. */
  registerDefaultProcessor(processor: RequestProcessor, options?: ProcessorOptions): this {
    this.processors.registerDefault(processor, options);
    return this;
  }

  /** Why a new connection from host is one too many, or undefined. */
  private overLimit(host: string): string | undefined {
    const most = this.options.maxConnections ?? 10_000;
    if (this.live.size >= most) return `${this.live.size} are open and maxConnections is ${most}`;
    const perHost = this.options.maxConnectionsPerHost ?? 1000;
    let fromHost = 0;
    for (const connection of this.live) if (connection.remoteHost === host) fromHost++;
    if (fromHost >= perHost) return `${host} has ${fromHost} open and maxConnectionsPerHost is ${perHost}`;
    return undefined;
  }

  /** Connections open now. */
  get connections(): ReadonlySet<RemotingConnection> {
    return this.live;
  }

  /** Where the server listens; only after listen() has resolved. */
  get address(): SocketAddress {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('the server is not listening');
    return { host: address.address, port: address.port };
  }

  /** "host:port" as clients and NameServers name this server. */
  get addressString(): string {
    const { host, port } = this.address;
    return formatAddress(host, port);
  }

  listen(): Promise<SocketAddress> {
    if (this.server) return Promise.reject(new Error('the server is already listening'));
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    const host = this.options.host ?? '127.0.0.1';
    const port = this.options.port ?? 0;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        this.server = undefined;
        const hint = error.code === 'EADDRINUSE' ? '; another process holds it: pick another port or stop it' : '';
        reject(new Error(`cannot listen on ${formatAddress(host, port)}: ${error.message}${hint}`, { cause: error }));
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', (error) => this.logger.error(`server on ${this.addressString}: ${error.message}`));
        resolve(this.address);
      });
    });
  }

  /** Send a request to a client over its connection and await the answer. */
  invoke(
    connection: RemotingConnection,
    request: RemotingCommand,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<RemotingCommand> {
    return connection.invoke(request, timeoutMs, signal);
  }

  /** Send a one-way request to a client. */
  invokeOneway(connection: RemotingConnection, request: RemotingCommand): Promise<void> {
    return connection.invokeOneway(request);
  }

  /**
   * Stop accepting, close every connection gracefully (requests in flight to clients fail at
   * once with a clear error; answers already queued are written), and resolve when all is closed.
   */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...this.live].map((connection) => connection.close()));
    await closed;
  }

  private accept(socket: net.Socket): void {
    const refusal = this.overLimit(socket.remoteAddress ?? 'unknown');
    if (refusal) {
      this.refused++;
      // One line per second at most: a flood of connections must not flood the log too.
      if (Date.now() - this.lastRefusalLog >= 1000) {
        this.lastRefusalLog = Date.now();
        this.logger.warn(`closed ${this.refused} connection(s) at once: ${refusal}`);
        this.refused = 0;
      }
      socket.destroy();
      return;
    }
    if (this.options.tls) this.sniff(socket);
    else this.open(socket);
  }

  /**
   * Wait for the connection's first bytes: a TLS handshake is answered with TLS; anything else
   * is served as plain TCP under permissive, closed under enforcing.
   */
  private sniff(socket: net.Socket): void {
    const peer = formatAddress(socket.remoteAddress, socket.remotePort);
    const fail = (why: string) => {
      this.logger.warn(`closed the connection from ${peer}: ${why}`);
      socket.destroy();
    };
    const slow = () => fail(`no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`);
    const broken = () => socket.destroy();
    // Taken off again before the connection opens, which sets its own idle timeout and error handling.
    const settled = () => {
      socket.setTimeout(0);
      socket.off('timeout', slow);
      socket.off('error', broken);
    };
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, slow);
    socket.on('error', broken);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] !== TLS_HANDSHAKE) {
        if (this.options.tlsMode === 'permissive') {
          settled();
          this.open(socket);
          // Paused to hand the first bytes back; a 'data' listener does not undo an explicit pause.
          socket.resume();
        } else {
          fail(
            'it did not start a TLS handshake and this server is TLS only (tls.server.mode enforcing): connect with TLS',
          );
        }
        return;
      }
      // The TLS server takes the socket with the first bytes back in it, as if it had accepted it.
      // From here the TLS server's handshakeTimeout bounds the handshake.
      settled();
      this.tlsServer ??= this.createTlsServer();
      this.tlsServer.emit('connection', socket);
    });
  }

  /**
   * Handshakes for sniff(). It does not reject untrusted client certificates itself, so that a
   * missing one (allowed under optional) and an untrusted one (never) can be told apart here.
   */
  private createTlsServer(): tls.Server {
    const options = this.options.tls!;
    const tlsOptions = { ...options, rejectUnauthorized: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS };
    const server = tls.createServer(tlsOptions, (secure) => {
      const refuse = (why: string) => {
        this.logger.warn(
          `closed the connection from ${formatAddress(secure.remoteAddress, secure.remotePort)}: ${why}`,
        );
        secure.destroy();
      };
      const presented = Boolean(secure.getPeerCertificate()?.raw);
      if (this.options.tlsClientAuth === 'require' && !presented) {
        return refuse('it sent no client certificate and tls.server.need.client.auth is require');
      }
      if (presented && options.rejectUnauthorized && !secure.authorized) {
        return refuse(`its client certificate is not trusted: ${String(secure.authorizationError)}`);
      }
      this.open(secure);
    });
    server.on('tlsClientError', (error, secure) => {
      this.logger.warn(
        `TLS handshake with ${formatAddress(secure.remoteAddress, secure.remotePort)} failed: ${error.message}`,
      );
      secure.destroy();
    });
    return server;
  }

  private open(socket: net.Socket): void {
    const connection = new RemotingConnection(socket, this.processors, {
      maxHeaderLength: MAX_HEADER_LENGTH,
      ...this.options,
      logger: this.logger,
      pauseReadsWhenCongested: true,
    });
    this.live.add(connection);
    connection.on('idle', () => this.emit('idle', connection));
    connection.once('close', (error) => {
      this.live.delete(connection);
      this.emit('disconnect', connection, error);
    });
    this.emit('connect', connection);
  }
}
