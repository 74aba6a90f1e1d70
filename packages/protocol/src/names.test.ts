import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  brokerAddressProblem,
  brokerNameProblem,
  decodeHeartbeatData,
  decodeLockBatchRequestBody,
  encodeJsonBody,
  groupNameProblem,
  ProtocolError,
  PullMessageRequestHeader,
  SendMessageRequestHeaderV2,
  topicNameProblem,
  UnregisterClientRequestHeader,
} from './index.js';

/** Names an attacker tries: each must be refused as a topic and as a group. */
const HOSTILE = [
  '',
  '..',
  '.',
  '../../../../victim',
  'a/b',
  'a\\b',
  'a\0b',
  'a\u0001b',
  'a\nb',
  'tópico',
  'a b',
  'a.b',
];

describe('names of topics and groups (RocketMQ: ^[%|a-zA-Z0-9_-]+$, 127 and 255)', () => {
  it('accepts what RocketMQ accepts', () => {
    for (const name of ['T', 'TopicTest', 'a-b_c|d%e', '0', 'x'.repeat(127), 'rmq_sys_wheel_timer']) {
      assert.equal(topicNameProblem(name), undefined, name);
      assert.equal(groupNameProblem(name), undefined, name);
    }
    assert.equal(groupNameProblem('g'.repeat(255)), undefined);
    assert.equal(topicNameProblem(`%RETRY%${'g'.repeat(248)}`), undefined);
    assert.equal(topicNameProblem('%DLQ%orders'), undefined);
  });

  it('refuses every hostile name, saying which character at which position breaks the rule', () => {
    for (const name of HOSTILE) {
      for (const [what, problem] of [
        ['topic', topicNameProblem(name)],
        ['group', groupNameProblem(name)],
      ] as const) {
        assert.ok(problem, `${what} ${JSON.stringify(name)} must be refused`);
        assert.match(problem, name === '' ? /name is empty/ : /at position \d+: \w+ names may have only letters/);
      }
    }
    assert.match(topicNameProblem('ab/c')!, /has "\/" at position 2/);
    // Control characters are escaped in the remark, never written raw.
    assert.doesNotMatch(topicNameProblem('a\0b')!, /\0/);
    assert.match(topicNameProblem(42)!, /must be a string, got number/);
  });

  it('refuses names over the limits, and %RETRY% / %DLQ% topics of invalid groups', () => {
    assert.match(topicNameProblem('x'.repeat(128))!, /128 characters long; topic names may have at most 127/);
    assert.match(groupNameProblem('g'.repeat(256))!, /256 characters long; group names may have at most 255/);
    assert.match(
      topicNameProblem('%RETRY%../../../../victim')!,
      /is not %RETRY% and a group name: the group name "..\/..\/..\/..\/victim" has "\."/,
    );
    assert.match(topicNameProblem('%DLQ%')!, /is not %DLQ% and a group name: the group name is empty/);
    assert.match(topicNameProblem(`%RETRY%${'g'.repeat(249)}`)!, /at most 255 \(a file name's limit/);
  });

  it('checks broker names and host:port addresses', () => {
    assert.equal(brokerNameProblem('broker-a', 'broker'), undefined);
    assert.match(brokerNameProblem('../b', 'broker')!, /the broker name/);
    assert.match(brokerNameProblem('', 'cluster')!, /the cluster name is empty/);
    for (const good of ['127.0.0.1:10911', 'broker-1.example.com:10911', '[::1]:10911', 'localhost:1']) {
      assert.equal(brokerAddressProblem(good), undefined, good);
    }
    for (const bad of [
      '1e+308',
      'true',
      '-1',
      '127.0.0.1',
      '127.0.0.1:0',
      '127.0.0.1:65536',
      ':10911',
      'a b:1',
      'h:1e3',
    ]) {
      assert.match(brokerAddressProblem(bad)!, /is not host:port/, bad);
    }
  });
});

describe('requests carrying names', () => {
  const rejects = (fn: () => unknown, field: string, message: RegExp) =>
    assert.throws(fn, (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.field, field);
      assert.match(error.message, message);
      return true;
    });

  it('a header field that is a topic or group refuses a bad name at decode, naming the field', () => {
    const send = SendMessageRequestHeaderV2.encode({
      producerGroup: 'P',
      topic: '%RETRY%../../x',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: 0,
      sysFlag: 0,
      bornTimestamp: 1,
      flag: 0,
    });
    rejects(
      () => SendMessageRequestHeaderV2.decode(send),
      'topic',
      /SendMessageRequestHeaderV2\.topic: the topic name/,
    );
    const pull = { consumerGroup: 'a/b', topic: 'T', queueId: '0', queueOffset: '0', maxMsgNums: '1', sysFlag: '0' };
    rejects(
      () => PullMessageRequestHeader.decode({ ...pull, commitOffset: '0', suspendTimeoutMillis: '0', subVersion: '0' }),
      'consumerGroup',
      /PullMessageRequestHeader\.consumerGroup: the group name "a\/b" has "\/" at position 1/,
    );
  });

  it('an optional group sent empty is absent; one sent with a bad name is refused', () => {
    assert.deepEqual(UnregisterClientRequestHeader.decode({ clientID: 'c', producerGroup: '', consumerGroup: 'G' }), {
      clientID: 'c',
      consumerGroup: 'G',
    });
    rejects(
      () => UnregisterClientRequestHeader.decode({ clientID: 'c', producerGroup: '..' }),
      'producerGroup',
      /"\."/,
    );
  });

  it('heartbeat and lock bodies refuse bad group and topic names, saying where they were', () => {
    const consumer = (groupName: string, topic: string) => ({
      groupName,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      subscriptionDataSet: [{ topic, subString: '*', tagsSet: [], codeSet: [], subVersion: 0 }],
    });
    const heartbeat = (body: object) => () => decodeHeartbeatData(encodeJsonBody(body));
    assert.equal(
      heartbeat({ clientID: 'c', producerDataSet: [], consumerDataSet: [consumer('G', 'T')] })().clientID,
      'c',
    );
    rejects(
      heartbeat({ clientID: 'c', producerDataSet: [], consumerDataSet: [consumer('../../../../victim', 'T')] }),
      'HeartbeatData.consumerDataSet[0].groupName',
      /has "\." at position 0/,
    );
    rejects(
      heartbeat({ clientID: 'c', producerDataSet: [], consumerDataSet: [consumer('G', 'a\\b')] }),
      'HeartbeatData.consumerDataSet[0].subscriptionDataSet[0].topic',
      /has "\\\\"/,
    );
    rejects(
      heartbeat({ clientID: 'c', producerDataSet: [{ groupName: 7 }], consumerDataSet: [] }),
      'HeartbeatData.producerDataSet[0].groupName',
      /must be a string/,
    );
    const lock = (consumerGroup: string, topic: string) => () =>
      decodeLockBatchRequestBody(
        encodeJsonBody({ consumerGroup, clientId: 'c', mqSet: [{ topic, brokerName: 'b', queueId: 0 }] }),
        'LockBatchRequestBody',
      );
    assert.equal(lock('G', 'T')().consumerGroup, 'G');
    rejects(lock('G', '..'), 'LockBatchRequestBody.mqSet[0].topic', /"\."/);
    rejects(lock('x'.repeat(256), 'T'), 'LockBatchRequestBody.consumerGroup', /256 characters long/);
  });
});
