import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  bodyCrc,
  checkStoredMessage,
  createOffsetMessageId,
  decodeBatchBody,
  decodeFrame,
  decodeOffsetMessageId,
  decodeProperties,
  decodeStoredMessages,
  encodeBatchBody,
  encodeProperties,
  javaStringHashCode,
  propertyValue,
  withDefaultProperty,
  MESSAGE_MAGIC_CODE_V2,
  storedMessageLength,
  tagsCode,
  writeStoredMessage,
  type StoredMessage,
} from '../index.js';

const fixtures = new URL('../../fixtures/golden/rocketmq-4.9.4/', import.meta.url);

interface GoldenMessage {
  totalSize: number;
  magic: string;
  bodyCRC: number;
  queueId: number;
  flag: number;
  queueOffset: number;
  physicalOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  bodyLength: number;
  bodyEncoding: 'utf8' | 'hex';
  body: string;
  topic: string;
  properties: Record<string, string>;
  derivedOffsetMsgId: string;
}

interface Entry {
  file: string;
  bodyMessages?: GoldenMessage[];
  batchMessages?: { flag: number; body: string; bodyEncoding: 'utf8' | 'hex'; properties: Record<string, string> }[];
}

const entries = JSON.parse(readFileSync(new URL('index.json', fixtures), 'utf8')) as Entry[];

function bodyOf(entry: Entry): Buffer {
  const frame = Buffer.from(readFileSync(new URL(entry.file, fixtures), 'utf8').trim(), 'hex');
  return decodeFrame(frame).body!;
}

describe('stored message records', () => {
  const withMessages = entries.filter((e) => e.bodyMessages);

  it('covers the golden pull, query, view and check-transaction bodies', () => {
    assert.ok(withMessages.length >= 8);
  });

  for (const entry of withMessages) {
    it(`${entry.file}: every record decodes to what index.json lists and re-encodes to the same bytes`, () => {
      const body = bodyOf(entry);
      const messages = decodeStoredMessages(body);
      assert.equal(messages.length, entry.bodyMessages!.length);
      let at = 0;
      messages.forEach((message, i) => {
        const golden = entry.bodyMessages![i]!;
        assert.equal(message.totalSize, golden.totalSize);
        assert.equal((message.magic >>> 0).toString(16), golden.magic);
        for (const field of [
          'bodyCRC',
          'queueId',
          'flag',
          'queueOffset',
          'physicalOffset',
          'sysFlag',
          'bornTimestamp',
          'bornHost',
          'storeTimestamp',
          'storeHost',
          'reconsumeTimes',
          'preparedTransactionOffset',
          'topic',
        ] as const) {
          assert.equal(message[field], golden[field], field);
        }
        assert.equal(message.body.length, golden.bodyLength);
        assert.equal(message.body.toString(golden.bodyEncoding), golden.body);
        assert.equal(bodyCrc(message.body), golden.bodyCRC);
        assert.deepEqual(Object.fromEntries(decodeProperties(message.properties)), golden.properties);
        assert.equal(createOffsetMessageId(message.storeHost, message.physicalOffset), golden.derivedOffsetMsgId);
        assert.deepEqual(checkStoredMessage(body, at, body.length, true), { kind: 'message', size: golden.totalSize });

        const copy = Buffer.alloc(storedMessageLength(message));
        writeStoredMessage(message, message, copy, 0);
        assert.ok(copy.equals(body.subarray(at, at + message.totalSize)), 'record re-encodes to the same bytes');
        at += message.totalSize;
      });
    });
  }

  it('finds a flipped body byte by its CRC, and refuses lengths that do not add up', () => {
    const entry = withMessages[0]!;
    const body = Buffer.from(bodyOf(entry));
    const first = decodeStoredMessages(body)[0]!;
    const bodyStart =
      first.totalSize -
      first.body.length -
      1 -
      Buffer.byteLength(first.topic) -
      2 -
      Buffer.byteLength(first.properties);
    body[bodyStart]! ^= 0xff;
    assert.equal(checkStoredMessage(body, 0, body.length, false).kind, 'message');
    assert.match((checkStoredMessage(body, 0, body.length, true) as { reason: string }).reason, /body CRC/);
    body.writeInt32BE(first.totalSize + 1, 0);
    assert.equal(checkStoredMessage(body, 0, body.length, false).kind, 'invalid');
    assert.equal(checkStoredMessage(Buffer.alloc(100), 0, 100, false).kind, 'invalid');
  });

  it('writes V2 records for topics over 127 bytes and IPv6 hosts, and reads them back', () => {
    const message = {
      topic: 'T'.repeat(200),
      queueId: 3,
      flag: 7,
      body: Buffer.from('v2 body'),
      properties: encodeProperties({ TAGS: 'TagA', UNIQ_KEY: 'ABC' }),
      sysFlag: 0,
      bornTimestamp: 1_700_000_000_123,
      bornHost: '[2001:db8::1]:40000',
      storeHost: '[::ffff:127.0.0.1]:10911',
      reconsumeTimes: 2,
      preparedTransactionOffset: 0,
    };
    const record = Buffer.alloc(storedMessageLength(message));
    writeStoredMessage(
      message,
      { queueOffset: 9, physicalOffset: 2 ** 40, storeTimestamp: 1_700_000_000_456 },
      record,
      0,
    );
    const [decoded] = decodeStoredMessages(record) as [StoredMessage];
    assert.equal(decoded.magic, MESSAGE_MAGIC_CODE_V2);
    assert.equal(decoded.topic, message.topic);
    assert.equal(decoded.bornHost, '[2001:db8:0:0:0:0:0:1]:40000');
    assert.equal(decoded.storeHost, '[0:0:0:0:0:ffff:7f00:1]:10911');
    assert.equal(decoded.physicalOffset, 2 ** 40);
    assert.equal(decoded.storeTimestamp, 1_700_000_000_456);
    assert.equal(decoded.sysFlag, 0x30);
    const id = createOffsetMessageId(decoded.storeHost, decoded.physicalOffset);
    assert.equal(id.length, 56);
    assert.deepEqual(decodeOffsetMessageId(id), { storeHost: decoded.storeHost, physicalOffset: 2 ** 40 });
  });
});

