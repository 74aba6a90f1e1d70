import { StatusError, type Code } from './status.js';

/**
 * Where a received message sits, and which of its deliveries a handle names: a receipt handle
 * is this, base64url-encoded, so that any call can find the message again.
 */
export interface ReceiptHandle {
  brokerName: string;
  topic: string;
  queueId: number;
  offset: number;
  /** The delivery (each receive and each ChangeInvisibleDuration makes a new one). */
  delivery: number;
}

/** Where a half message sits: what END_TRANSACTION needs, carried in the v5 transaction id. */
export interface TransactionHandle {
  brokerName: string;
  producerGroup: string;
  commitLogOffset: number;
  queueOffset: number;
  /** The offset message id of the half message. */
  offsetMsgId: string;
}

function encode(fields: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

function decode(text: string, code: Code, what: string): unknown[] {
  try {
    const fields: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(fields)) return fields;
  } catch {
    // Reported below with what it should have been.
  }
  throw new StatusError(code, `${what} "${text.slice(0, 64)}" was not made by this service`);
}

export function encodeReceiptHandle(handle: ReceiptHandle): string {
  return encode([handle.brokerName, handle.topic, handle.queueId, handle.offset, handle.delivery]);
}

export function decodeReceiptHandle(text: string): ReceiptHandle {
  const [brokerName, topic, queueId, offset, delivery] = decode(text, 'INVALID_RECEIPT_HANDLE', 'receipt handle');
  if (
    typeof brokerName !== 'string' ||
    typeof topic !== 'string' ||
    ![queueId, offset, delivery].every(Number.isInteger)
  ) {
    throw new StatusError('INVALID_RECEIPT_HANDLE', 'the receipt handle is malformed');
  }
  return { brokerName, topic, queueId: queueId as number, offset: offset as number, delivery: delivery as number };
}

export function encodeTransactionId(handle: TransactionHandle): string {
  return encode([
    handle.brokerName,
    handle.producerGroup,
    handle.commitLogOffset,
    handle.queueOffset,
    handle.offsetMsgId,
  ]);
}

export function decodeTransactionId(text: string): TransactionHandle {
  const [brokerName, producerGroup, commitLogOffset, queueOffset, offsetMsgId] = decode(
    text,
    'INVALID_TRANSACTION_ID',
    'transaction id',
  );
  if (
    typeof brokerName !== 'string' ||
    typeof producerGroup !== 'string' ||
    typeof offsetMsgId !== 'string' ||
    !Number.isInteger(commitLogOffset) ||
    !Number.isInteger(queueOffset)
  ) {
    throw new StatusError('INVALID_TRANSACTION_ID', 'the transaction id is malformed');
  }
  return {
    brokerName,
    producerGroup,
    commitLogOffset: commitLogOffset as number,
    queueOffset: queueOffset as number,
    offsetMsgId,
  };
}
