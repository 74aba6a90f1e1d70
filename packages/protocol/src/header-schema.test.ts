import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PullMessageRequestHeader,
  ProtocolError,
  QueryMessageRequestHeader,
  SendMessageRequestHeader,
  SendMessageRequestHeaderV2,
} from './index.js';

const pull = {
  consumerGroup: 'G',
  topic: 'T',
  queueId: '1',
  queueOffset: '42',
  maxMsgNums: '32',
  sysFlag: '2',
  commitOffset: '0',
  suspendTimeoutMillis: '15000',
  subVersion: '0',
};

function rejects(fn: () => unknown, reason: string, field: string, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.reason, reason);
    assert.equal(error.field, field);
    assert.match(error.message, message);
    return true;
  });
}

describe('typed headers', () => {
  it('decode strings into the Java types of their fields', () => {
    const header = PullMessageRequestHeader.decode({ ...pull, subscription: 'TagA', ReqT: '0' });
    assert.deepEqual(header, {
      consumerGroup: 'G',
      topic: 'T',
      queueId: 1,
      queueOffset: 42,
      maxMsgNums: 32,
      sysFlag: 2,
      commitOffset: 0,
      suspendTimeoutMillis: 15000,
      subscription: 'TagA',
      subVersion: 0,
    });
    assert.deepEqual(PullMessageRequestHeader.encode(header), { ...pull, subscription: 'TagA' });
  });

  it('reject a missing required field, naming it', () => {
    const { queueId: _dropped, ...missing } = pull;
    rejects(
      () => PullMessageRequestHeader.decode(missing),
      'HEADER_FIELD_MISSING',
      'queueId',
      /PullMessageRequestHeader\.queueId is required/,
    );
  });

  it('reject ill-typed fields, naming them and what was expected', () => {
    rejects(
      () => PullMessageRequestHeader.decode({ ...pull, queueId: 'one' }),
      'HEADER_FIELD_INVALID',
      'queueId',
      /must be a 32-bit integer, got "one"/,
    );
    rejects(
      () => PullMessageRequestHeader.decode({ ...pull, queueId: '2147483648' }),
      'HEADER_FIELD_INVALID',
      'queueId',
      /32-bit/,
    );
    rejects(
      () => PullMessageRequestHeader.decode({ ...pull, queueOffset: '1.5' }),
      'HEADER_FIELD_INVALID',
      'queueOffset',
      /64-bit integer/,
    );
    rejects(
      () => PullMessageRequestHeader.decode({ ...pull, queueOffset: '9223372036854775808' }),
      'HEADER_FIELD_INVALID',
      'queueOffset',
      /64-bit integer/,
    );
    rejects(
      () =>
        SendMessageRequestHeaderV2.decode({
          a: 'P',
          b: 'T',
          c: 'TBW102',
          d: '4',
          e: '0',
          f: '0',
          g: '1',
          h: '0',
          k: 'maybe',
        }),
      'HEADER_FIELD_INVALID',
      'unitMode',
      /SendMessageRequestHeaderV2\.unitMode must be true or false, got "maybe"/,
    );
  });

  it('keep Long.MAX_VALUE, which Java sends for "no upper bound"', () => {
    const ext = { topic: 'T', key: 'k', maxNum: '32', beginTimestamp: '0', endTimestamp: '9223372036854775807' };
    const header = QueryMessageRequestHeader.decode(ext);
    assert.ok(header.endTimestamp > 9.2e18);
    assert.deepEqual(QueryMessageRequestHeader.encode(header), ext);
  });

  it('read SEND_MESSAGE_V2 letters into the fields of SEND_MESSAGE', () => {
    const v2 = { a: 'P', b: 'T', c: 'TBW102', d: '4', e: '-1', f: '0', g: '1700000000000', h: '0', m: 'true' };
    const header = SendMessageRequestHeaderV2.decode(v2);
    assert.equal(header.topic, 'T');
    assert.equal(header.queueId, -1);
    assert.equal(header.batch, true);
    const v1 = SendMessageRequestHeader.encode(header);
    assert.equal(v1['producerGroup'], 'P');
    assert.deepEqual(SendMessageRequestHeader.decode(v1), header);
    assert.deepEqual(SendMessageRequestHeaderV2.encode(header), v2);
  });
});
