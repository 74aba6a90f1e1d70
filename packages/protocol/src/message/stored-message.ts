import { crc32 } from 'node:zlib';
import { MessageSysFlag } from './message-sys-flag.js';
import { hostLength, isIPv6Host, readHost, writeHost } from './socket-address.js';
import { readLong, writeLong } from './long.js';
import { getInt16, getInt32, putInt16, putInt32, putInt8 } from '../bytes.js';
import { readShortUtf8, utf8Length, writeUtf8 } from '../utf8.js';

/** Magic of a V1 record (one-byte topic length), the only kind 4.x writes. */
export const MESSAGE_MAGIC_CODE = 0xdaa320a7 | 0;
/** Magic of a V2 record (two-byte topic length), written by 5.x for topics over 127 bytes. */
export const MESSAGE_MAGIC_CODE_V2 = 0xdaa320ab | 0;
/** Magic of the END_FILE blank that fills a CommitLog segment's tail. */
export const BLANK_MAGIC_CODE = 0xcbd43194 | 0;
/** Fixed bytes of a record with IPv4 hosts, before body, topic and properties. */
const FIXED_LENGTH = 88;

/** Byte positions in a record (with an IPv4 born host, for those after it). */
export const StoredMessagePosition = {
  TOTAL_SIZE: 0,
  MAGIC: 4,
  BODY_CRC: 8,
  QUEUE_ID: 12,
  FLAG: 16,
  QUEUE_OFFSET: 20,
  PHYSICAL_OFFSET: 28,
  SYS_FLAG: 36,
  BORN_TIMESTAMP: 40,
  BORN_HOST: 48,
} as const;

/** What a producer's message becomes before the store gives it its place. */
export interface MessageToStore {
  topic: string;
  queueId: number;
  /** The user's flag. */
  flag: number;
  /** Stored as sent (compressed if the producer compressed it). */
  body: Buffer;
  /** Encoded properties (encodeProperties). */
  properties: string;
  sysFlag: number;
  bornTimestamp: number;
  /** "ip:port" or "[v6]:port" */
  bornHost: string;
  /** "ip:port" or "[v6]:port" */
  storeHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
}

/** A record as it sits in the CommitLog and travels in pull bodies. */
export interface StoredMessage extends MessageToStore {
  totalSize: number;
  magic: number;
  /** CRC32 of the body, masked with 0x7FFFFFFF. */
  bodyCRC: number;
  queueOffset: number;
  physicalOffset: number;
  storeTimestamp: number;
}

/** CRC32 of a body as RocketMQ stores it: masked to a non-negative int. */
export function bodyCrc(body: Uint8Array): number {
  return crc32(body) & 0x7fffffff;
}

/** Where storeTimestamp sits in a record with this sysFlag. */
export function storeTimestampPosition(sysFlag: number): number {
  return StoredMessagePosition.BORN_HOST + (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG ? 20 : 8);
}

/** The bytes a message takes as a record. */
export function storedMessageLength(message: MessageToStore): number {
  const topicLength = utf8Length(message.topic);
  return (
    FIXED_LENGTH -
    16 +
    hostLength(message.bornHost) +
    hostLength(message.storeHost) +
    message.body.length +
    (topicLength > 127 ? 2 : 1) +
    topicLength +
    2 +
    Buffer.byteLength(message.properties)
  );
}

/**
 * Write a message as a record at offset (target must have storedMessageLength bytes free),
 * with the place the store gave it. The host-family bits of sysFlag follow the hosts. A caller
 * that measured the record already passes its totalSize.
 */