describe('message helpers', () => {
  it('hashes tags as Java does', () => {
    assert.equal(javaStringHashCode('TagA'), 2598919);
    assert.equal(javaStringHashCode('TagB'), 2598920);
    assert.equal(javaStringHashCode('*'), 42);
    // Values printed by Java 17's String.hashCode().
    assert.equal(javaStringHashCode('a long string that overflows int32 many times'), 1585094037);
    assert.equal(javaStringHashCode('héllo wörld ✓'), 1283059084);
    assert.equal(tagsCode(undefined), 0);
  });

  it('reads and writes properties as MessageDecoder does', () => {
    assert.equal(
      encodeProperties(
        new Map([
          ['KEYS', 'a b'],
          ['TAGS', 'T'],
        ]),
      ),
      'KEYS\u0001a b\u0002TAGS\u0001T\u0002',
    );
    const decoded = decodeProperties('A\u00011\u0002EMPTY\u0001\u0002\u0001novalue\u0002A\u00012\u0002B\u0001x\u0001y');
    assert.deepEqual(Object.fromEntries(decoded), { A: '2', B: 'x\u0001y' });
    const text = 'XA\u0001no\u0002A\u00011\u0002EMPTY\u0001\u0002A\u00012\u0002B\u0001x\u0001y';
    assert.equal(propertyValue(text, 'A'), '2');
    assert.equal(propertyValue(text, 'B'), 'x\u0001y');
    assert.equal(propertyValue(text, 'EMPTY'), undefined);
    assert.equal(propertyValue(text, 'XA'), 'no');
    assert.equal(propertyValue(text, 'C'), undefined);
  });

  it('adds a property in the style of the string, the separator after the last one or not', () => {
    assert.equal(withDefaultProperty('', 'CLUSTER', 'C'), 'CLUSTER\u0001C\u0002');
    assert.equal(withDefaultProperty('TAGS\u0001T\u0002', 'CLUSTER', 'C'), 'TAGS\u0001T\u0002CLUSTER\u0001C\u0002');
    // RocketMQ 4.9's Java client leaves the last separator out.
    assert.equal(withDefaultProperty('TAGS\u0001T', 'CLUSTER', 'C'), 'TAGS\u0001T\u0002CLUSTER\u0001C');
    assert.equal(withDefaultProperty('CLUSTER\u0001mine', 'CLUSTER', 'C'), 'CLUSTER\u0001mine');
  });

  it('reads and writes offset message ids', () => {
    assert.equal(createOffsetMessageId('127.0.0.1:10911', 0), '7F00000100002A9F0000000000000000');
    assert.deepEqual(decodeOffsetMessageId('7F00000100002A9F00000000000018A1'), {
      storeHost: '127.0.0.1:10911',
      physicalOffset: 6305,
    });
    assert.throws(() => decodeOffsetMessageId('XYZ'), /not an offset message id/);
  });

  it('splits the golden batch body into its messages and joins them back', () => {
    const entry = entries.find((e) => e.batchMessages)!;
    const body = bodyOf(entry);
    const batch = decodeBatchBody(body);
    assert.equal(batch.length, entry.batchMessages!.length);
    batch.forEach((message, i) => {
      const golden = entry.batchMessages![i]!;
      assert.equal(message.flag, golden.flag);
      assert.equal(message.body.toString(golden.bodyEncoding), golden.body);
      assert.deepEqual(Object.fromEntries(decodeProperties(message.properties)), golden.properties);
    });
    assert.ok(encodeBatchBody(batch).equals(body));
    assert.throws(() => decodeBatchBody(body.subarray(0, body.length - 3)), /batch entry/);
  });
});
