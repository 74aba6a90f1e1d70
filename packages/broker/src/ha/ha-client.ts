import * as tls from 'node:tls';
import { connect, type Socket } from 'node:net';
import type { Logger } from '@rocketnest/common';
import type { MessageStore } from '@rocketnest/store';
import {
  encodeReport,
  HEARTBEAT_INTERVAL_MS,
  HOUSEKEEPING_INTERVAL_MS,
  readTransferHeader,
  TRANSFER_HEADER_SIZE,
} from './ha-frames.js';

/** A slave tries its master again this long after a connection ends or fails. */
const RECONNECT_MS = 5000;
/** Received bytes at which the slave stops reading until it has applied them, and resumes below. */
const PAUSE_AT_BYTES = 8 * 1024 * 1024;
const RESUME_AT_BYTES = 1024 * 1024;
/** Received frames applied in one append, at most. */
const APPLY_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Bytes received and not yet applied, kept as they came: a frame is copied out once whole, so a
 * slave far behind does not copy its whole backlog on every read.
 */
class ReceivedBytes {
  private readonly chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first n bytes (n <= length), copied only when they span chunks. */
  peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    for (const chunk of this.chunks) {
      const take = Math.min(chunk.length, n - at);
      chunk.copy(out, at, 0, take);
      at += take;
      if (at === n) break;
    }
    return out;
  }

  consume(n: number): void {
    this.length -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.length <= n) {
        n -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }
}

/**
 * A slave's side of the HA exchange (HAClient): connect to the master's HA port, report this
 * CommitLog's max offset (at once, every 5 s, and after each chunk applied), and append each
 * chunk the master sends at its offset. A chunk for another offset than this log's end means the
 * two logs differ: the connection is dropped, and tried again in 5 s.
 */
export class HAClient {
  /** host:port of the master's HA port, once known. */
  masterAddress: string | undefined;
  private socket: Socket | undefined;
  private received = new ReceivedBytes();
  private applying = false;
  /** The apply loop under way, which close() waits for. */
  private applied: Promise<void> = Promise.resolve();
  private lastReport = 0;
  private reportTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly store: Required<Pick<MessageStore, 'appendReplica'>> & Pick<MessageStore, 'getMaxPhyOffset'>,
    private readonly logger: Logger,
    /** Connect to the master's HA port with TLS (haTlsEnable). */
    private readonly tlsOptions?: tls.ConnectionOptions,
  ) {}

  start(): void {
    this.running = true;
    this.connect();
  }

  /** The master's HA address changed (or became known): replicate from there. */
  masterAt(address: string): void {
    if (address === this.masterAddress) return;
    this.masterAddress = address;
    this.socket?.destroy();
    if (this.running && !this.socket) this.connect();
  }

  private connect(): void {
    clearTimeout(this.retryTimer);
    const address = this.masterAddress;
    if (!this.running || !address || this.socket) return;
    const at = address.lastIndexOf(':');
    const target = { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
    const socket = this.tlsOptions ? tls.connect({ ...this.tlsOptions, ...target }) : connect(target);
    this.socket = socket;
    this.received = new ReceivedBytes();
    socket.setNoDelay(true);
    socket.on(this.tlsOptions ? 'secureConnect' : 'connect', () => {
      this.logger.info(`replicating from the master at ${address}, from offset ${this.store.getMaxPhyOffset()}`);
      this.report();
      this.reportTimer = setInterval(() => {
        if (Date.now() - this.lastReport > HOUSEKEEPING_INTERVAL_MS) socket.destroy();
        else this.report();
      }, HEARTBEAT_INTERVAL_MS);
      this.reportTimer.unref();
    });
    socket.on('data', (data) => {
      this.received.push(data);
      // Far behind, the master sends faster than this slave applies: let TCP hold the rest.
      if (this.received.length > PAUSE_AT_BYTES) socket.pause();
      if (!this.applying) this.applied = this.apply();
    });
    socket.on('error', (error) => this.logger.warn(`HA connection to ${address}: ${error.message}`));
    socket.on('close', () => {
      clearInterval(this.reportTimer);
      if (this.socket === socket) this.socket = undefined;
      if (!this.running) return;
      this.retryTimer = setTimeout(() => this.connect(), RECONNECT_MS);
      this.retryTimer.unref();
    });
  }

  private report(): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    socket.write(encodeReport(this.store.getMaxPhyOffset()), (error) => {
      if (!error) this.lastReport = Date.now();
    });
  }

  /**
   * Apply the whole frames received: consecutive ones go into the log as one append (up to
   * APPLY_BATCH_BYTES) and one report, so that a slave keeping up with a busy master writes and
   * reports per batch of the master's chunks, not per 32 KiB.
   */
  private async apply(): Promise<void> {
    this.applying = true;
    const socket = this.socket;
    try {
      while (socket && !socket.destroyed && this.received.length >= TRANSFER_HEADER_SIZE) {
        const bodies: Buffer[] = [];
        let start = -1;
        let bytes = 0;
        while (this.received.length >= TRANSFER_HEADER_SIZE && bytes < APPLY_BATCH_BYTES) {
          const { offset, size } = readTransferHeader(this.received.peek(TRANSFER_HEADER_SIZE), 0);
          if (this.received.length < TRANSFER_HEADER_SIZE + size) break;
          const expected = start < 0 ? this.store.getMaxPhyOffset() : start + bytes;
          if (expected !== 0 && offset !== expected) {
            if (bytes > 0) break; // Applied first; the next round checks this frame against the log.
            this.logger.error(
              `the master sent CommitLog bytes at ${offset}, but this log ends at ${expected}: reconnecting`,
            );
            socket.destroy();
            return;
          }
          // Socket reads are buffers of their own: keeping a view of one is safe; the store copies.
          bodies.push(this.received.peek(TRANSFER_HEADER_SIZE + size).subarray(TRANSFER_HEADER_SIZE));
          this.received.consume(TRANSFER_HEADER_SIZE + size);
          if (size > 0 && start < 0) start = offset;
          bytes += size;
        }
        if (socket.isPaused() && this.received.length < RESUME_AT_BYTES) socket.resume();
        if (bytes === 0) {
          if (bodies.length === 0) break; // A frame not yet whole.
          continue; // Heartbeats only.
        }
        await this.store.appendReplica(start, bodies.length === 1 ? bodies[0]! : Buffer.concat(bodies, bytes));
        this.report();
      }
    } catch (error) {
      this.logger.error(`applying what the master sent failed: ${(error as Error).message}: reconnecting`);
      socket?.destroy();
    } finally {
      this.applying = false;
    }
  }

  /** Stop replicating; resolves once the chunk being appended, if any, is in the log. */
  async close(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.reportTimer);
    this.socket?.destroy();
    await this.applied;
  }
}
