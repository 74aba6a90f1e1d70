import { binaryHeaderLength, decodeBinaryHeader, writeBinaryHeader } from './binary-header.js';
import { decodeJsonHeader, encodeJsonHeader } from './json-header.js';
import { ProtocolError } from './protocol-error.js';
import { SerializeType, type RemotingCommand } from './remoting-command.js';

/** Netty's default frame limit in RocketMQ (com.rocketmq.remoting.frameMaxLength): 16 MiB. */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024;

/** Bodies at least this long are handed on as their own buffer rather than copied into the frame. */
const COPY_BODY_BELOW = 16 * 1024;

/**
 * A command as frame bytes, in one or two buffers: the length prefix, header word and header,
 * then (for large bodies) the body itself, uncopied. Write them in order.
 */
export function encodeFrameParts(command: RemotingCommand): [Buffer] | [Buffer, Buffer] {
  const body = command.body;
  const bodyLength = body ? body.length : 0;
  const copyBody = bodyLength > 0 && bodyLength < COPY_BODY_BELOW;
  let head: Buffer;
  let headerLength: number;
  if (command.serializeType === SerializeType.ROCKETMQ) {
    headerLength = binaryHeaderLength(command);
    head = Buffer.allocUnsafe(8 + headerLength + (copyBody ? bodyLength : 0));
    writeBinaryHeader(command, head, 8);
  } else {
    const text = encodeJsonHeader(command);
    headerLength = Buffer.byteLength(text);
    head = Buffer.allocUnsafe(8 + headerLength + (copyBody ? bodyLength : 0));
    head.write(text, 8, 'utf8');
  }
  if (headerLength > 0xffffff) {
    throw new ProtocolError('HEADER_LENGTH_INVALID', `header of ${headerLength} bytes exceeds the 24-bit limit`);
  }
  head.writeInt32BE(4 + headerLength + bodyLength, 0);
  head.writeInt32BE((command.serializeType << 24) | headerLength, 4);
  if (copyBody) body!.copy(head, 8 + headerLength);
  return bodyLength > 0 && !copyBody ? [head, body!] : [head];
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
export function decodeFramePayload(buffer: Buffer, start: number, end: number): RemotingCommand {
  if (end - start < 4) {
    throw new ProtocolError('FRAME_LENGTH_INVALID', `frame of ${end - start} bytes has no room for its header word`);
  }
  const headerWord = buffer.readUInt32BE(start);
  const serializeType = headerWord >>> 24;
  const headerLength = headerWord & 0xffffff;
  const headerStart = start + 4;
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
  const declared = frame.readInt32BE(0);
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
