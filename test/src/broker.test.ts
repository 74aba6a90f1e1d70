import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BrokerController } from '@rocketnest/broker';
import {
  createRequest,
  decodeOffsetMessageId,
  decodeStoredMessages,
  RegisterBrokerRequestHeader,
  RequestCode,
  ResponseCode,
  type ClusterInfo,
  type RemotingCommand,
  type TopicList,
  type TopicRouteData,
} from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { writevSync } from 'node:fs';
import { DefaultMessageStore } from '@rocketnest/store';
import { eventually, startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { Requests, requestsClient } from './support/requests.js';

const json = <T>(response: RemotingCommand): T => JSON.parse(response.body!.toString()) as T;

describe('NameServer and broker over real sockets', () => {
  it('routes a topic across two brokers, registered with two NameServers side by side', async () => {
    const [first, second] = [await startNamesrv(), await startNamesrv()];
    const namesrvAddr = `${first.address};${second.address}`;
    const a = await startBroker({ brokerName: 'broker-a', namesrvAddr });
    const b = await startBroker({ brokerName: 'broker-b', namesrvAddr });
    const requests = requestsClient();
    for (const broker of [a, b])
      assert.equal((await requests.createTopic(broker.brokerAddr, 'Routed', 2)).code, ResponseCode.SUCCESS);
    for (const namesrv of [first, second]) {
      const route = await eventually(async () => {
        const response = await requests.call(namesrv.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Routed' });
        const data = response.code === ResponseCode.SUCCESS ? json<TopicRouteData>(response) : undefined;
        return data && data.brokerDatas.length === 2 ? data : undefined;
      }, 'a route with both brokers');
      assert.deepEqual(route.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums, q.perm]).sort(), [
        ['broker-a', 2, 2, 6],
        ['broker-b', 2, 2, 6],
      ]);
      assert.deepEqual(route.brokerDatas.map((d) => [d.brokerName, d.brokerAddrs['0']]).sort(), [
        ['broker-a', a.brokerAddr],
        ['broker-b', b.brokerAddr],
      ]);
      const cluster = json<ClusterInfo>(await requests.call(namesrv.address, RequestCode.GET_BROKER_CLUSTER_INFO));
      assert.deepEqual(cluster.clusterAddrTable['DefaultCluster']?.sort(), ['broker-a', 'broker-b']);
      const topics = json<TopicList>(
        await requests.call(namesrv.address, RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
      );
      assert.ok(topics.topicList.includes('Routed') && topics.topicList.includes('TBW102'));
    }
  });

  it('answers a held pull within moments of a send, filtered by tag at the ConsumeQueue', async () => {
    const broker = await startBroker();
    const requests = requestsClient();
    await requests.createTopic(broker.brokerAddr, 'Polled', 1);
    const started = Date.now();
    const held = requests.pull(broker.brokerAddr, {
      group: 'g',
      topic: 'Polled',
      queueId: 0,
      offset: 0,
      subscription: 'TagA',
      suspendMs: 20_000,
    });
    // A message of another tag does not wake it; one of its tag does.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(
      (await requests.send(broker.brokerAddr, 'Polled', 'other', { tags: 'TagB' })).code,
      ResponseCode.SUCCESS,
    );
    assert.equal(
      (await requests.send(broker.brokerAddr, 'Polled', 'wanted', { tags: 'TagA' })).code,
      ResponseCode.SUCCESS,
    );
    const response = await held;
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    assert.ok(Date.now() - started < 10_000, 'answered on arrival, long before its 20 s suspend timeout');
    const messages = decodeStoredMessages(response.body!);
    assert.deepEqual(
      messages.map((m) => m.body.toString()),
      ['wanted'],
    );
    assert.equal(response.extFields['nextBeginOffset'], '2');
    assert.equal(response.extFields['maxOffset'], '2');
    // Nothing new: a pull without suspension says so at once.
    const empty = await requests.pull(broker.brokerAddr, { group: 'g', topic: 'Polled', queueId: 0, offset: 2 });
    assert.equal(empty.code, ResponseCode.PULL_NOT_FOUND);
  });

  it('answers each of several pulls held on one queue: on a matching arrival, or at its own timeout', async () => {
    const broker = await startBroker();
    const requests = requestsClient();
    await requests.createTopic(broker.brokerAddr, 'Shared', 1);
    const pull = (subscription: string, suspendMs: number) =>
      requests.pull(broker.brokerAddr, {
        group: `g-${subscription}`,
        topic: 'Shared',
        queueId: 0,
        offset: 0,
        subscription,
        suspendMs,
      });
    const started = Date.now();
    const firstA = pull('TagA', 20_000);
    const timesOut = pull('TagC', 500);
    const onB = pull('TagB', 20_000);
    const secondA = pull('TagA', 20_000);
    const timedOut = await timesOut;
    assert.equal(timedOut.code, ResponseCode.PULL_NOT_FOUND, 'nothing for TagC by its timeout');
    const waited = Date.now() - started;
    assert.ok(waited >= 450 && waited < 10_000, `answered at its 500 ms timeout, after ${waited} ms`);
    assert.equal((await requests.send(broker.brokerAddr, 'Shared', 'a', { tags: 'TagA' })).code, ResponseCode.SUCCESS);
    const bodies = async (held: Promise<RemotingCommand>) => {
      const response = await held;
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      return decodeStoredMessages(response.body!).map((m) => m.body.toString());
    };
    assert.deepEqual(await Promise.all([bodies(firstA), bodies(secondA)]), [['a'], ['a']]);
    // The TagB pull is still held (the TagA message was not for it) and wakes on its own message.
    assert.equal((await requests.send(broker.brokerAddr, 'Shared', 'b', { tags: 'TagB' })).code, ResponseCode.SUCCESS);
    assert.deepEqual(await bodies(onB), ['b']);
    assert.ok(Date.now() - started < 10_000, 'every pull answered long before its 20 s suspend timeout');
  });

  it('keeps messages, topics and consumer offsets across a restart', async () => {
    const storePathRootDir = temporaryDir();
    const requests = requestsClient();
    let broker = await startBroker({}, { storePathRootDir });
    await requests.createTopic(broker.brokerAddr, 'Durable', 2);
    for (let i = 0; i < 5; i++) await requests.send(broker.brokerAddr, 'Durable', `m${i}`, { queueId: i % 2 });
    const update = { consumerGroup: 'durable-group', topic: 'Durable', queueId: '1', commitOffset: '2' };
    assert.equal(
      (await requests.call(broker.brokerAddr, RequestCode.UPDATE_CONSUMER_OFFSET, update)).code,
      ResponseCode.SUCCESS,
    );
    await broker.shutdown();
    broker = await startBroker({}, { storePathRootDir });
    const query = { consumerGroup: 'durable-group', topic: 'Durable', queueId: '1' };
    const offset = await requests.call(broker.brokerAddr, RequestCode.QUERY_CONSUMER_OFFSET, query);
    assert.equal(offset.code, ResponseCode.SUCCESS);
    assert.equal(offset.extFields['offset'], '2');
    assert.equal(broker.topics.get('Durable')?.readQueueNums, 2);
    const pulled = await requests.pull(broker.brokerAddr, {
      group: 'durable-group',
      topic: 'Durable',
      queueId: 0,
      offset: 0,
    });
    assert.deepEqual(
      decodeStoredMessages(pulled.body!).map((m) => m.body.toString()),
      ['m0', 'm2', 'm4'],
    );
  });

  it('starts a new group at 0 only on queues whose first message is still in memory, as RocketMQ does', async () => {
    // 100 kB of RAM: 40% of it (accessMessageInMemoryMaxRatio) counts as page cache, 40 kB back from the log's end.
    const broker = await startBroker({}, {}, { totalMemory: 100_000 });
    const requests = requestsClient();
    for (const topic of ['Old', 'Young']) await requests.createTopic(broker.brokerAddr, topic, 1);
    for (let i = 0; i < 60; i++) await requests.send(broker.brokerAddr, 'Old', Buffer.alloc(1024, i));
    await requests.send(broker.brokerAddr, 'Young', 'fresh');
    const query = (topic: string) =>
      requests.call(broker.brokerAddr, RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: 'new-group',
        topic,
        queueId: '0',
      });
    // Young's first message is at the log's end, Old's 60 kB back: the whole log does not decide.
    const young = await query('Young');
    assert.equal(young.code, ResponseCode.SUCCESS);
    assert.equal(young.extFields['offset'], '0');
    assert.equal((await query('Old')).code, ResponseCode.QUERY_NOT_FOUND);
  });

  it('refuses an unknown topic when auto-creation is off, and a message over maxMessageSize, and keeps working', async () => {
    const broker = await startBroker({ autoCreateTopicEnable: false }, { maxMessageSize: 4 * 1024 * 1024 });
    const requests = requestsClient();
    const unknown = await requests.send(broker.brokerAddr, 'NoSuchTopic', 'x');
    assert.equal(unknown.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.match(
      unknown.remark!,
      /topic\[NoSuchTopic\] not exist, apply first please! Create it with updateTopic, or set autoCreateTopicEnable=true/,
    );
    await requests.createTopic(broker.brokerAddr, 'Sized', 1);
    const big = await requests.send(broker.brokerAddr, 'Sized', Buffer.alloc(5 * 1024 * 1024, 1));
    assert.equal(big.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(big.remark!, /message body of 5242880 bytes is over maxMessageSize 4194304/);
    assert.equal((await requests.send(broker.brokerAddr, 'Sized', 'small')).code, ResponseCode.SUCCESS);
  });

  it('answers SYSTEM_BUSY while the disk stalls instead of queueing sends in memory', async () => {
    let stall: (() => void) | undefined;
    const storePathRootDir = temporaryDir();
    const store = new DefaultMessageStore(
      // Writes on the pool, so that the stalled write leaves the broker free to answer.
      { storePathRootDir, osPageCacheBusyTimeOutMills: 50, transientStorePoolEnable: true },
      {
        logger: silentLogger,
        writeCommitLog: {
          writeSync: (fd, buffers, position) => writevSync(fd, buffers as Uint8Array[], position),
          write: async (fd, buffers, position) => {
            if (stall === undefined) await new Promise<void>((resolve) => (stall = resolve));
            return writevSync(fd, buffers as Uint8Array[], position);
          },
        },
      },
    );
    const broker = new BrokerController(
      { broker: { listenPort: 0, bindAddress: '127.0.0.1' }, store: { storePathRootDir } },
      { logger: silentLogger, remotingLogger: silentLogger, store },
    );
    await broker.start();
    after(() => broker.shutdown());
    const requests = requestsClient();
    await requests.createTopic(broker.brokerAddr, 'Stalled', 1);
    const first = requests.send(broker.brokerAddr, 'Stalled', Buffer.alloc(70_000, 1)); // over 64 KiB: on the pool
    await eventually(() => stall, 'the stalled write');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = await requests.send(broker.brokerAddr, 'Stalled', 'while stalled');
    assert.equal(busy.code, ResponseCode.SYSTEM_BUSY);
    assert.match(busy.remark!, /^\[PC_SYNCHRONIZED\]broker busy, start flow control for a while/);
    stall!();
    assert.equal((await first).code, ResponseCode.SUCCESS);
    assert.equal((await requests.send(broker.brokerAddr, 'Stalled', 'after')).code, ResponseCode.SUCCESS);
  });

  it('finds messages by key and by offset message id', async () => {
    const broker = await startBroker();
    const requests = requestsClient();
    await requests.createTopic(broker.brokerAddr, 'Found', 1);
    const sent = await requests.send(broker.brokerAddr, 'Found', 'by key', { keys: 'order-42' });
    const byKey = await requests.call(broker.brokerAddr, RequestCode.QUERY_MESSAGE, {
      topic: 'Found',
      key: 'order-42',
      maxNum: '32',
      beginTimestamp: '0',
      endTimestamp: String(Date.now() + 1000),
    });
    assert.equal(byKey.code, ResponseCode.SUCCESS);
    assert.deepEqual(
      decodeStoredMessages(byKey.body!).map((m) => m.body.toString()),
      ['by key'],
    );
    const { physicalOffset } = decodeOffsetMessageId(sent.extFields['msgId']!);
    const byId = await requests.call(broker.brokerAddr, RequestCode.VIEW_MESSAGE_BY_ID, {
      offset: String(physicalOffset),
    });
    assert.equal(decodeStoredMessages(byId.body!)[0]!.body.toString(), 'by key');
  });

  it("lists a group's consumers and tells them when another joins", async () => {
    const broker = await startBroker();
    const notified: string[] = [];
    const first = new RemotingClient({ logger: silentLogger });
    first.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) => {
      notified.push(request.extFields['consumerGroup']!);
      return null;
    });
    after(() => first.close());
    await new Requests(first).heartbeat(broker.brokerAddr, 'client-1', 'members', 'Members');
    await requestsClient().heartbeat(broker.brokerAddr, 'client-2', 'members', 'Members');
    await eventually(() => notified.includes('members'), 'NOTIFY_CONSUMER_IDS_CHANGED');
    const list = await requestsClient().call(broker.brokerAddr, RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      consumerGroup: 'members',
    });
    assert.deepEqual(json<{ consumerIdList: string[] }>(list).consumerIdList.sort(), ['client-1', 'client-2']);
  });

  it('drops a broker that stops registering, and one whose connection closes', async () => {
    const namesrv = await startNamesrv({ brokerChannelExpiredTime: 300, scanNotActiveBrokerInterval: 100 });
    const remoting = new RemotingClient({ logger: silentLogger });
    const register = (brokerName: string, brokerAddr: string) =>
      remoting.invoke(
        namesrv.address,
        createRequest(RequestCode.REGISTER_BROKER, {
          extFields: RegisterBrokerRequestHeader.encode({
            brokerName,
            brokerAddr,
            clusterName: 'C',
            haServerAddr: '127.0.0.1:1',
            brokerId: 0,
          }),
          body: Buffer.from(
            JSON.stringify({
              filterServerList: [],
              topicConfigSerializeWrapper: {
                dataVersion: { counter: 1, timestamp: 1 },
                topicConfigTable: {
                  Silent: {
                    topicName: 'Silent',
                    readQueueNums: 1,
                    writeQueueNums: 1,
                    perm: 6,
                    topicFilterType: 'SINGLE_TAG',
                    topicSysFlag: 0,
                    order: false,
                  },
                },
              },
            }),
          ),
        }),
      );
    const requests = requestsClient();
    const route = () => requests.call(namesrv.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Silent' });
    assert.equal((await register('silent-broker', '127.0.0.1:1')).code, ResponseCode.SUCCESS);
    assert.equal((await route()).code, ResponseCode.SUCCESS);
    // It says nothing more (its connection stays open): after 300 ms it is gone.
    await eventually(async () => (await route()).code === ResponseCode.TOPIC_NOT_EXIST, 'the silent broker to expire');
    assert.match((await route()).remark!, /No topic route info in name server for the topic: Silent/);
    assert.equal((await register('closing-broker', '127.0.0.1:2')).code, ResponseCode.SUCCESS);
    await remoting.close();
    await eventually(() => !namesrv.routes.clusterInfo().brokerAddrTable['closing-broker'], 'the closed broker to go');
  });

  it('unregisters from the NameServer when it stops', async () => {
    const namesrv = await startNamesrv();
    const broker = new BrokerController(
      {
        broker: { listenPort: 0, bindAddress: '127.0.0.1', namesrvAddr: namesrv.address },
        store: { storePathRootDir: temporaryDir() },
      },
      { logger: silentLogger, remotingLogger: silentLogger, storeLogger: silentLogger },
    );
    await broker.start();
    assert.ok(namesrv.routes.clusterInfo().brokerAddrTable['broker-a']);
    await broker.shutdown();
    assert.equal(namesrv.routes.clusterInfo().brokerAddrTable['broker-a'], undefined);
  });
});
