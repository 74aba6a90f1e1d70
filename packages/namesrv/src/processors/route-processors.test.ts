import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bodyCrc,
  encodeJsonBody,
  RequestCode,
  ResponseCode,
  type ClusterInfo,
  type DataVersion,
  type TopicList,
  type TopicRouteData,
} from '@rocketnest/protocol';
import { json, startTestNamesrv } from './namesrv.test-support.js';

type Call = Awaited<ReturnType<typeof startTestNamesrv>>['call'];

const topic = (topicName: string, queueNums = 4) => ({
  topicName,
  readQueueNums: queueNums,
  writeQueueNums: queueNums,
  perm: 6,
  topicSysFlag: 0,
});

function registration(
  call: Call,
  broker: { name?: string; addr: string; id?: number; cluster?: string; ha?: string },
  topics: string[],
  dataVersion: DataVersion = { timestamp: 1, counter: 1 },
  extra: Record<string, string> = {},
) {
  const body = encodeJsonBody({
    topicConfigSerializeWrapper: {
      topicConfigTable: Object.fromEntries(topics.map((t) => [t, topic(t)])),
      dataVersion,
    },
    filterServerList: [],
  });
  return call(
    RequestCode.REGISTER_BROKER,
    {
      brokerName: broker.name ?? 'broker-a',
      brokerAddr: broker.addr,
      clusterName: broker.cluster ?? 'C',
      haServerAddr: broker.ha ?? '',
      brokerId: String(broker.id ?? 0),
      bodyCrc32: String(bodyCrc(body)),
      ...extra,
    },
    body,
  );
}

