import { getInt32 } from './bytes.js';
import { checkDeclaredLength, decodeFramePayload, DEFAULT_MAX_FRAME_LENGTH } from './frame-codec.js';
import { ProtocolError } from './protocol-error.js';
import type { RemotingCommand } from './remoting-command.js';

export interface FrameDecoderOptions {
  /** The largest frame accepted, length prefix included (default 16 MiB, as RocketMQ's). */
  maxFrameLength?: number | undefined;
  /** The largest header accepted (default: any that fits the frame). */
  maxHeaderLength?: number | undefined;
}

/**
 * Cuts a byte stream into commands. Copes with frames split across chunks and many frames in
 * one chunk; a frame inside one chunk is decoded in place. A frame's declared length is checked
 * before any of it is buffered, and a buffer is only ever allocated for bytes that have arrived.
 * After a ProtocolError the stream has lost its framing: the decoder refuses further input.
 */
export class FrameDecoder {
  private readonly maxFrameLength: number;
  private readonly maxHeaderLength: number | undefined;
  private chunks: Buffer[] = [];
  /** Read position in chunks[0]. */
  private head = 0;
  private buffered = 0;
  /** Payload length of the frame being assembled, or -1 while its length prefix is awaited. */
  private expected = -1;
  private failure: ProtocolError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    this.maxHeaderLength = options.maxHeaderLength;
  }

  /** Bytes received but not yet decoded. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Feed a chunk; each complete command is passed to onCommand in stream order. */
  push(chunk: Buffer, onCommand: (command: RemotingCommand) => void): void {
    if (this.failure) throw this.failure;
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      for (;;) {
        if (this.expected < 0) {
          if (this.buffered < 4) return;
          const declared = this.readInt32();
          checkDeclaredLength(declared, this.maxFrameLength);
          this.expected = declared;
        }
        if (this.buffered < this.expected) return;
        const length = this.expected;
        this.expected = -1;
        const first = this.chunks[0]!;
        if (first.length - this.head >= length) {
          const start = this.head;
          this.consume(length);
          onCommand(decodeFramePayload(first, start, start + length, this.maxHeaderLength));
        } else {
          const payload = this.take(length);
          onCommand(decodeFramePayload(payload, 0, length, this.maxHeaderLength));
        }
      }
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.failure = error;
        this.chunks = [];
        this.buffered = 0;
      }
      throw error;
    }
  }

  /** Read and consume the 4-byte length prefix, which may span chunks. */
  private readInt32(): number {
    const first = this.chunks[0]!;
    if (first.length - this.head >= 4) {
      const value = getInt32(first, this.head);
      this.consume(4);
      return value;
    }
    return getInt32(this.take(4), 0);
  }

  /** Copy the next n bytes (all buffered) out of several chunks. */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const count = Math.min(n - filled, chunk.length - this.head);
      chunk.copy(out, filled, this.head, this.head + count);
      filled += count;
      this.consume(count);
    }
    return out;
  }

  private consume(n: number): void {
    this.head += n;
    this.buffered -= n;
    if (this.head === this.chunks[0]!.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}
