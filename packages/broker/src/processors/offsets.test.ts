import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestCode, ResponseCode } from '@rocketnest/protocol';
import { startTestBroker } from './broker.test-support.js';

describe('offset processors', () => {
  it('commits and queries a group offset; a young queue answers 0 for a new group, unless told not to', async () => {
    const { call, send, createTopic } = await startTestBroker();
    await createTopic('T');
    await send('T');
    const query = (extra: Record<string, string> = {}) =>
      call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'G', topic: 'T', queueId: '0', ...extra });
    assert.equal((await query()).extFields['offset'], '0');
    const notFound = await query({ setZeroIfNotFound: 'false' });
    assert.equal(notFound.code, ResponseCode.QUERY_NOT_FOUND);
    assert.match(notFound.remark!, /Not found/);
    const commit = await call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: 'G',
      topic: 'T',
      queueId: '0',
      commitOffset: '1',
    });
    assert.equal(commit.code, ResponseCode.SUCCESS);
    assert.equal((await query({ setZeroIfNotFound: 'false' })).extFields['offset'], '1');
  });

  it('answers the max, min and earliest store time of a queue, and the offset of a time', async () => {
    const { call, send, createTopic } = await startTestBroker();
    await createTopic('T');
    const before = Date.now();
    for (let i = 0; i < 3; i++) await send('T', `m${i}`);
    const queue = { topic: 'T', queueId: '0' };
    assert.equal((await call(RequestCode.GET_MAX_OFFSET, queue)).extFields['offset'], '3');
    assert.equal((await call(RequestCode.GET_MIN_OFFSET, queue)).extFields['offset'], '0');
    const earliest = Number((await call(RequestCode.GET_EARLIEST_MSG_STORETIME, queue)).extFields['timestamp']);
    assert.ok(earliest >= before && earliest <= Date.now());
    const byTime = async (timestamp: number) =>
      (await call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, { ...queue, timestamp: String(timestamp) })).extFields[
        'offset'
      ];
    // The message stored closest to the time: the first before them all, the last after them all.
    assert.equal(await byTime(before - 60_000), '0');
    assert.equal(await byTime(Date.now() + 60_000), '2');
    const none = { topic: 'Missing', queueId: '0' };
    assert.equal((await call(RequestCode.GET_MAX_OFFSET, none)).extFields['offset'], '0');
    assert.equal((await call(RequestCode.GET_EARLIEST_MSG_STORETIME, none)).extFields['timestamp'], '-1');
  });

  it('refuses a header whose queue id is not a number, naming the field', async () => {
    const { call } = await startTestBroker();
    const response = await call(RequestCode.GET_MAX_OFFSET, { topic: 'T', queueId: 'first' });
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.match(response.remark!, /GetMaxOffsetRequestHeader\.queueId must be a 32-bit integer, got "first"/);
  });
});
