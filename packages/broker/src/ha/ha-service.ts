import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import * as tls from 'node:tls';
import type { Logger } from '@rocketnest/common';
import type { MessageStore } from '@rocketnest/store';
import {
  encodeTransferHeader,
  HEARTBEAT_INTERVAL_MS,
  HOUSEKEEPING_INTERVAL_MS,
  latestReport,
  REPORT_SIZE,
  TRANSFER_BATCH_SIZE,
} from './ha-frames.js';

/** What became of a SYNC_MASTER send's wait for a slave. */
export type SlaveAck = 'ACKED' | 'TIMEOUT' | 'NOT_AVAILABLE';

interface SlaveWaiter {
  end: number;
  resolve(ack: SlaveAck): void;
  /** When it is answered TIMEOUT. */
  deadline: number;
}

/** How often waiting sends are looked at for their slaveTimeout (one timer, not one per send). */
const SWEEP_MS = 20;

/** Transfer frames sent in one socket write at most, when that much is readable. */
const FRAMES_PER_WRITE = 8;

/** How long an idle connection waits before it looks for new CommitLog bytes again. */
const IDLE_POLL_MS = 100;

/**
 * A master's HA port (HAService): each slave that connects reports its CommitLog's max offset,
 * and from it the master streams its CommitLog (HAConnection), chunks of at most 32 KiB that
 * never cross a segment, a heartbeat when there is nothing to send for 5 s. A slave that reports
 * 0 starts at the master's newest segment, as RocketMQ's does.
 */
