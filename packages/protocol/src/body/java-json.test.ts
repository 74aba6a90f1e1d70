import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJsonBody, encodeJavaJson, ObjectKeyMap, parseJavaJson } from './java-json.js';

describe('Java JSON bodies', () => {
  it('parses standard JSON and fastjson maps with number and object keys', () => {
    assert.deepEqual(parseJavaJson('{"a":[1,2,{"b":null}]}'), { a: [1, 2, { b: null }] });
    assert.deepEqual(parseJavaJson('{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"ok":true}'), {
      brokerAddrs: { '0': '127.0.0.1:10911', '1': '127.0.0.1:10921' },
      ok: true,
    });
    assert.deepEqual(parseJavaJson('{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":5}}}'), {
      offsetTable: { '{"brokerName":"b","queueId":0,"topic":"T"}': { brokerOffset: 5 } },
    });
  });

  it('names what is wrong with a body', () => {
    assert.throws(() => decodeJsonBody(undefined, 'RegisterBrokerBody'), /RegisterBrokerBody is missing/);
    assert.throws(
      () => decodeJsonBody(Buffer.from('{"a":'), 'RegisterBrokerBody'),
      /RegisterBrokerBody is not valid JSON: expected a value at position 5/,
    );
  });

  it("writes MessageQueue-keyed maps in fastjson's object-key form, which it reads back", () => {
    const text = encodeJavaJson({
      offsetTable: new ObjectKeyMap([
        [
          { topic: 'T', brokerName: 'b', queueId: 0 },
          { maxOffset: 5, minOffset: 0 },
        ],
      ]),
      consumeTps: 0,
    });
    assert.equal(
      text,
      '{"consumeTps":0,"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"maxOffset":5,"minOffset":0}}}',
    );
    assert.deepEqual(parseJavaJson(text), {
      consumeTps: 0,
      offsetTable: { '{"brokerName":"b","queueId":0,"topic":"T"}': { maxOffset: 5, minOffset: 0 } },
    });
  });
});
