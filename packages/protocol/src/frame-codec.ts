import { getInt32, getUint32, putInt32 } from './bytes.js';
import { binaryHeaderLength, decodeBinaryHeader, writeBinaryHeader } from './binary-header.js';
import { decodeJsonHeader, encodeJsonHeader } from './json-header.js';
import { ProtocolError } from './protocol-error.js';
import { SerializeType, type RemotingCommand } from './remoting-command.js';

/** Netty's default frame limit in RocketMQ (com.rocketmq.remoting.frameMaxLength): 16 MiB. */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024;

/** Bodies at least this long are handed on as their own buffer rather than copied into the frame. */
export const COPY_BODY_BELOW = 16 * 1024;

/** A command measured for writing: its header serialised and every length known. */
export interface MeasuredFrame {
  readonly command: RemotingCommand;
  /** The JSON header text, or undefined for a binary header. */
  readonly headerText: string | undefined;
  readonly headerLength: number;
  readonly bodyLength: number;
  /** Bytes before the body: length prefix, header word and header. */
  readonly headLength: number;
}

/** Serialise a command's header and measure its frame, so that it can be written into any buffer. */
export function measureFrame(command: RemotingCommand): MeasuredFrame {
  const binary = command.serializeType === SerializeType.ROCKETMQ;
  const headerText = binary ? undefined : encodeJsonHeader(command);
  const headerLength = headerText === undefined ? binaryHeaderLength(command) : Buffer.byteLength(headerText);
  if (headerLength > 0xffffff) {
    throw new ProtocolError('HEADER_LENGTH_INVALID', `header of ${headerLength} bytes exceeds the 24-bit limit`);
  }
  return { command, headerText, headerLength, bodyLength: command.body?.length ?? 0, headLength: 8 + headerLength };
}

/** Write a measured frame's length prefix, header word and header at offset; the body is the caller's. */
export function writeFrameHead(frame: MeasuredFrame, target: Buffer, offset: number): void {
  const { command, headerLength } = frame;
  putInt32(target, 4 + headerLength + frame.bodyLength, offset);
  putInt32(target, (command.serializeType << 24) | headerLength, offset + 4);
  if (frame.headerText === undefined) writeBinaryHeader(command, target, offset + 8);
  else target.write(frame.headerText, offset + 8, headerLength, 'utf8');
}

/**
 * A command as frame bytes, in one or two buffers: the length prefix, header word and header,
 * then (for large bodies) the body itself, uncopied. Write them in order.
 */
export function encodeFrameParts(command: RemotingCommand): [Buffer] | [Buffer, Buffer] {
  const frame = measureFrame(command);
  const copyBody = frame.bodyLength < COPY_BODY_BELOW;
  const head = Buffer.allocUnsafe(frame.headLength + (copyBody ? frame.bodyLength : 0));
  writeFrameHead(frame, head, 0);
  if (frame.bodyLength === 0) return [head];
  if (copyBody) {
    command.body!.copy(head, frame.headLength);
    return [head];
  }
  return [head, command.body!];
}

/** A command as one buffer holding the whole frame, length prefix included. */
export function encodeFrame(command: RemotingCommand): Buffer {
  const parts = encodeFrameParts(command);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * Decode one frame's payload: buffer[start, end) holds the header word, header and body (the
 * length prefix already read). The body is a view into the buffer, not a copy.
 */
export function decodeFramePayload(
  buffer: Buffer,
  start: number,
  end: number,
  maxHeaderLength = Number.POSITIVE_INFINITY,
): RemotingCommand {
  if (end - start < 4) {
    throw new ProtocolError('FRAME_LENGTH_INVALID', `frame of ${end - start} bytes has no room for its header word`);
  }
  const headerWord = getUint32(buffer, start);
  const serializeType = headerWord >>> 24;
  const headerLength = headerWord & 0xffffff;
  const headerStart = start + 4;
  if (headerLength > maxHeaderLength) {
    throw new ProtocolError(
      'HEADER_LENGTH_INVALID',
      `header of ${headerLength} bytes is over this server's limit of ${maxHeaderLength}: RocketMQ clients send headers of a few KiB (properties at most 32 KiB)`,
    );
  }
  if (headerLength > end - headerStart) {
    throw new ProtocolError(
      'HEADER_LENGTH_INVALID',
      `header length ${headerLength} exceeds the ${end - headerStart} bytes left in the frame`,
    );
  }
  const headerEnd = headerStart + headerLength;
  let header;
  if (serializeType === SerializeType.JSON) header = decodeJsonHeader(buffer, headerStart, headerEnd);
  else if (serializeType === SerializeType.ROCKETMQ) header = decodeBinaryHeader(buffer, headerStart, headerEnd);
  else {
    throw new ProtocolError(
      'SERIALIZE_TYPE_UNKNOWN',
      `serialize type ${serializeType} is neither JSON (0) nor ROCKETMQ (1)`,
    );
  }
  const command = header as RemotingCommand;
  command.serializeType = serializeType;
  command.body = headerEnd < end ? buffer.subarray(headerEnd, end) : undefined;
  return command;
}

/** Decode a whole frame, length prefix included; its declared length must match the buffer. */
export function decodeFrame(frame: Buffer, maxFrameLength = DEFAULT_MAX_FRAME_LENGTH): RemotingCommand {
  if (frame.length < 4) throw new ProtocolError('FRAME_LENGTH_INVALID', `${frame.length} bytes hold no length prefix`);
  const declared = getInt32(frame, 0);
  checkDeclaredLength(declared, maxFrameLength);
  if (declared !== frame.length - 4) {
    throw new ProtocolError(
      'FRAME_LENGTH_INVALID',
      `frame declares ${declared} bytes after its length prefix but holds ${frame.length - 4}`,
    );
  }
  return decodeFramePayload(frame, 4, frame.length);
}

/** Refuse a declared frame length before any of the frame is buffered. */
export function checkDeclaredLength(declared: number, maxFrameLength: number): void {
  if (declared < 4) {
    throw new ProtocolError(
      'FRAME_LENGTH_INVALID',
      `frame declares ${declared} bytes; a frame holds at least its 4-byte header word`,
    );
  }
  if (declared + 4 > maxFrameLength) {
    throw new ProtocolError(
      'FRAME_TOO_LARGE',
      `frame of ${declared + 4} bytes exceeds the ${maxFrameLength}-byte limit; ` +
        'raise maxFrameLength on both ends if such frames are intended',
    );
  }
}