describe('route processors', () => {
  it('registers a master with its topics and serves routes, cluster info and topic lists', async () => {
    const { call } = await startTestNamesrv();
    const registered = await registration(call, { addr: '127.0.0.1:10911' }, ['Orders', 'C', 'broker-a']);
    assert.equal(registered.code, ResponseCode.SUCCESS);
    assert.equal(registered.extFields['masterAddr'], undefined);
    await registration(call, { name: 'broker-b', addr: '127.0.0.1:10921', cluster: 'D' }, ['Other']);

    const route = json<TopicRouteData>(await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Orders' }));
    assert.deepEqual(route.queueDatas, [
      { brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    ]);
    assert.deepEqual(route.brokerDatas, [
      { cluster: 'C', brokerName: 'broker-a', brokerAddrs: { 0: '127.0.0.1:10911' } },
    ]);
    const missing = await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Nowhere' });
    assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(missing.remark, 'No topic route info in name server for the topic: Nowhere');

    const cluster = json<ClusterInfo>(await call(RequestCode.GET_BROKER_CLUSTER_INFO));
    assert.deepEqual(cluster.clusterAddrTable, { C: ['broker-a'], D: ['broker-b'] });
    const all = json<TopicList>(await call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)).topicList;
    assert.deepEqual(all.sort(), ['C', 'Orders', 'Other', 'broker-a']);
    const ofCluster = json<TopicList>(await call(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'D' })).topicList;
    assert.deepEqual(ofCluster, ['Other']);
    const system = json<TopicList>(await call(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS));
    assert.deepEqual(system.topicList.sort(), ['C', 'D', 'broker-a', 'broker-b']);
    assert.ok(system.brokerAddr);
  });

  it("answers a slave's registration with its master's address and HA address", async () => {
    const { call } = await startTestNamesrv();
    await registration(call, { addr: '127.0.0.1:10911', ha: '127.0.0.1:10912' }, ['Orders']);
    const slave = await registration(call, { addr: '127.0.0.1:10921', id: 1 }, ['Orders']);
    assert.equal(slave.code, ResponseCode.SUCCESS);
    assert.equal(slave.extFields['masterAddr'], '127.0.0.1:10911');
    assert.equal(slave.extFields['haServerAddr'], '127.0.0.1:10912');
    const route = json<TopicRouteData>(await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Orders' }));
    assert.deepEqual(route.brokerDatas[0]!.brokerAddrs, { 0: '127.0.0.1:10911', 1: '127.0.0.1:10921' });
  });

  it('refuses compressed bodies, a body whose CRC does not match, and a body without topic configs', async () => {
    const { call } = await startTestNamesrv();
    const compressed = await registration(call, { addr: '127.0.0.1:10911' }, ['T'], undefined, { compressed: 'true' });
    assert.equal(compressed.code, ResponseCode.SYSTEM_ERROR);
    assert.match(
      compressed.remark!,
      /compressed REGISTER_BROKER bodies are not supported: set compressedRegister=false/,
    );
    const badCrc = await registration(call, { addr: '127.0.0.1:10911' }, ['T'], undefined, { bodyCrc32: '12345' });
    assert.equal(badCrc.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(badCrc.remark, 'crc32 not match');
    const header = { brokerName: 'b', brokerAddr: '127.0.0.1:1', clusterName: 'C', haServerAddr: '', brokerId: '0' };
    const noTable = await call(RequestCode.REGISTER_BROKER, header, encodeJsonBody({ filterServerList: [] }));
    assert.equal(noTable.code, ResponseCode.SYSTEM_ERROR);
    assert.match(noTable.remark!, /RegisterBrokerBody has no topicConfigSerializeWrapper\.topicConfigTable/);
    assert.deepEqual(json<ClusterInfo>(await call(RequestCode.GET_BROKER_CLUSTER_INFO)).brokerAddrTable, {});
  });

  it('tells a broker whether its data version changed since it registered', async () => {
    const { call } = await startTestNamesrv();
    const version = { timestamp: 7, counter: 3 };
    await registration(call, { addr: '127.0.0.1:10911' }, ['T'], version);
    const identity = { brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', clusterName: 'C', brokerId: '0' };
    const same = await call(RequestCode.QUERY_DATA_VERSION, identity, encodeJsonBody(version));
    assert.equal(same.extFields['changed'], 'false');
    assert.deepEqual(json(same), version);
    const other = await call(RequestCode.QUERY_DATA_VERSION, identity, encodeJsonBody({ timestamp: 7, counter: 4 }));
    assert.equal(other.extFields['changed'], 'true');
    const unknown = { ...identity, brokerAddr: '127.0.0.1:1' };
    assert.equal(
      (await call(RequestCode.QUERY_DATA_VERSION, unknown, encodeJsonBody(version))).extFields['changed'],
      'true',
    );
  });

  it('adds orderTopicConf to routes from the ORDER_TOPIC_CONFIG namespace when orderMessageEnable is on', async () => {
    const { call } = await startTestNamesrv({ orderMessageEnable: true });
    await registration(call, { addr: '127.0.0.1:10911' }, ['Orders']);
    await call(RequestCode.PUT_KV_CONFIG, { namespace: 'ORDER_TOPIC_CONFIG', key: 'Orders', value: 'broker-a:4' });
    const route = json<TopicRouteData>(await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Orders' }));
    assert.equal(route.orderTopicConf, 'broker-a:4');
  });

  it("deletes a topic, from one cluster's brokers when named, and wipes and restores a broker's write permission", async () => {
    const { call } = await startTestNamesrv();
    await registration(call, { addr: '127.0.0.1:10911' }, ['Shared', 'Mine']);
    await registration(call, { name: 'broker-b', addr: '127.0.0.1:10921', cluster: 'D' }, ['Shared']);
    const wiped = await call(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: 'broker-a' });
    assert.equal(wiped.extFields['wipeTopicCount'], '2');
    const route = () => call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Shared' }).then(json<TopicRouteData>);
    const permOf = async (name: string) => (await route()).queueDatas.find((q) => q.brokerName === name)?.perm;
    assert.equal(await permOf('broker-a'), 4);
    assert.equal(await permOf('broker-b'), 6);
    const added = await call(RequestCode.ADD_WRITE_PERM_OF_BROKER, { brokerName: 'broker-a' });
    assert.equal(added.extFields['addTopicCount'], '2');
    assert.equal(await permOf('broker-a'), 6);

    assert.equal((await call(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'Shared', clusterName: 'D' })).code, 0);
    assert.deepEqual(
      (await route()).queueDatas.map((q) => q.brokerName),
      ['broker-a'],
    );
    await call(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'Mine' });
    assert.equal(
      (await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Mine' })).code,
      ResponseCode.TOPIC_NOT_EXIST,
    );
  });

  it('drops an unregistered broker and the topics only it served', async () => {
    const { call } = await startTestNamesrv();
    await registration(call, { addr: '127.0.0.1:10911' }, ['Mine']);
    const identity = { brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', clusterName: 'C', brokerId: '0' };
    assert.equal((await call(RequestCode.UNREGISTER_BROKER, identity)).code, ResponseCode.SUCCESS);
    assert.equal(
      (await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Mine' })).code,
      ResponseCode.TOPIC_NOT_EXIST,
    );
    assert.deepEqual(json<ClusterInfo>(await call(RequestCode.GET_BROKER_CLUSTER_INFO)).clusterAddrTable, {});
  });

  it('refuses a second broker taking the brokerName and brokerId of a live one, and lets it in once that one is gone', async () => {
    const { call } = await startTestNamesrv();
    assert.equal((await registration(call, { addr: '127.0.0.1:10911' }, ['Orders'])).code, ResponseCode.SUCCESS);
    // The same broker again (a restart at its address) is a heartbeat.
    assert.equal((await registration(call, { addr: '127.0.0.1:10911' }, ['Orders'])).code, ResponseCode.SUCCESS);
    const second = await registration(call, { addr: '127.0.0.1:20911' }, ['Orders']);
    assert.equal(second.code, ResponseCode.SYSTEM_ERROR);
    assert.match(second.remark!, /broker-a's brokerId 0 is held by the live broker at 127\.0\.0\.1:10911/);
    const route = json<TopicRouteData>(await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Orders' }));
    assert.deepEqual(route.brokerDatas[0]!.brokerAddrs, { 0: '127.0.0.1:10911' });
    const identity = { brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', clusterName: 'C', brokerId: '0' };
    await call(RequestCode.UNREGISTER_BROKER, identity);
    assert.equal((await registration(call, { addr: '127.0.0.1:20911' }, ['Orders'])).code, ResponseCode.SUCCESS);
  });
});
