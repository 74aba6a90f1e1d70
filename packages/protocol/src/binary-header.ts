import { getInt16, getInt32, putInt16, putInt32, putInt8 } from './bytes.js';
import type { CommandHeader } from './json-header.js';
import { languageByte, languageName } from './language-code.js';
import { ProtocolError } from './protocol-error.js';
import type { ExtFields } from './remoting-command.js';
import { readShortUtf8, utf8Length, writeUtf8 } from './utf8.js';

/** code int16, language int8, version int16, opaque int32, flag int32, remark length int32, ext length int32. */
const FIXED_LENGTH = 21;

/** Bytes the ROCKETMQ binary header of a command takes. */
export function binaryHeaderLength(command: CommandHeader): number {
  let length = FIXED_LENGTH;
  if (command.remark) length += utf8Length(command.remark);
  const { extFields } = command;
  for (const key in extFields) length += 6 + utf8Length(key) + utf8Length(extFields[key]!);
  return length;
}

/**
 * Write the ROCKETMQ binary header (RocketMQSerializable) at `offset`, which must have room for
 * binaryHeaderLength(command) bytes. Code and version are truncated to 16 bits, as Java does.
 */
export function writeBinaryHeader(command: CommandHeader, target: Buffer, offset: number): number {
  let at = offset;
  putInt16(target, (command.code << 16) >> 16, at);
  putInt8(target, languageByte(command.language), at + 2);
  putInt16(target, (command.version << 16) >> 16, at + 3);
  putInt32(target, command.opaque | 0, at + 5);
  putInt32(target, command.flag | 0, at + 9);
  at += 13;
  if (command.remark) {
    const written = target.write(command.remark, at + 4, 'utf8');
    putInt32(target, written, at);
    at += 4 + written;
  } else {
    putInt32(target, 0, at);
    at += 4;
  }
  const extStart = at;
  at += 4;
  const { extFields } = command;
  for (const key in extFields) {
    const keyLength = writeUtf8(target, key, at + 2);
    putInt16(target, keyLength, at);
    at += 2 + keyLength;
    const valueLength = writeUtf8(target, extFields[key]!, at + 4);
    putInt32(target, valueLength, at);
    at += 4 + valueLength;
  }
  putInt32(target, at - extStart - 4, extStart);
  return at;
}

/**
 * Read a ROCKETMQ binary header from buffer[start, end). Every declared length is checked
 * against the bytes that remain before anything is read, so hostile lengths cannot overrun.
 */
export function decodeBinaryHeader(buffer: Buffer, start: number, end: number): CommandHeader {
  const malformed = (what: string) => new ProtocolError('HEADER_MALFORMED', `binary header: ${what}`);
  if (end - start < FIXED_LENGTH) throw malformed(`${end - start} bytes, fewer than the fixed ${FIXED_LENGTH}`);
  const code = getInt16(buffer, start);
  const language = languageName(buffer[start + 2]!);
  const version = getInt16(buffer, start + 3);
  const opaque = getInt32(buffer, start + 5);
  const flag = getInt32(buffer, start + 9);
  let at = start + 13;
  const remarkLength = getInt32(buffer, at);
  at += 4;
  if (remarkLength < 0 || remarkLength > end - at - 4) {
    throw malformed(`remark length ${remarkLength} does not fit the ${end - at - 4} bytes left`);
  }
  const remark = remarkLength > 0 ? buffer.toString('utf8', at, at + remarkLength) : undefined;
  at += remarkLength;
  const extLength = getInt32(buffer, at);
  at += 4;
  if (extLength < 0 || extLength !== end - at) {
    throw malformed(`ext fields length ${extLength} does not match the ${end - at} bytes left`);
  }
  const extFields: ExtFields = {};
  while (at < end) {
    if (end - at < 2) throw malformed('ext field key length cut short');
    const keyLength = getInt16(buffer, at);
    at += 2;
    if (keyLength < 0 || keyLength > end - at - 4) throw malformed(`ext field key length ${keyLength} out of bounds`);
    const key = readShortUtf8(buffer, at, at + keyLength);
    at += keyLength;
    const valueLength = getInt32(buffer, at);
    at += 4;
    if (valueLength < 0 || valueLength > end - at) {
      throw malformed(`ext field "${key}" value length ${valueLength} out of bounds`);
    }
    const value = readShortUtf8(buffer, at, at + valueLength);
    // An own "__proto__" key, as JSON.parse would make, rather than a prototype change.
    if (key === '__proto__')
      Object.defineProperty(extFields, key, { value, enumerable: true, writable: true, configurable: true });
    else extFields[key] = value;
    at += valueLength;
  }
  return { code, language, version, opaque, flag, remark, extFields };
}
