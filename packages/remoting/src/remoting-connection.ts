import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  COPY_BODY_BELOW,
  FrameDecoder,
  isResponse,
  measureFrame,
  ONEWAY_FLAG,
  ProtocolError,
  requestCodeName,
  writeFrameHead,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { formatAddress } from './address.js';
import { RemotingClosedError, RemotingTimeoutError, RemotingTooManyRequestsError } from './errors.js';
import { InFlightTable } from './in-flight-table.js';
import type { Logger } from '@rocketnest/common';
import type { ProcessorTable } from './processor-table.js';

export interface ConnectionOptions {
  /** The largest frame accepted, length prefix included (default 16 MiB). */
  maxFrameLength?: number | undefined;
  /** Close the connection after this long with nothing read or written; 0 never (default 120 s, as RocketMQ). */
  idleTimeMs?: number | undefined;
  /** Requests this side may have awaiting a response at once (default 65,535, as RocketMQ's permits). */
  maxPendingRequests?: number | undefined;
  /**
   * Requests from the peer being processed or waiting for a processor at once; beyond, the peer
   * is answered SYSTEM_BUSY, so that one connection cannot take every processor's queue (default 4,096).
   */
  maxRequestsInFlight?: number | undefined;
  /** The largest frame header taken from the peer; beyond, the connection is closed (default: any). */
  maxHeaderLength?: number | undefined;
}

export interface ConnectionSettings extends ConnectionOptions {
  logger: Logger;
  /**
   * Stop reading while writes back up, so that a peer that sends faster than it reads is slowed
   * down instead of growing our buffers. Only a server may do this: if both ends did, each
   * could wait for the other to read.
   */
  pauseReadsWhenCongested: boolean;
}

interface PendingRequest {
  code: number;
  resolve(response: RemotingCommand): void;
  reject(error: Error): void;
  /** performance.now() after which the request has timed out. */
  deadline: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Bounds of the size of a write slab: idle connections keep small ones, busy ones large. */
const MIN_SLAB = 4 * 1024;
const MAX_SLAB = 64 * 1024;

type ConnectionEvents = {
  /** The connection closed; the error says why when it did not close cleanly. */
  close: [error: Error | undefined];
  /** Nothing was read or written for idleTimeMs; the connection closes next. */
  idle: [];
};

/**
 * One TCP (or TLS) connection speaking the remoting protocol, either end: requests it sends are
 * correlated with their responses by opaque; requests it receives go to a processor table.
 * Frames written in one turn of the event loop leave in one write.
 */
export class RemotingConnection extends EventEmitter<ConnectionEvents> {
  readonly remoteAddress: string;
  /** The peer's IP address alone, what per-host limits count by. */
  readonly remoteHost: string;
  readonly localAddress: string;
  private readonly decoder: FrameDecoder;
  private readonly pending = new InFlightTable<PendingRequest>();
  private readonly maxPendingRequests: number;
  readonly maxRequestsInFlight: number;
  /** Requests from the peer a processor works on or holds in its queue now (ProcessorTable counts them). */
  requestsInFlight = 0;
  /**
   * Frames are encoded straight into a slab, one after another, so that pipelined frames cost
   * no allocation or copy of their own and leave in one write. Bytes of the slab from
   * slabFlushed to slabWritten await the next flush; large bodies go out as their own chunks.
   */
  private slab: Buffer | undefined;
  private slabWritten = 0;
  private slabFlushed = 0;
  private outgoing: Buffer[] = [];
  private writeCallbacks: ((error?: Error | null) => void)[] = [];
  private flushScheduled = false;
  private closeCause: Error | undefined;
  /** One timer for all requests in flight, due at the earliest deadline among them. */
  private timeoutTimer: NodeJS.Timeout | undefined;
  private timeoutDue = Number.POSITIVE_INFINITY;
  private closedPromise: Promise<void>;
  /** Set as soon as the connection starts to go: closed, destroyed, ended by the peer or failed. */
  private isClosed = false;

