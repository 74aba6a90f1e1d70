import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeOffsetMessageId, decodeStoredMessages, RequestCode, ResponseCode } from '@rocketnest/protocol';
import { startTestBroker } from './broker.test-support.js';

describe('QUERY_MESSAGE and VIEW_MESSAGE_BY_ID', () => {
  it('finds messages by key within a time range, and answers QUERY_NOT_FOUND outside it', async () => {
    const { call, send, createTopic } = await startTestBroker();
    await createTopic('Orders');
    await send('Orders', 'first', { properties: { KEYS: 'order-7' } });
    await send('Orders', 'other', { properties: { KEYS: 'order-8' } });
    const query = (key: string, endTimestamp = Date.now() + 1000) =>
      call(RequestCode.QUERY_MESSAGE, {
        topic: 'Orders',
        key,
        maxNum: '32',
        beginTimestamp: '0',
        endTimestamp: String(endTimestamp),
      });
    const found = await query('order-7');
    assert.equal(found.code, ResponseCode.SUCCESS);
    assert.deepEqual(
      decodeStoredMessages(found.body!).map((m) => m.body.toString()),
      ['first'],
    );
    assert.ok(Number(found.extFields['indexLastUpdateTimestamp']) > 0);
    const none = await query('order-9');
    assert.equal(none.code, ResponseCode.QUERY_NOT_FOUND);
    assert.match(none.remark!, /no message of topic Orders with key order-9/);
    assert.equal((await query('order-7', 1)).code, ResponseCode.QUERY_NOT_FOUND);
  });

  it('shows the record at an offset message id, and says when there is none', async () => {
    const { call, send, createTopic } = await startTestBroker();
    await createTopic('Orders');
    const sent = await send('Orders', 'viewed');
    const offset = decodeOffsetMessageId(sent.extFields['msgId']!).physicalOffset;
    const viewed = await call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: String(offset) });
    assert.equal(decodeStoredMessages(viewed.body!)[0]!.body.toString(), 'viewed');
    const missing = await call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: '999999' });
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(missing.remark, 'can not find message by the offset, 999999');
  });
});
