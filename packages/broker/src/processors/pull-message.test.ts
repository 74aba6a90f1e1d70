import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeStoredMessages,
  encodeJsonBody,
  PullMessageRequestHeader,
  PullSysFlag,
  RequestCode,
  ResponseCode,
} from '@rocketnest/protocol';
import { startTestBroker } from './broker.test-support.js';

type Broker = Awaited<ReturnType<typeof startTestBroker>>;

function pull(
  { call }: Broker,
  options: {
    group?: string;
    topic?: string;
    queueId?: number;
    offset?: number;
    sysFlag?: number;
    subscription?: string;
  },
  expressionType = 'TAG',
  suspendMs = 0,
) {
  return call(
    RequestCode.PULL_MESSAGE,
    PullMessageRequestHeader.encode({
      consumerGroup: options.group ?? 'G',
      topic: options.topic ?? 'T',
      queueId: options.queueId ?? 0,
      queueOffset: options.offset ?? 0,
      maxMsgNums: 32,
      sysFlag: options.sysFlag ?? PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMillis: suspendMs,
      subscription: options.subscription ?? '*',
      subVersion: 0,
      expressionType,
    }),
  );
}

const bodies = (response: { body?: Buffer | undefined }) =>
  decodeStoredMessages(response.body ?? Buffer.alloc(0)).map((m) => m.body.toString());

describe('PULL_MESSAGE', () => {
  it('returns the messages from an offset that match the tags, with the next offset', async () => {
    const broker = await startTestBroker();
    await broker.createTopic('T');
    await broker.send('T', 'a', { properties: { TAGS: 'A' } });
    await broker.send('T', 'b', { properties: { TAGS: 'B' } });
    await broker.send('T', 'c', { properties: { TAGS: 'A' } });
    const all = await pull(broker, {});
    assert.equal(all.code, ResponseCode.SUCCESS);
    assert.deepEqual(bodies(all), ['a', 'b', 'c']);
    assert.equal(all.extFields['nextBeginOffset'], '3');
    assert.deepEqual(bodies(await pull(broker, { subscription: 'A' })), ['a', 'c']);
    assert.deepEqual(bodies(await pull(broker, { offset: 1 })), ['b', 'c']);
  });

  it('answers PULL_NOT_FOUND at the end, PULL_OFFSET_MOVED past it, and holds a suspended pull until a message comes', async () => {
    const broker = await startTestBroker();
    await broker.createTopic('T');
    assert.equal((await pull(broker, {})).code, ResponseCode.PULL_NOT_FOUND);
    await broker.send('T', 'first');
    assert.equal((await pull(broker, { offset: 1 })).code, ResponseCode.PULL_NOT_FOUND);
    const moved = await pull(broker, { offset: 9 });
    assert.equal(moved.code, ResponseCode.PULL_OFFSET_MOVED);
    const held = pull(broker, { offset: 1, sysFlag: PullSysFlag.SUBSCRIPTION | PullSysFlag.SUSPEND }, 'TAG', 3000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await broker.send('T', 'second');
    const woken = await held;
    assert.equal(woken.code, ResponseCode.SUCCESS);
    assert.deepEqual(bodies(woken), ['second']);
  });

  it('answers a held pull within 5 s of messages it filters out, past them, well before its suspend timeout', async () => {
    const broker = await startTestBroker();
    await broker.createTopic('T');
    const sysFlag = PullSysFlag.SUBSCRIPTION | PullSysFlag.SUSPEND;
    const held = pull(broker, { subscription: 'A', sysFlag }, 'TAG', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await broker.send('T', 'b', { properties: { TAGS: 'B' } });
    const answer = await held;
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(bodies(answer), []);
    // The next pull starts after the message it did not want.
    assert.equal(answer.extFields['nextBeginOffset'], '1');
  });

  it('commits the offset a pull carries', async () => {
    const broker = await startTestBroker();
    await broker.createTopic('T');
    await broker.send('T');
    await broker.call(
      RequestCode.PULL_MESSAGE,
      PullMessageRequestHeader.encode({
        consumerGroup: 'G',
        topic: 'T',
        queueId: 0,
        queueOffset: 1,
        maxMsgNums: 32,
        sysFlag: PullSysFlag.SUBSCRIPTION | PullSysFlag.COMMIT_OFFSET,
        commitOffset: 1,
        suspendTimeoutMillis: 0,
        subscription: '*',
        subVersion: 0,
      }),
    );
    assert.equal(broker.broker.offsets.query('G', 'T', 0), 1);
  });

  it('refuses a broker, group or topic that may not be read, an unknown topic or queue, and bad expressions', async () => {
    const writeOnly = await startTestBroker({ brokerPermission: 2 });
    const broker = await pull(writeOnly, {});
    assert.equal(broker.code, ResponseCode.NO_PERMISSION);
    assert.match(broker.remark!, /pulling message is forbidden/);

    const strict = await startTestBroker({ autoCreateSubscriptionGroup: false });
    assert.equal((await pull(strict, {})).code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    await strict.call(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      {},
      encodeJsonBody({ groupName: 'Stopped', consumeEnable: false }),
    );
    const stopped = await pull(strict, { group: 'Stopped' });
    assert.equal(stopped.code, ResponseCode.NO_PERMISSION);
    assert.match(stopped.remark!, /may not consume/);

    const b = await startTestBroker();
    assert.equal((await pull(b, { topic: 'Missing' })).code, ResponseCode.TOPIC_NOT_EXIST);
    await b.createTopic('WriteOnly', 1, 2);
    assert.equal((await pull(b, { topic: 'WriteOnly' })).code, ResponseCode.NO_PERMISSION);
    await b.createTopic('T');
    const queue = await pull(b, { queueId: 3 });
    assert.equal(queue.code, ResponseCode.SYSTEM_ERROR);
    assert.match(queue.remark!, /queueId\[3\] is illegal/);
    const type = await pull(b, {}, 'XPATH');
    assert.match(type.remark!, /expression type XPATH is not supported/);
    const sql = await pull(b, { subscription: 'a > 1' }, 'SQL92');
    assert.equal(sql.code, ResponseCode.SYSTEM_ERROR);
    assert.match(sql.remark!, /enablePropertyFilter/);
    const filtered = await startTestBroker({ enablePropertyFilter: true });
    await filtered.createTopic('T');
    assert.equal((await pull(filtered, { subscription: 'a >' }, 'SQL92')).code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
  });

  it('without a subscription in the pull, uses the one the group registered, and refuses when there is none', async () => {
    const broker = await startTestBroker();
    await broker.createTopic('T');
    const noGroup = await pull(broker, { sysFlag: 0 });
    assert.equal(noGroup.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
    assert.match(noGroup.remark!, /send HEART_BEAT first/);
    await broker.heartbeat('G', 'Other');
    const noTopic = await pull(broker, { sysFlag: 0 });
    assert.equal(noTopic.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
    await broker.heartbeat('G', 'T');
    await broker.send('T', 'x');
    assert.deepEqual(bodies(await pull(broker, { sysFlag: 0 })), ['x']);
  });
});