export class HAService {
  private readonly server: Server;
  private readonly connections = new Set<HAConnection>();
  /**
   * SYNC_MASTER sends waiting for a slave to have their bytes, in the order of the offsets they
   * end at (sends are appended in that order, so a new one almost always goes last).
   */
  private waiters: SlaveWaiter[] = [];
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Required<Pick<MessageStore, 'readReplica'>> & Pick<MessageStore, 'getMaxPhyOffset'>,
    private readonly segmentSize: number,
    private readonly logger: Logger,
    /** Serve the HA port with TLS (haTlsEnable; RocketNest's own: RocketMQ 4.9 replicates in the clear). */
    tlsOptions?: tls.TlsOptions,
  ) {
    const onSocket = (socket: Socket) => {
      const connection = new HAConnection(socket, this.store, this.segmentSize, this.logger, () => this.acked());
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    };
    this.server = tlsOptions ? tls.createServer(tlsOptions, onSocket) : createServer(onSocket);
    this.server.on('tlsClientError', (error: Error) =>
      this.logger.warn(`HA port: TLS handshake failed: ${error.message}`),
    );
  }

  /** Listen; resolves with the port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  /** The highest offset a slave has reported (its CommitLog holds the master's up to there), or -1. */
  get slaveAckOffset(): number {
    let highest = -1;
    for (const connection of this.connections) highest = Math.max(highest, connection.ackOffset);
    return highest;
  }

  /**
   * SYNC_MASTER (GroupTransferService): resolves ACKED once a slave has reported the CommitLog up
   * to end, TIMEOUT after timeoutMs, NOT_AVAILABLE at once when no slave is connected or the
   * nearest one is fallBehindMax bytes or more behind the master's end. Every report settles all
   * the sends it covers, so concurrent sends share one acknowledgement.
   */
  waitForSlave(end: number, timeoutMs: number, fallBehindMax: number, masterEnd: number): Promise<SlaveAck> {
    const acked = this.slaveAckOffset;
    if (acked < 0 || masterEnd - acked >= fallBehindMax) return Promise.resolve('NOT_AVAILABLE');
    if (acked >= end) return Promise.resolve('ACKED');
    return new Promise((resolve) => {
      const waiter: SlaveWaiter = { end, resolve, deadline: Date.now() + timeoutMs };
      let at = this.waiters.length;
      while (at > 0 && this.waiters[at - 1]!.end > end) at--;
      this.waiters.splice(at, 0, waiter);
      if (!this.sweeper) {
        this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
        this.sweeper.unref();
      }
    });
  }

  /** A slave reported: settle the sends its offset covers, from the front. */
  private acked(): void {
    const acked = this.slaveAckOffset;
    let settled = 0;
    while (settled < this.waiters.length && this.waiters[settled]!.end <= acked) {
      this.waiters[settled++]!.resolve('ACKED');
    }
    if (settled > 0) this.waiters.splice(0, settled);
  }

  /** Answer TIMEOUT to the sends whose slaveTimeout has passed. */
  private sweep(): void {
    const now = Date.now();
    const still = this.waiters.filter((waiter) => {
      if (waiter.deadline > now) return true;
      waiter.resolve('TIMEOUT');
      return false;
    });
    this.waiters = still;
    if (still.length === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** New CommitLog bytes are readable: connections waiting for them send them now. */
  written(): void {
    for (const connection of this.connections) connection.pump();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.resolve('NOT_AVAILABLE');
    for (const connection of this.connections) connection.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One slave's connection: its reports in, the CommitLog out. */
class HAConnection {
  /** Where the next chunk starts; -1 until the slave's first report. */
  private nextOffset = -1;
  ackOffset = -1;
  private lastRead = Date.now();
  private lastWrite = Date.now();
  private reports = Buffer.alloc(0);
  private sending = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly store: Required<Pick<MessageStore, 'readReplica'>> & Pick<MessageStore, 'getMaxPhyOffset'>,
    private readonly segmentSize: number,
    private readonly logger: Logger,
    /** Told after each report. */
    private readonly reportedTo: () => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (data) => this.reported(data));
    socket.on('error', () => {});
    socket.on('close', () => clearTimeout(this.timer));
  }

  private reported(data: Buffer): void {
    this.lastRead = Date.now();
    this.reports = Buffer.concat([this.reports, data]);
    const report = latestReport(this.reports);
    if (report === undefined) return;
    this.reports = this.reports.subarray(this.reports.length - (this.reports.length % REPORT_SIZE));
    this.ackOffset = report;
    this.reportedTo();
    if (this.nextOffset < 0) {
      const max = this.store.getMaxPhyOffset();
      this.nextOffset = report === 0 ? max - (max % this.segmentSize) : report;
      this.logger.info(
        `slave ${this.socket.remoteAddress}:${this.socket.remotePort} replicates from ${this.nextOffset}`,
      );
    }
    this.pump();
  }

  /** Send what there is to send, then wait for more (or send a heartbeat when idle for 5 s). */
  pump(): void {
    if (this.sending || this.nextOffset < 0 || this.socket.destroyed) return;
    clearTimeout(this.timer);
    const now = Date.now();
    if (now - this.lastRead > HOUSEKEEPING_INTERVAL_MS) {
      this.logger.warn(`slave ${this.socket.remoteAddress} said nothing for ${HOUSEKEEPING_INTERVAL_MS} ms: dropped`);
      this.close();
      return;
    }
    const data = this.store.readReplica(this.nextOffset, TRANSFER_BATCH_SIZE);
    if (data.length === 0 && now - this.lastWrite < HEARTBEAT_INTERVAL_MS) {
      this.timer = setTimeout(() => this.pump(), IDLE_POLL_MS);
      this.timer.unref();
      return;
    }
    // What is readable goes out now, up to FRAMES_PER_WRITE chunks in one write: each chunk is a
    // frame of its own (at most haTransferBatchSize, never across a segment), as RocketMQ's are.
    const frames: Buffer[] = [encodeTransferHeader(this.nextOffset, data.length), data];
    this.nextOffset += data.length;
    for (let more = 1; more < FRAMES_PER_WRITE && data.length > 0; more++) {
      const next = this.store.readReplica(this.nextOffset, TRANSFER_BATCH_SIZE);
      if (next.length === 0) break;
      frames.push(encodeTransferHeader(this.nextOffset, next.length), next);
      this.nextOffset += next.length;
    }
    this.lastWrite = now;
    this.sending = true;
    const flushed = this.socket.write(Buffer.concat(frames));
    const next = () => {
      this.sending = false;
      this.pump();
    };
    if (flushed) setImmediate(next);
    else this.socket.once('drain', next);
  }

  close(): void {
    clearTimeout(this.timer);
    this.socket.destroy();
  }
}
