import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  encodeJsonBody,
  groupNameProblem,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeader,
  SendMessageRequestHeaderV2,
  topicNameProblem,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { BrokerController } from '@rocketnest/broker';
import { MQClientError, Producer, PushConsumer } from '@rocketnest/client';
import { startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { requestsClient } from './support/requests.js';

/** A store's root with, beside it, a directory of files that nothing the broker is sent may touch. */
function storeBesideVictim(): { root: string; victim: string } {
  const base = temporaryDir();
  const victim = join(base, 'victim');
  mkdirSync(join(victim, 'inner'), { recursive: true });
  writeFileSync(join(victim, 'precious.txt'), 'keep me');
  writeFileSync(join(victim, 'inner', 'also.txt'), 'and me');
  return { root: join(base, 'store'), victim };
}

function assertUntouched(victim: string): void {
  assert.deepEqual(readdirSync(victim).sort(), ['inner', 'precious.txt']);
  assert.equal(readFileSync(join(victim, 'precious.txt'), 'utf8'), 'keep me');
  assert.deepEqual(readdirSync(join(victim, 'inner')), ['also.txt']);
}

/** Names with "..", "/", "\", NUL, control characters, or over the length limits. */
const HOSTILE = [
  '../../../../victim',
  '%RETRY%../../../../victim',
  '..',
  'a/b',
  '/etc',
  'a\\b',
  'a\0b',
  'a\u0001b',
  'line\nbreak',
];
const HOSTILE_TOPICS = [...HOSTILE, 'T'.repeat(128)];
const HOSTILE_GROUPS = [...HOSTILE, 'G'.repeat(256)];

function heartbeatBody(group: string, topic: string): Buffer {
  return encodeJsonBody({
    clientID: 'attacker@1',
    producerDataSet: [{ groupName: 'P' }],
    consumerDataSet: [
      {
        groupName: group,
        consumeType: 'CONSUME_PASSIVELY',
        messageModel: 'CLUSTERING',
        consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
        subscriptionDataSet: [{ topic, subString: '*', tagsSet: [], codeSet: [], subVersion: 1 }],
      },
    ],
  });
}

const sendFields = (topic: string, producerGroup = 'P') => ({
  producerGroup,
  topic,
  defaultTopic: 'TBW102',
  defaultTopicQueueNums: 4,
  queueId: 0,
  sysFlag: 0,
  bornTimestamp: Date.now(),
  flag: 0,
  properties: '',
});

interface RequestKind {
  what: string;
  code: number;
  /** Which kind of name is put where the request carries one. */
  name: 'topic' | 'group';
  ext?: (name: string) => Record<string, string>;
  body?: (name: string) => Buffer;
}

const pullFields = (group: string, topic: string) => ({
  ...offsetFields(group, topic),
  queueOffset: '0',
  maxMsgNums: '1',
  sysFlag: '0',
  commitOffset: '0',
  suspendTimeoutMillis: '0',
  subVersion: '0',
});

/** A request whose header has the name as its only required field. */
const oneField = (what: string, code: number, name: 'topic' | 'group', field: string): RequestKind => ({
  what,
  code,
  name,
  ext: (value) => ({ [field]: value }),
});

const lockBody = (group: string, topic: string) =>
  encodeJsonBody({ consumerGroup: group, clientId: 'c', mqSet: [{ topic, brokerName: 'broker-a', queueId: 0 }] });
const offsetFields = (group: string, topic: string) => ({ consumerGroup: group, topic, queueId: '0' });

/** Every request kind that carries a topic or a group name (issue: sends to reset and clone). */
const KINDS: RequestKind[] = [
  {
    what: 'send',
    code: RequestCode.SEND_MESSAGE,
    name: 'topic',
    ext: (t) => SendMessageRequestHeader.encode(sendFields(t)),
  },
  {
    what: 'send, producer group',
    code: RequestCode.SEND_MESSAGE,
    name: 'group',
    ext: (g) => SendMessageRequestHeader.encode(sendFields('T', g)),
  },
  {
    what: 'send v2',
    code: RequestCode.SEND_MESSAGE_V2,
    name: 'topic',
    ext: (t) => SendMessageRequestHeaderV2.encode(sendFields(t)),
  },
  {
    what: 'batch send',
    code: RequestCode.SEND_BATCH_MESSAGE,
    name: 'topic',
    ext: (t) => SendMessageRequestHeaderV2.encode(sendFields(t)),
  },
  {
    what: 'reply',
    code: RequestCode.SEND_REPLY_MESSAGE_V2,
    name: 'topic',
    ext: (t) => SendMessageRequestHeaderV2.encode(sendFields(t)),
  },
  { what: 'heartbeat, group', code: RequestCode.HEART_BEAT, name: 'group', body: (g) => heartbeatBody(g, 'T') },
  { what: 'heartbeat, topic', code: RequestCode.HEART_BEAT, name: 'topic', body: (t) => heartbeatBody('G', t) },
  {
    what: 'pull',
    code: RequestCode.PULL_MESSAGE,
    name: 'group',
    ext: (g) => pullFields(g, 'T'),
  },
  {
    what: 'pull, topic',
    code: RequestCode.PULL_MESSAGE,
    name: 'topic',
    ext: (t) => pullFields('G', t),
  },
  { what: 'query offset', code: RequestCode.QUERY_CONSUMER_OFFSET, name: 'group', ext: (g) => offsetFields(g, 'T') },
  {
    what: 'commit offset',
    code: RequestCode.UPDATE_CONSUMER_OFFSET,
    name: 'group',
    ext: (g) => ({ ...offsetFields(g, 'T'), commitOffset: '1' }),
  },
  {
    what: 'commit offset, topic',
    code: RequestCode.UPDATE_CONSUMER_OFFSET,
    name: 'topic',
    ext: (t) => ({ ...offsetFields('G', t), commitOffset: '1' }),
  },
  { what: 'max offset', code: RequestCode.GET_MAX_OFFSET, name: 'topic', ext: (t) => ({ topic: t, queueId: '0' }) },
  { what: 'min offset', code: RequestCode.GET_MIN_OFFSET, name: 'topic', ext: (t) => ({ topic: t, queueId: '0' }) },
  {
    what: 'earliest time',
    code: RequestCode.GET_EARLIEST_MSG_STORETIME,
    name: 'topic',
    ext: (t) => ({ topic: t, queueId: '0' }),
  },
  {
    what: 'offset by time',
    code: RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
    name: 'topic',
    ext: (t) => ({ topic: t, queueId: '0', timestamp: '0' }),
  },
  { what: 'lock', code: RequestCode.LOCK_BATCH_MQ, name: 'group', body: (g) => lockBody(g, 'T') },
  { what: 'lock, topic', code: RequestCode.LOCK_BATCH_MQ, name: 'topic', body: (t) => lockBody('G', t) },
  { what: 'unlock', code: RequestCode.UNLOCK_BATCH_MQ, name: 'group', body: (g) => lockBody(g, 'T') },
  {
    what: 'send back',
    code: RequestCode.CONSUMER_SEND_MSG_BACK,
    name: 'group',
    ext: (g) => ({ offset: '0', group: g, delayLevel: '0' }),
  },
  {
    what: 'send back, origin topic',
    code: RequestCode.CONSUMER_SEND_MSG_BACK,
    name: 'topic',
    ext: (t) => ({ offset: '0', group: 'G', delayLevel: '0', originTopic: t }),
  },
  {
    what: 'create group',
    code: RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
    name: 'group',
    body: (g) => encodeJsonBody({ groupName: g, consumeEnable: true }),
  },
  oneField('delete group', RequestCode.DELETE_SUBSCRIPTIONGROUP, 'group', 'groupName'),
  {
    what: 'create topic',
    code: RequestCode.UPDATE_AND_CREATE_TOPIC,
    name: 'topic',
    ext: (t) => ({
      topic: t,
      defaultTopic: 'TBW102',
      readQueueNums: '1',
      writeQueueNums: '1',
      perm: '6',
      topicFilterType: 'SINGLE_TAG',
      order: 'false',
    }),
  },
  oneField('delete topic', RequestCode.DELETE_TOPIC_IN_BROKER, 'topic', 'topic'),
  oneField('topic stats', RequestCode.GET_TOPIC_STATS_INFO, 'topic', 'topic'),
  oneField('who consumes', RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, 'topic', 'topic'),
  oneField('consumer connections', RequestCode.GET_CONSUMER_CONNECTION_LIST, 'group', 'consumerGroup'),
  oneField('producer connections', RequestCode.GET_PRODUCER_CONNECTION_LIST, 'group', 'producerGroup'),
  oneField('consume stats', RequestCode.GET_CONSUME_STATS, 'group', 'consumerGroup'),
  oneField('consumer list', RequestCode.GET_CONSUMER_LIST_BY_GROUP, 'group', 'consumerGroup'),
  {
    what: 'unregister',
    code: RequestCode.UNREGISTER_CLIENT,
    name: 'group',
    ext: (g) => ({ clientID: 'c', consumerGroup: g }),
  },
  {
    what: 'end transaction',
    code: RequestCode.END_TRANSACTION,
    name: 'group',
    ext: (g) => ({
      producerGroup: g,
      tranStateTableOffset: '0',
      commitLogOffset: '0',
      commitOrRollback: '8',
      msgId: 'm',
    }),
  },
  {
    what: 'reset offsets',
    code: RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
    name: 'group',
    ext: (g) => ({ topic: 'T', group: g, timestamp: '0', isForce: 'true' }),
  },
  {
    what: 'reset offsets, topic',
    code: RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
    name: 'topic',
    ext: (t) => ({ topic: t, group: 'G', timestamp: '0', isForce: 'true' }),
  },
  {
    what: 'query by key',
    code: RequestCode.QUERY_MESSAGE,
    name: 'topic',
    ext: (t) => ({ topic: t, key: 'k', maxNum: '1', beginTimestamp: '0', endTimestamp: '1' }),
  },
  { what: 'view by id', code: RequestCode.VIEW_MESSAGE_BY_ID, name: 'topic', ext: (t) => ({ offset: '0', topic: t }) },
  {
    what: 'check client config',
    code: RequestCode.CHECK_CLIENT_CONFIG,
    name: 'group',
    body: (g) => encodeJsonBody({ clientId: 'c', group: g, subscriptionData: { topic: 'T', subString: '*' } }),
  },
  {
    what: 'clone offsets',
    code: RequestCode.CLONE_GROUP_OFFSET,
    name: 'group',
    ext: (g) => ({ srcGroup: g, destGroup: g, topic: 'T', offline: 'false' }),
  },
];

/** Refused as RocketMQ refuses a bad name: SYSTEM_ERROR, with a remark naming the rule. */
function assertRefused(response: RemotingCommand, what: string, kind: 'topic' | 'group'): void {
  assert.equal(response.code, ResponseCode.SYSTEM_ERROR, `${what}: ${response.remark}`);
  assert.match(response.remark ?? '', new RegExp(`the (${kind}|topic) name `), what);
  assert.match(response.remark ?? '', /names may have (only letters|at most)|name is empty/, what);
}

describe('names from the network never become paths', () => {
  it('the attack: heartbeat as group ../../../../victim, send to its retry topic, delete it; all refused, the files beside the store untouched', async () => {
    const { root, victim } = storeBesideVictim();
    const broker = await startBroker({}, { storePathRootDir: root });
    const requests = requestsClient();
    const group = '../../../../victim';
    const heartbeat = await requests.heartbeat(broker.brokerAddr, 'attacker@1', group, 'T');
    assertRefused(heartbeat, 'heartbeat', 'group');
    const send = await requests.send(broker.brokerAddr, `%RETRY%${group}`, 'x');
    assertRefused(send, 'send', 'topic');
    const deleted = await requests.call(broker.brokerAddr, RequestCode.DELETE_TOPIC_IN_BROKER, {
      topic: `%RETRY%${group}`,
    });
    assertRefused(deleted, 'delete topic', 'topic');
    assertUntouched(victim);
    assert.equal(broker.topics.get(`%RETRY%${group}`), undefined);
    assert.equal(
      broker.groups.all().some((config) => config.groupName === group),
      false,
    );
  });

  it('every request kind refuses names with "..", "/", "\\", NUL, control characters and over-long names', async () => {
    const { root, victim } = storeBesideVictim();
    const broker = await startBroker({}, { storePathRootDir: root });
    const requests = requestsClient();
    assert.equal((await requests.createTopic(broker.brokerAddr, 'T', 1)).code, ResponseCode.SUCCESS);
    for (const kind of KINDS) {
      for (const name of kind.name === 'topic' ? HOSTILE_TOPICS : HOSTILE_GROUPS) {
        const response = await requests.call(broker.brokerAddr, kind.code, kind.ext?.(name) ?? {}, kind.body?.(name));
        assertRefused(response, `${kind.what} ${JSON.stringify(name)}`, kind.name);
      }
    }
    // The broker still works, and nothing of the names reached its files or the files beside it.
    assert.equal((await requests.send(broker.brokerAddr, 'T', 'after')).code, ResponseCode.SUCCESS);
    await broker.shutdown();
    assertUntouched(victim);
    for (const topic of readdirSync(join(root, 'consumequeue')))
      assert.equal(topicNameProblem(topic), undefined, topic);
    const stored = (file: string, table: string): string[] => {
      const path = join(root, 'config', file);
      return existsSync(path) ? Object.keys(JSON.parse(readFileSync(path, 'utf8'))[table]) : [];
    };
    assert.ok(stored('topics.json', 'topicConfigTable').includes('T'));
    for (const topic of stored('topics.json', 'topicConfigTable')) assert.equal(topicNameProblem(topic), undefined);
    for (const group of stored('subscriptionGroup.json', 'subscriptionGroupTable')) {
      assert.equal(groupNameProblem(group), undefined);
    }
    for (const key of stored('consumerOffset.json', 'offsetTable')) assert.doesNotMatch(key, /[./\\\0]/);
  });

  it('the NameServer refuses registrations with bad names, addresses or topics, and bad topics in queries', async () => {
    const namesrv = await startNamesrv();
    const requests = requestsClient();
    const register = (fields: Record<string, string>, topics: Record<string, object> = {}) =>
      requests.call(
        namesrv.address,
        RequestCode.REGISTER_BROKER,
        {
          brokerName: 'broker-x',
          brokerAddr: '127.0.0.1:10911',
          clusterName: 'C',
          haServerAddr: '127.0.0.1:10912',
          brokerId: '0',
          ...fields,
        },
        encodeJsonBody({
          topicConfigSerializeWrapper: { topicConfigTable: topics, dataVersion: { timestamp: 1, counter: 1 } },
        }),
      );
    const refused: [Record<string, string>, RegExp, Record<string, object>?][] = [
      [{ brokerAddr: '1e+308' }, /the address "1e\+308" is not host:port/],
      [{ brokerAddr: 'true' }, /the address "true" is not host:port/],
      [{ brokerAddr: '-1' }, /the address "-1" is not host:port/],
      [{ brokerAddr: '127.0.0.1:99999' }, /is not host:port/],
      [{ haServerAddr: 'nowhere' }, /the address "nowhere" is not host:port/],
      [{ brokerName: '../b' }, /the broker name "..\/b" has "\."/],
      [{ clusterName: 'a\0b' }, /the cluster name "a\\u0000b" has/],
      [{ brokerId: '-1' }, /brokerId -1 is negative/],
      [
        {},
        /the topic name "..\/..\/x" has "\."/,
        { '../../x': { topicName: '../../x', readQueueNums: 1, writeQueueNums: 1, perm: 6 } },
      ],
    ];
    for (const [fields, remark, topics] of refused) {
      const response = await register(fields, topics);
      assert.equal(response.code, ResponseCode.SYSTEM_ERROR, JSON.stringify(fields));
      assert.match(response.remark ?? '', /^REGISTER_BROKER refused: /);
      assert.match(response.remark ?? '', remark);
    }
    const cluster = await requests.call(namesrv.address, RequestCode.GET_BROKER_CLUSTER_INFO);
    assert.deepEqual(JSON.parse(cluster.body!.toString()).brokerAddrTable, {});
    assert.equal(
      (await register({}, { Fine: { topicName: 'Fine', readQueueNums: 1, writeQueueNums: 1, perm: 6 } })).code,
      ResponseCode.SUCCESS,
    );
    for (const topic of HOSTILE_TOPICS) {
      for (const code of [RequestCode.GET_ROUTEINFO_BY_TOPIC, RequestCode.DELETE_TOPIC_IN_NAMESRV]) {
        assertRefused(
          await requests.call(namesrv.address, code, { topic }),
          `namesrv ${code} ${JSON.stringify(topic)}`,
          'topic',
        );
      }
    }
  });

  it('config/*.json entries with bad names are reported at start, kept in the file as they were, and never used', async () => {
    const { root, victim } = storeBesideVictim();
    const first = await startBroker({}, { storePathRootDir: root });
    const requests = requestsClient();
    assert.equal((await requests.createTopic(first.brokerAddr, 'Kept', 1)).code, ResponseCode.SUCCESS);
    await first.shutdown();
    const path = (file: string) => join(root, 'config', file);
    const edit = (file: string, change: (stored: Record<string, Record<string, unknown>>) => void) => {
      const stored = JSON.parse(readFileSync(path(file), 'utf8'));
      change(stored);
      writeFileSync(path(file), JSON.stringify(stored));
    };
    const evilTopic = { topicName: '../../../../victim', readQueueNums: 1, writeQueueNums: 1, perm: 6 };
    edit('topics.json', (stored) => (stored['topicConfigTable']!['../../../../victim'] = evilTopic));
    writeFileSync(
      path('subscriptionGroup.json'),
      JSON.stringify({ subscriptionGroupTable: { 'a/b': { groupName: 'a/b' } } }),
    );
    writeFileSync(
      path('consumerOffset.json'),
      JSON.stringify({ offsetTable: { '..@G': { 0: 5 }, 'Kept@G': { 0: 1 } } }),
    );

    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (line: string) => warnings.push(line),
      error: (line: string) => warnings.push(line),
    };
    const broker = new BrokerController(
      { broker: { listenPort: 0, bindAddress: '127.0.0.1' }, store: { storePathRootDir: root } },
      { logger, remotingLogger: silentLogger },
    );
    await broker.start();
    after(() => broker.shutdown());
    assert.ok(
      warnings.some((line) =>
        /topics\.json: the topic name "..\/..\/..\/..\/victim" has "\." at position 0: .*; this entry is left as it is and not used/.test(
          line,
        ),
      ),
    );
    assert.ok(warnings.some((line) => /subscriptionGroup\.json: the group name "a\/b"/.test(line)));
    assert.ok(warnings.some((line) => /consumerOffset\.json: the topic name "\.\."/.test(line)));
    assert.equal(broker.topics.get('../../../../victim'), undefined);
    assert.equal(broker.offsets.query('G', 'Kept', 0), 1);
    // A change rewrites the files; the set-aside entries are written back unchanged.
    assert.equal((await requests.createTopic(broker.brokerAddr, 'Another', 1)).code, ResponseCode.SUCCESS);
    await requests.call(
      broker.brokerAddr,
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      {},
      encodeJsonBody({ groupName: 'NewGroup' }),
    );
    await broker.shutdown();
    const topics = JSON.parse(readFileSync(path('topics.json'), 'utf8')).topicConfigTable;
    assert.deepEqual(topics['../../../../victim'], evilTopic);
    assert.ok(topics['Another']);
    const groups = JSON.parse(readFileSync(path('subscriptionGroup.json'), 'utf8')).subscriptionGroupTable;
    assert.deepEqual(Object.keys(groups).sort(), ['NewGroup', 'a/b']);
    const offsets = JSON.parse(readFileSync(path('consumerOffset.json'), 'utf8')).offsetTable;
    assert.deepEqual(offsets['..@G'], { 0: 5 });
    assertUntouched(victim);
  });

  it('our client refuses bad group and topic names before it sends anything, as RocketMQ Validators do', async () => {
    const namesrvAddr = (await startNamesrv()).address;
    const refused = (fn: () => unknown, message: RegExp) =>
      assert.throws(fn, (error: unknown) => error instanceof MQClientError && message.test(error.message));
    refused(() => new Producer({ namesrvAddr, producerGroup: 'a/b' }), /producerGroup: the group name "a\/b" has "\/"/);
    refused(() => new PushConsumer({ namesrvAddr, consumerGroup: '../../x' }), /consumerGroup: the group name/);
    refused(
      () => new PushConsumer({ namesrvAddr, consumerGroup: 'G' }).subscribe('%DLQ%..', '*'),
      /the topic name "%DLQ%\.\."/,
    );
    const producer = new Producer({ namesrvAddr, producerGroup: 'P', logger: silentLogger });
    await producer.start();
    after(() => producer.shutdown());
    await assert.rejects(producer.send({ topic: 'a\0b', body: 'x' }), /the topic name "a\\u0000b" has/);
  });
});
