import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTraceData, encodeTraceContext, traceBean, traceKeys, type TraceContext } from '../index.js';

const S = '\u0001';
const E = '\u0002';

describe('message traces (TraceDataEncoder / TraceDataDecoder)', () => {
  const pub: TraceContext = {
    type: 'Pub',
    timeStamp: 1796650000000,
    regionId: 'DefaultRegion',
    groupName: 'orders-producer',
    costTime: 3,
    success: true,
    requestId: '',
    contextCode: 0,
    beans: [
      traceBean({
        topic: 'Orders',
        msgId: '7F0000010001000000000000000A0001',
        offsetMsgId: '7F00000100002A9F0000000000000100',
        tags: 'Paid',
        keys: 'order-7 customer-3',
        storeHost: '127.0.0.1:10911',
        bodyLength: 42,
      }),
    ],
  };

  it("writes a send's record field by field as RocketMQ 4.9.4 does", () => {
    assert.equal(
      encodeTraceContext(pub),
      [
        'Pub',
        '1796650000000',
        'DefaultRegion',
        'orders-producer',
        'Orders',
        '7F0000010001000000000000000A0001',
        'Paid',
        'order-7 customer-3',
        '127.0.0.1:10911',
        '42',
        '3',
        '0',
        '7F00000100002A9F0000000000000100',
        'true',
      ].join(S) + E,
    );
    assert.deepEqual(traceKeys([pub]), ['7F0000010001000000000000000A0001', 'order-7', 'customer-3']);
  });

  it('reads back sends, consumptions (one record per message of a batch) and transaction ends', () => {
    const before: TraceContext = {
      ...pub,
      type: 'SubBefore',
      groupName: 'orders',
      requestId: 'r-1',
      beans: [traceBean({ msgId: 'A', retryTimes: 2, keys: 'k' }), traceBean({ msgId: 'B' })],
    };
    const after: TraceContext = { ...before, type: 'SubAfter', costTime: 12, success: false, contextCode: 4 };
    const end: TraceContext = {
      ...pub,
      type: 'EndTransaction',
      beans: [
        traceBean({
          topic: 'Orders',
          msgId: 'T',
          msgType: 'Trans_msg_Commit',
          transactionId: 'tx-1',
          transactionState: 'COMMIT_MESSAGE',
          fromTransactionCheck: true,
        }),
      ],
    };
    const decoded = decodeTraceData([pub, before, after, end].map(encodeTraceContext).join(''));
    assert.deepEqual(
      decoded.map((c) => [c.type, c.beans[0]!.msgId]),
      [
        ['Pub', '7F0000010001000000000000000A0001'],
        ['SubBefore', 'A'],
        ['SubBefore', 'B'],
        ['SubAfter', 'A'],
        ['SubAfter', 'B'],
        ['EndTransaction', 'T'],
      ],
    );
    assert.deepEqual(decoded[0], pub);
    assert.equal(decoded[1]!.beans[0]!.retryTimes, 2);
    assert.equal(decoded[1]!.requestId, 'r-1');
    assert.deepEqual(
      [decoded[3]!.success, decoded[3]!.costTime, decoded[3]!.contextCode, decoded[3]!.groupName],
      [false, 12, 4, 'orders'],
    );
    assert.deepEqual(
      [
        decoded[5]!.beans[0]!.transactionState,
        decoded[5]!.beans[0]!.fromTransactionCheck,
        decoded[5]!.beans[0]!.msgType,
      ],
      ['COMMIT_MESSAGE', true, 'Trans_msg_Commit'],
    );
  });

  it('reads an older SubAfter without time and group, and skips record types it does not know', () => {
    const decoded = decodeTraceData(`SubAfter${S}r${S}M${S}5${S}true${S}k${S}0${E}Future${S}x${E}`);
    assert.equal(decoded.length, 1);
    assert.deepEqual([decoded[0]!.beans[0]!.msgId, decoded[0]!.groupName, decoded[0]!.timeStamp], ['M', '', 0]);
  });
});
