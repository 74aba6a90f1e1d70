import { topicNameProblem, type MessageToStore } from '@rocketnest/protocol';
import type { PutMessageResult } from './message-store.js';

/** Longest properties text, in bytes: its length is a two-byte field of the record. */
export const MAX_PROPERTIES_LENGTH = 32767;

/** What a put's records may take beyond maxMessageSize of bodies: headers, topic and properties. */
const HEADER_ALLOWANCE = 64 * 1024;

/**
 * The most bytes of records one put may take (maxMessageSize and 64 KiB of headers); also the
 * longest record recovery takes for one, and what a CommitLog segment must hold at least.
 */
export function maxPutBytes(maxMessageSize: number): number {
  return maxMessageSize + HEADER_ALLOWANCE;
}

export function illegal(error: string): PutMessageResult {
  return { status: 'MESSAGE_ILLEGAL', error };
}

/**
 * Why these messages cannot be put as one append, or undefined: the checks every store makes
 * before it appends (RocketMQ's checkMessage / checkMessages). One topic queue, a topic with a
 * valid name (the file store names a directory after it), bodies within maxMessageSize and
 * properties that fit their length field.
 */
export function putProblem(messages: readonly MessageToStore[], maxMessageSize: number): PutMessageResult | undefined {
  if (messages.length === 0) return illegal('no message to put');
  const { topic, queueId } = messages[0]!;
  const topicProblem = topicNameProblem(topic);
  if (topicProblem) return illegal(topicProblem);
  for (const message of messages) {
    if (message.topic !== topic || message.queueId !== queueId) return illegal('a batch must go to one topic queue');
    if (message.body.length > maxMessageSize) {
      return illegal(
        `message body of ${message.body.length} bytes is over maxMessageSize ${maxMessageSize}; send smaller messages or raise maxMessageSize`,
      );
    }
    // A string of n UTF-16 units takes at most 3n bytes: most need no count.
    const { properties } = message;
    if (properties.length * 3 > MAX_PROPERTIES_LENGTH && Buffer.byteLength(properties) > MAX_PROPERTIES_LENGTH) {
      return { status: 'PROPERTIES_SIZE_EXCEEDED', error: `properties take over ${MAX_PROPERTIES_LENGTH} bytes` };
    }
  }
  return undefined;
}

/** Why `count` records of `total` bytes are too large for one put, or undefined. */
export function putSizeProblem(count: number, total: number, maxMessageSize: number): PutMessageResult | undefined {
  if (total <= maxPutBytes(maxMessageSize)) return undefined;
  return illegal(`${count} messages take ${total} bytes, over maxMessageSize ${maxMessageSize} (+64 KiB of headers)`);
}
