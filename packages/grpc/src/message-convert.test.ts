import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeProperties, MessageConst, MessageSysFlag, type StoredMessage } from '@rocketnest/protocol';
import { deflateSync, gzipSync } from 'node:zlib';
import { decodeReceiptHandle, decodeTransactionId, encodeReceiptHandle, encodeTransactionId } from './handles.js';
import { messageToSend, storedToMessage, type SendLimits } from './message-convert.js';
import { StatusError } from './status.js';
import type { Message } from './v2-types.js';

const LIMITS: SendLimits = { maxMessageSize: 1024, timers: true, maxDelayMs: 60_000 };

function v5(change: Partial<Message['system_properties']> = {}, extra: Partial<Message> = {}): Message {
  return {
    topic: { name: 'Orders' },
    user_properties: { tenant: 'acme' },
    body: Buffer.from('hello'),
    system_properties: {
      message_id: '0102FC0000000000000000000000000001',
      keys: ['k1', 'k2'],
      tag: 'TagA',
      message_type: 'NORMAL',
      body_encoding: 'IDENTITY',
      born_host: 'host',
      queue_id: 3,
      born_timestamp: { seconds: 1_700_000_000, nanos: 5_000_000 },
      ...change,
    },
    ...extra,
  };
}

function refusedWith(code: string, run: () => unknown): void {
  assert.throws(run, (error: unknown) => error instanceof StatusError && error.code === code);
}

describe('v5 messages to remoting and back (GrpcConverter)', () => {
  it('puts tag, keys, id, message group and delivery time in RocketMQ properties', () => {
    const deliverAt = Date.now() + 5000;
    const fifo = messageToSend(v5({ message_type: 'FIFO', message_group: 'order-1' }), 'Orders', LIMITS);
    const properties = decodeProperties(fifo.properties);
    assert.equal(properties.get(MessageConst.TAGS), 'TagA');
    assert.equal(properties.get(MessageConst.KEYS), 'k1 k2');
    assert.equal(properties.get(MessageConst.UNIQ_KEY), '0102FC0000000000000000000000000001');
    assert.equal(properties.get(MessageConst.SHARDING_KEY), 'order-1');
    assert.equal(properties.get('tenant'), 'acme');
    assert.equal(fifo.bornTimestamp, 1_700_000_000_005);
    const delay = messageToSend(
      v5({ message_type: 'DELAY', delivery_timestamp: { seconds: Math.floor(deliverAt / 1000), nanos: 0 } }),
      'Orders',
      LIMITS,
    );
    assert.equal(
      decodeProperties(delay.properties).get(MessageConst.TIMER_DELIVER_MS),
      String(Math.floor(deliverAt / 1000) * 1000),
    );
    const half = messageToSend(v5({ message_type: 'TRANSACTION' }), 'Orders', LIMITS);
    assert.equal(half.sysFlag & MessageSysFlag.TRANSACTION_PREPARED_TYPE, MessageSysFlag.TRANSACTION_PREPARED_TYPE);
    assert.equal(decodeProperties(half.properties).get(MessageConst.PGROUP), 'Orders');
    assert.equal(
      messageToSend(v5({ body_encoding: 'GZIP' }, { body: gzipSync('zipped') }), 'Orders', LIMITS).body.toString(),
      'zipped',
    );
  });

  it('refuses what the proxy refuses, with its codes', () => {
    refusedWith('ILLEGAL_TOPIC', () => messageToSend(v5({}, { topic: { name: 'a/b' } }), 'x', LIMITS));
    refusedWith('ILLEGAL_MESSAGE_ID', () => messageToSend(v5({ message_id: '' }), 'x', LIMITS));
    refusedWith('MESSAGE_BODY_EMPTY', () => messageToSend(v5({}, { body: Buffer.alloc(0) }), 'x', LIMITS));
    refusedWith('MESSAGE_BODY_TOO_LARGE', () => messageToSend(v5({}, { body: Buffer.alloc(2048) }), 'x', LIMITS));
    refusedWith('ILLEGAL_MESSAGE_PROPERTY_KEY', () =>
      messageToSend(v5({}, { user_properties: { UNIQ_KEY: 'x' } }), 'x', LIMITS),
    );
    refusedWith('ILLEGAL_MESSAGE_TAG', () => messageToSend(v5({ tag: 'a|b' }), 'x', LIMITS));
    refusedWith('ILLEGAL_MESSAGE_KEY', () => messageToSend(v5({ keys: [' '] }), 'x', LIMITS));
    refusedWith('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', () => messageToSend(v5({ message_group: 'g' }), 'x', LIMITS));
    const later = { seconds: Math.floor(Date.now() / 1000) + 3600, nanos: 0 };
    refusedWith('ILLEGAL_DELIVERY_TIME', () =>
      messageToSend(v5({ message_type: 'DELAY', delivery_timestamp: later }), 'x', LIMITS),
    );
    refusedWith('UNSUPPORTED', () =>
      messageToSend(v5({ message_type: 'DELAY', delivery_timestamp: later }), 'x', { ...LIMITS, timers: false }),
    );
  });

  it('gives a stored message back with system properties apart, the body inflated and its MD5', () => {
    const stored: StoredMessage = {
      topic: 'Orders',
      queueId: 2,
      flag: 0,
      body: deflateSync('compressed body'),
      properties: messageToSend(v5({ message_type: 'FIFO', message_group: 'g1' }), 'Orders', LIMITS).properties,
      sysFlag: MessageSysFlag.COMPRESSED_FLAG,
      bornTimestamp: 1000,
      bornHost: '10.0.0.1:5000',
      storeHost: '10.0.0.2:10911',
      reconsumeTimes: 2,
      preparedTransactionOffset: 0,
      totalSize: 0,
      magic: 0,
      bodyCRC: 0,
      queueOffset: 17,
      physicalOffset: 4096,
      storeTimestamp: 2000,
    };
    const message = storedToMessage(stored, { receiptHandle: 'h', invisibleMs: 5000 });
    assert.equal(message.body.toString(), 'compressed body');
    assert.deepEqual(message.user_properties, { tenant: 'acme' });
    const system = message.system_properties;
    assert.equal(system.message_id, '0102FC0000000000000000000000000001');
    assert.equal(system.message_type, 'FIFO');
    assert.equal(system.message_group, 'g1');
    assert.deepEqual(system.keys, ['k1', 'k2']);
    assert.equal(system.delivery_attempt, 3, 'reconsumeTimes + 1');
    assert.equal(system.queue_offset, 17);
    assert.equal(system.body_digest?.type, 'MD5');
    assert.equal(system.body_digest?.checksum, createHash('md5').update('compressed body').digest('hex').toUpperCase());
  });

  it('encodes receipt handles and transaction ids it can read back, and refuses others', () => {
    const handle = { brokerName: 'broker-a', topic: 'Orders', queueId: 1, offset: 99, delivery: 7 };
    assert.deepEqual(decodeReceiptHandle(encodeReceiptHandle(handle)), handle);
    const transaction = {
      brokerName: 'broker-a',
      producerGroup: 'Orders',
      commitLogOffset: 123,
      queueOffset: 4,
      offsetMsgId: 'ABC',
    };
    assert.deepEqual(decodeTransactionId(encodeTransactionId(transaction)), transaction);
    refusedWith('INVALID_RECEIPT_HANDLE', () => decodeReceiptHandle('not-a-handle'));
    refusedWith('INVALID_RECEIPT_HANDLE', () => decodeReceiptHandle(Buffer.from('["a",1]').toString('base64url')));
    refusedWith('INVALID_TRANSACTION_ID', () => decodeTransactionId('%%%'));
  });
});