export function writeStoredMessage(
  message: MessageToStore,
  place: { queueOffset: number; physicalOffset: number; storeTimestamp: number },
  target: Buffer,
  offset: number,
  totalSize = storedMessageLength(message),
): number {
  const topicLength = utf8Length(message.topic);
  const v2 = topicLength > 127;
  let sysFlag = message.sysFlag & ~(MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG);
  if (isIPv6Host(message.bornHost)) sysFlag |= MessageSysFlag.BORNHOST_V6_FLAG;
  if (isIPv6Host(message.storeHost)) sysFlag |= MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;
  putInt32(target, totalSize, offset);
  putInt32(target, v2 ? MESSAGE_MAGIC_CODE_V2 : MESSAGE_MAGIC_CODE, offset + 4);
  putInt32(target, bodyCrc(message.body), offset + 8);
  putInt32(target, message.queueId, offset + 12);
  putInt32(target, message.flag, offset + 16);
  writeLong(target, place.queueOffset, offset + 20);
  writeLong(target, place.physicalOffset, offset + 28);
  putInt32(target, sysFlag, offset + 36);
  writeLong(target, message.bornTimestamp, offset + 40);
  let at = writeHost(message.bornHost, target, offset + 48);
  writeLong(target, place.storeTimestamp, at);
  at = writeHost(message.storeHost, target, at + 8);
  putInt32(target, message.reconsumeTimes, at);
  writeLong(target, message.preparedTransactionOffset, at + 4);
  putInt32(target, message.body.length, at + 12);
  target.set(message.body, at + 16);
  at += 16 + message.body.length;
  if (v2) {
    putInt16(target, topicLength, at);
    at += 2;
  } else {
    putInt8(target, topicLength, at);
    at += 1;
  }
  at += writeUtf8(target, message.topic, at);
  const propertiesLength = target.write(message.properties, at + 2, 'utf8');
  putInt16(target, propertiesLength, at);
  return at + 2 + propertiesLength;
}

/** What lies at a position of a CommitLog: a record, the END_FILE blank, or nothing valid. */
export type RecordCheck =
  { kind: 'message'; size: number } | { kind: 'blank'; size: number } | { kind: 'invalid'; reason: string };

/**
 * Check the record at offset without decoding it, as recovery does (checkMessageAndReturnSize):
 * its magic, that its lengths add up to totalSize within `end`, and optionally its body CRC.
 */
export function checkStoredMessage(source: Buffer, offset: number, end: number, checkCrc: boolean): RecordCheck {
  if (end - offset < 8) return { kind: 'invalid', reason: 'no room for a record header' };
  const totalSize = getInt32(source, offset);
  const magic = getInt32(source, offset + 4);
  if (magic === BLANK_MAGIC_CODE) return { kind: 'blank', size: totalSize };
  if (magic !== MESSAGE_MAGIC_CODE && magic !== MESSAGE_MAGIC_CODE_V2) {
    return { kind: 'invalid', reason: totalSize === 0 && magic === 0 ? 'end of data' : `unknown magic ${magic}` };
  }
  if (totalSize < FIXED_LENGTH || totalSize > end - offset) {
    return { kind: 'invalid', reason: `record size ${totalSize} does not fit the ${end - offset} bytes left` };
  }
  const sysFlag = getInt32(source, offset + 36);
  const bornLength = sysFlag & MessageSysFlag.BORNHOST_V6_FLAG ? 20 : 8;
  const storeLength = sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8;
  const bodyLengthAt = offset + 48 + bornLength + 8 + storeLength + 12;
  const bodyLength = getInt32(source, bodyLengthAt);
  const topicLengthAt = bodyLengthAt + 4 + bodyLength;
  if (bodyLength < 0 || topicLengthAt + 2 > offset + totalSize) {
    return { kind: 'invalid', reason: `body length ${bodyLength} overruns the record` };
  }
  const v2 = magic === MESSAGE_MAGIC_CODE_V2;
  const topicLength = v2 ? getInt16(source, topicLengthAt) : source.readInt8(topicLengthAt);
  const propertiesLengthAt = topicLengthAt + (v2 ? 2 : 1) + topicLength;
  if (topicLength < 0 || propertiesLengthAt + 2 > offset + totalSize) {
    return { kind: 'invalid', reason: `topic length ${topicLength} overruns the record` };
  }
  const propertiesLength = getInt16(source, propertiesLengthAt);
  if (propertiesLengthAt + 2 + propertiesLength !== offset + totalSize) {
    return {
      kind: 'invalid',
      reason: `lengths add up to ${propertiesLengthAt + 2 + propertiesLength - offset}, not totalSize ${totalSize}`,
    };
  }
  if (checkCrc) {
    const crc = getInt32(source, offset + 8);
    const actual = bodyCrc(source.subarray(bodyLengthAt + 4, topicLengthAt));
    if (crc !== actual) return { kind: 'invalid', reason: `body CRC ${actual} does not match the stored ${crc}` };
  }
  return { kind: 'message', size: totalSize };
}

/** The fields of a record a store's dispatch needs (DispatchRequest), read without its body or hosts. */
export interface StoredRecordHead {
  topic: string;
  queueId: number;
  queueOffset: number;
  sysFlag: number;
  storeTimestamp: number;
  /** Where the properties' text starts in the source, and its length in bytes. */
  propertiesAt: number;
  propertiesLength: number;
}

