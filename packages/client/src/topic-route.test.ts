import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJavaJson, type TopicRouteData } from '@rocketnest/protocol';
import { publishInfo } from './topic-route.js';
import { createUniqueId } from './unique-id.js';

describe('routes and ids', () => {
  it('takes the writable queues of brokers with a master from a route a Java NameServer wrote', () => {
    // fastjson's unquoted integer keys, as a Java NameServer sends to old clients.
    const route = parseJavaJson(
      '{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"b","cluster":"C"},' +
        '{"brokerAddrs":{1:"10.0.0.3:10911"},"brokerName":"slave-only","cluster":"C"},' +
        '{"brokerAddrs":{0:"10.0.0.4:10911"},"brokerName":"a","cluster":"C"}],' +
        '"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":2,"writeQueueNums":2,"topicSysFlag":0},' +
        '{"brokerName":"slave-only","perm":6,"readQueueNums":4,"writeQueueNums":4,"topicSysFlag":0},' +
        '{"brokerName":"a","perm":4,"readQueueNums":3,"writeQueueNums":3,"topicSysFlag":0}],"filterServerTable":{}}',
    ) as TopicRouteData;
    const info = publishInfo('T', route);
    assert.deepEqual(
      info.queues.map((q) => `${q.brokerName}:${q.queueId}`),
      ['b:0', 'b:1'],
    );
    assert.equal(info.masters.get('b'), '10.0.0.1:10911');
    assert.equal(publishInfo('T', route, 1).queues.length, 1);
  });

  it('makes unique ids of 32 hex digits sharing the process prefix', () => {
    const [a, b] = [createUniqueId(), createUniqueId()];
    assert.match(a, /^[0-9A-F]{32}$/);
    assert.notEqual(a, b);
    assert.equal(a.slice(0, 20), b.slice(0, 20));
    assert.equal(Number.parseInt(a.slice(8, 12), 16), process.pid & 0xffff);
  });
});