  constructor(
    private readonly socket: Socket,
    private readonly processors: ProcessorTable,
    private readonly settings: ConnectionSettings,
  ) {
    super();
    this.remoteAddress = formatAddress(socket.remoteAddress, socket.remotePort);
    this.remoteHost = socket.remoteAddress ?? 'unknown';
    this.localAddress = formatAddress(socket.localAddress, socket.localPort);
    this.decoder = new FrameDecoder({
      maxFrameLength: settings.maxFrameLength,
      maxHeaderLength: settings.maxHeaderLength,
    });
    this.maxPendingRequests = settings.maxPendingRequests ?? 65_535;
    this.maxRequestsInFlight = settings.maxRequestsInFlight ?? 4096;
    socket.setNoDelay(true);
    const idleTimeMs = settings.idleTimeMs ?? 120_000;
    if (idleTimeMs > 0) socket.setTimeout(idleTimeMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => {
      settings.logger.debug(`closing connection to ${this.remoteAddress}: idle for ${idleTimeMs} ms`);
      this.emit('idle');
      this.destroy(new RemotingClosedError(`idle for ${idleTimeMs} ms`));
    });
    socket.on('error', (error) => {
      this.closeCause ??= error;
      this.isClosed = true;
    });
    socket.on('end', () => {
      this.closeCause ??= new RemotingClosedError('the peer ended the connection');
      this.isClosed = true;
    });
    this.closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        this.failPending((request) => this.closedError(request));
        this.emit('close', this.closeCause);
        resolve();
      });
    });
  }

  /** True once the socket has closed or is closing. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Requests sent on this connection still awaiting their response. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /**
   * Send a request and resolve with its response, whatever the response code. Rejects with
   * RemotingTimeoutError after timeoutMs, RemotingClosedError if the connection goes, or the
   * signal's reason if it is aborted.
   */
  invoke(request: RemotingCommand, timeoutMs: number, signal?: AbortSignal): Promise<RemotingCommand> {
    return new Promise<RemotingCommand>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      if (this.closed) return reject(this.closedError(request));
      if (this.pending.size >= this.maxPendingRequests) {
        return reject(
          new RemotingTooManyRequestsError(
            `${this.maxPendingRequests} requests already await a response from ${this.remoteAddress}; ` +
              'send fewer at once or raise maxPendingRequests',
          ),
        );
      }
      const opaque = request.opaque;
      if (this.pending.has(opaque)) {
        return reject(new RangeError(`opaque ${opaque} is already in flight on ${this.remoteAddress}`));
      }
      try {
        this.queueFrame(request);
      } catch (error) {
        return reject(error as Error);
      }
      const entry: PendingRequest = {
        code: request.code,
        resolve,
        reject,
        deadline: performance.now() + timeoutMs,
        timeoutMs,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        entry.onAbort = () => this.settle(opaque)?.reject(signal.reason as Error);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(opaque, entry);
      if (entry.deadline < this.timeoutDue) this.scheduleTimeouts(entry.deadline);
    });
  }

  /**
   * Timeouts share one timer rather than one each: at hundreds of thousands of requests a
   * second, a timer per request is a large share of the work. When it fires, every request past
   * its deadline fails and the timer moves to the next deadline.
   */
  private scheduleTimeouts(due: number): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.timeoutDue = due;
    this.timeoutTimer = setTimeout(() => this.expireRequests(), Math.max(0, due - performance.now()));
    this.timeoutTimer.unref();
  }

  private expireRequests(): void {
    this.timeoutTimer = undefined;
    this.timeoutDue = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [opaque, pending] of this.pending.entries()) {
      if (pending.deadline <= now + 1) {
        this.settle(opaque);
        pending.reject(
          new RemotingTimeoutError(
            `${describe({ code: pending.code, opaque })} to ${this.remoteAddress} got no response within ${pending.timeoutMs} ms`,
          ),
        );
      } else if (pending.deadline < next) next = pending.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY) this.scheduleTimeouts(next);
  }

  /** Send a one-way request (no response will come); resolves once it is written to the socket. */
  invokeOneway(request: RemotingCommand): Promise<void> {
    request.flag |= ONEWAY_FLAG;
    return new Promise<void>((resolve, reject) => {
      if (this.closed) return reject(this.closedError(request));
      try {
        this.queueFrame(request, (error) => (error ? reject(this.closedError(request, error)) : resolve()));
      } catch (error) {
        reject(error as Error);
      }
    });
  }

  /** Send a response (or any command) without waiting; dropped if the connection has closed. */
  send(command: RemotingCommand): void {
    if (this.closed) {
      this.settings.logger.debug(`dropped ${describe(command)} for ${this.remoteAddress}: connection closed`);
      return;
    }
    try {
      this.queueFrame(command);
    } catch (error) {
      this.settings.logger.error(`could not encode ${describe(command)}: ${(error as Error).message}`);
    }
  }

  /**
   * Close gracefully: requests in flight fail at once with RemotingClosedError, frames already
   * queued are written, then the socket ends. Resolves when it has closed.
   */
  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.closeCause ??= new RemotingClosedError('closed locally');
      this.failPending((request) => this.closedError(request));
      this.flush();
      this.socket.end();
      // A peer that never acknowledges the end does not hold us up.
      setTimeout(() => this.socket.destroy(), 1_000).unref();
    }
    return this.closedPromise;
  }

  /** Close at once, failing everything in flight with the given cause. */
  destroy(cause?: Error): void {
    if (cause) this.closeCause ??= cause;
    this.isClosed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      this.decoder.push(chunk, (command) => this.onCommand(command));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.settings.logger.warn(`closing connection to ${this.remoteAddress}: ${error.message}`);
      this.destroy(error);
    }
  }

  private onCommand(command: RemotingCommand): void {
    if (!isResponse(command)) {
      this.processors.dispatch(command, this);
      return;
    }
    const pending = this.settle(command.opaque);
    if (pending) pending.resolve(command);
    else {
      this.settings.logger.debug(
        `dropped a response with opaque ${command.opaque} from ${this.remoteAddress}: no request awaits it (timed out?)`,
      );
    }
  }

  private settle(opaque: number): PendingRequest | undefined {
    const pending = this.pending.take(opaque);
    if (!pending) return undefined;
    if (this.pending.size === 0 && this.timeoutTimer) {
      clearTimeout(this.timeoutTimer);
      this.timeoutTimer = undefined;
      this.timeoutDue = Number.POSITIVE_INFINITY;
    }
    if (pending.onAbort) pending.signal!.removeEventListener('abort', pending.onAbort);
    return pending;
  }

  private failPending(errorFor: (request: { code: number; opaque: number }) => Error): void {
    for (const [opaque, pending] of this.pending.entries()) {
      this.settle(opaque);
      pending.reject(errorFor({ code: pending.code, opaque }));
    }
  }

  private closedError(request: { code: number; opaque: number }, cause = this.closeCause): RemotingClosedError {
    const why = cause ? `: ${cause.message}` : '';
    return new RemotingClosedError(
      `connection to ${this.remoteAddress} closed${why}; ${describe(request)} did not get a response`,
      { cause },
    );
  }

  private queueFrame(command: RemotingCommand, onWritten?: (error?: Error | null) => void): void {
    const frame = measureFrame(command);
    const inlineBody = frame.bodyLength < COPY_BODY_BELOW;
    const needed = frame.headLength + (inlineBody ? frame.bodyLength : 0);
    let slab = this.slab;
    if (!slab || slab.length - this.slabWritten < needed) {
      this.sealSlab();
      const size = Math.max(needed, Math.min(MAX_SLAB, Math.max(MIN_SLAB, 2 * this.slabWritten)));
      slab = this.slab = Buffer.allocUnsafe(size);
      this.slabWritten = this.slabFlushed = 0;
    }
    writeFrameHead(frame, slab, this.slabWritten);
    this.slabWritten += frame.headLength;
    if (inlineBody) {
      if (frame.bodyLength > 0) this.slabWritten += command.body!.copy(slab, this.slabWritten);
    } else {
      this.sealSlab();
      this.outgoing.push(command.body!);
    }
    if (onWritten) this.writeCallbacks.push(onWritten);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Move the slab's unflushed bytes to the outgoing chunks. */
  private sealSlab(): void {
    if (this.slab && this.slabWritten > this.slabFlushed) {
      this.outgoing.push(this.slab.subarray(this.slabFlushed, this.slabWritten));
      this.slabFlushed = this.slabWritten;
    }
  }

  /** Write everything queued in this turn of the event loop. */
  private flush(): void {
    this.flushScheduled = false;
    this.sealSlab();
    if (this.outgoing.length === 0) return;
    const chunks = this.outgoing;
    const callbacks = this.writeCallbacks;
    this.outgoing = [];
    this.writeCallbacks = [];
    const done =
      callbacks.length === 0
        ? undefined
        : (error?: Error | null) => {
            for (const callback of callbacks) callback(error);
          };
    const socket = this.socket;
    if (socket.destroyed) {
      done?.(this.closeCause ?? new RemotingClosedError('socket destroyed'));
      return;
    }
    let writable = true;
    if (chunks.length === 1) writable = socket.write(chunks[0]!, done);
    else {
      socket.cork();
      for (let i = 0; i < chunks.length; i++) {
        writable = socket.write(chunks[i]!, i === chunks.length - 1 ? done : undefined);
      }
      socket.uncork();
    }
    if (!writable && this.settings.pauseReadsWhenCongested && !socket.isPaused()) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  }
}

function describe(command: { code: number; opaque: number }): string {
  return `request ${requestCodeName(command.code) ?? 'code'} (${command.code}, opaque ${command.opaque})`;
}