/** Read the head of a record known to be valid (checkStoredMessage) at offset. */
export function readStoredRecordHead(source: Buffer, offset: number): StoredRecordHead {
  const sysFlag = getInt32(source, offset + StoredMessagePosition.SYS_FLAG);
  const storeTimestampAt = offset + storeTimestampPosition(sysFlag);
  const storeLength = sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8;
  const bodyLengthAt = storeTimestampAt + 8 + storeLength + 12;
  const topicLengthAt = bodyLengthAt + 4 + getInt32(source, bodyLengthAt);
  const v2 = getInt32(source, offset + StoredMessagePosition.MAGIC) === MESSAGE_MAGIC_CODE_V2;
  const topicLength = v2 ? getInt16(source, topicLengthAt) : source.readInt8(topicLengthAt);
  const topicAt = topicLengthAt + (v2 ? 2 : 1);
  const propertiesLengthAt = topicAt + topicLength;
  return {
    topic: readShortUtf8(source, topicAt, propertiesLengthAt),
    queueId: getInt32(source, offset + StoredMessagePosition.QUEUE_ID),
    queueOffset: readLong(source, offset + StoredMessagePosition.QUEUE_OFFSET),
    sysFlag,
    storeTimestamp: readLong(source, storeTimestampAt),
    propertiesAt: propertiesLengthAt + 2,
    propertiesLength: getInt16(source, propertiesLengthAt),
  };
}

/** Bytes of a record's start that hold its store time, whatever its hosts. */
export const STORE_TIMESTAMP_END = StoredMessagePosition.BORN_HOST + 20 + 8;

/** The store time of the record at offset, read from its first STORE_TIMESTAMP_END bytes. */
export function readStoreTimestamp(source: Buffer, offset = 0): number {
  return readLong(source, offset + storeTimestampPosition(getInt32(source, offset + StoredMessagePosition.SYS_FLAG)));
}

/** Decode the record at offset. The body is a view into source, not a copy. */
export function decodeStoredMessage(source: Buffer, offset = 0): StoredMessage {
  const check = checkStoredMessage(source, offset, source.length, false);
  if (check.kind !== 'message')
    throw new RangeError(
      `no message record at ${offset}: ${check.kind === 'invalid' ? check.reason : 'END_FILE blank'}`,
    );
  const sysFlag = getInt32(source, offset + 36);
  const bornV6 = (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) !== 0;
  const storeV6 = (sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) !== 0;
  const magic = getInt32(source, offset + 4);
  let at = offset + 48;
  const bornHost = readHost(source, at, bornV6);
  at += bornV6 ? 20 : 8;
  const storeTimestamp = readLong(source, at);
  const storeHost = readHost(source, at + 8, storeV6);
  at += 8 + (storeV6 ? 20 : 8);
  const reconsumeTimes = getInt32(source, at);
  const preparedTransactionOffset = readLong(source, at + 4);
  const bodyLength = getInt32(source, at + 12);
  at += 16;
  const body = source.subarray(at, at + bodyLength);
  at += bodyLength;
  const v2 = magic === MESSAGE_MAGIC_CODE_V2;
  const topicLength = v2 ? getInt16(source, at) : source.readInt8(at);
  at += v2 ? 2 : 1;
  const topic = readShortUtf8(source, at, at + topicLength);
  at += topicLength;
  const propertiesLength = getInt16(source, at);
  const properties = source.toString('utf8', at + 2, at + 2 + propertiesLength);
  return {
    totalSize: check.size,
    magic,
    bodyCRC: getInt32(source, offset + 8),
    queueId: getInt32(source, offset + 12),
    flag: getInt32(source, offset + 16),
    queueOffset: readLong(source, offset + 20),
    physicalOffset: readLong(source, offset + 28),
    sysFlag,
    bornTimestamp: readLong(source, offset + 40),
    bornHost,
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset,
    body,
    topic,
    properties,
  };
}

/** Decode records laid end to end, as in a PULL_MESSAGE or QUERY_MESSAGE body. */
export function decodeStoredMessages(source: Buffer): StoredMessage[] {
  const messages: StoredMessage[] = [];
  for (let at = 0; at < source.length;) {
    const message = decodeStoredMessage(source, at);
    messages.push(message);
    at += message.totalSize;
  }
  return messages;
}
