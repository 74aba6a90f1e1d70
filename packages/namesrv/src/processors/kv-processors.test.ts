import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestCode, ResponseCode } from '@rocketnest/protocol';
import { json, startTestNamesrv } from './namesrv.test-support.js';

describe('KV config processors', () => {
  it('puts, gets, lists and deletes a key; answers QUERY_NOT_FOUND for a missing key or namespace', async () => {
    const { call } = await startTestNamesrv();
    const key = { namespace: 'ORDER_TOPIC_CONFIG', key: 'Orders' };
    const missing = await call(RequestCode.GET_KV_CONFIG, key);
    assert.equal(missing.code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal(missing.remark, 'No config item, Namespace: ORDER_TOPIC_CONFIG Key: Orders');
    assert.equal(
      (await call(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'none' })).code,
      ResponseCode.QUERY_NOT_FOUND,
    );

    assert.equal((await call(RequestCode.PUT_KV_CONFIG, { ...key, value: 'broker-a:4' })).code, ResponseCode.SUCCESS);
    const found = await call(RequestCode.GET_KV_CONFIG, key);
    assert.equal(found.code, ResponseCode.SUCCESS);
    assert.equal(found.extFields['value'], 'broker-a:4');
    const list = await call(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'ORDER_TOPIC_CONFIG' });
    assert.deepEqual(json(list), { table: { Orders: 'broker-a:4' } });

    assert.equal((await call(RequestCode.DELETE_KV_CONFIG, key)).code, ResponseCode.SUCCESS);
    assert.equal((await call(RequestCode.GET_KV_CONFIG, key)).code, ResponseCode.QUERY_NOT_FOUND);
  });

  it('refuses a request whose header lacks a field, naming it', async () => {
    const { call } = await startTestNamesrv();
    const response = await call(RequestCode.PUT_KV_CONFIG, { namespace: 'N', key: 'k' });
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.match(response.remark!, /PutKVConfigRequestHeader\.value is required but missing/);
  });
});
