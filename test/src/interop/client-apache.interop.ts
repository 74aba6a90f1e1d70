/**
 * Part of npm run test:interop: our client (packages/client) against Apache RocketMQ 4.9.4's own
 * NameServer and broker, in the loopback-only namespace (the script re-runs itself there).
 * Needs root and the distribution (support/real-rocketmq.ts); never in CI.
 */
import { silentLogger } from '@rocketnest/common';
import {
  Admin,
  LitePullConsumer,
  Producer,
  PushConsumer,
  type ReceivedMessage,
  type SendResult,
} from '@rocketnest/client';
import {
  createRequest,
  decodeOffsetMessageId,
  parseJavaJson,
  RequestCode,
  type ClusterInfo,
} from '@rocketnest/protocol';
import { checkList, runAgainstApache } from '../support/real-rocketmq.js';

const NAMESRV = '127.0.0.1:9876';

async function waitFor(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function checks(): Promise<number> {
  const { check, failed, passed } = checkList();
  const topic = `ClientInterop${Date.now() % 100_000}`;
  const producer = new Producer({ namesrvAddr: NAMESRV, producerGroup: 'rn-interop-producer', logger: silentLogger });
  await producer.start();
  const sentA: string[] = [];
  let lastSent: SendResult | undefined;
  await check('Producer.send (topic created through TBW102)', async () => {
    let last = '';
    for (let i = 0; i < 20; i++) {
      const tag = i % 2 ? 'B' : 'A';
      const result = await producer.send({ topic, body: `m${i}`, tags: tag, keys: `key${i}` });
      if (result.status !== 'SEND_OK') throw new Error(`status ${result.status}`);
      if (decodeOffsetMessageId(result.offsetMsgId).storeHost !== '127.0.0.1:10911')
        throw new Error(`offset id ${result.offsetMsgId}`);
      if (tag === 'A') sentA.push(`m${i}`);
      lastSent = result;
      last = `${result.msgId} on ${result.messageQueue.brokerName}/${result.messageQueue.queueId} at ${result.queueOffset}`;
    }
    return `20 SEND_OK, last ${last}`;
  });
  await check('Producer.sendBatch', async () => {
    const result = await producer.sendBatch([1, 2, 3].map((i) => ({ topic, body: `batch${i}`, tags: 'A' })));
    if (result.status !== 'SEND_OK' || result.msgId.split(',').length !== 3) throw new Error(JSON.stringify(result));
    sentA.push('batch1', 'batch2', 'batch3');
    return `${result.msgId} at ${result.queueOffset}`;
  });
  await check('Producer.send with a sharding key', async () => {
    const queues = new Set<number>();
    for (let i = 0; i < 5; i++)
      queues.add(
        (await producer.send({ topic, body: `s${i}`, tags: 'S' }, { shardingKey: 'order-9' })).messageQueue.queueId,
      );
    if (queues.size !== 1) throw new Error(`went to queues ${[...queues].join(',')}`);
    return `5 sends, queue ${[...queues][0]}`;
  });
  await check('Producer.sendOneway', async () => {
    await producer.sendOneway({ topic, body: 'oneway', tags: 'A' });
    sentA.push('oneway');
    return 'sent';
  });
  await check('cluster info in fastjson (unquoted integer keys) parsed', async () => {
    const response = await producer.instance.invokeNamesrv(() => createRequest(RequestCode.GET_BROKER_CLUSTER_INFO));
    const text = response.body!.toString();
    const info = parseJavaJson(text) as ClusterInfo;
    const address = info.brokerAddrTable['broker-a']?.brokerAddrs['0'];
    if (address !== '127.0.0.1:10911') throw new Error(`brokerAddrs: ${text.slice(0, 200)}`);
    return `${text.includes('{0:') ? 'unquoted keys' : 'quoted keys'}, broker-a master ${address}`;
  });
  const received = new Map<string, ReceivedMessage[]>();
  const member = (name: string) =>
    new PushConsumer({
      namesrvAddr: NAMESRV,
      consumerGroup: 'rn-interop-consumer',
      instanceName: name,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      rebalanceInterval: 1000,
      logger: silentLogger,
    })
      .subscribe(topic, 'A')
      .onMessage((messages) => {
        received.set(name, [...(received.get(name) ?? []), ...messages]);
      });
  const one = member('one');
  const two = member('two');
  // Members also own a queue of %RETRY%<group>, which every clustering consumer subscribes to.
  const ofTopic = (consumer: PushConsumer) => consumer.assignedQueues.filter((q) => q.topic === topic);
  await check('two PushConsumers split the queues and receive every TagA message', async () => {
    await one.start();
    await two.start();
    await waitFor(
      () => ofTopic(one).length + ofTopic(two).length === 4 && ofTopic(one).length === 2,
      'two queues each',
    );
    const all = () => [...(received.get('one') ?? []), ...(received.get('two') ?? [])].map((m) => m.body.toString());
    await waitFor(() => new Set(all()).size >= sentA.length, `${sentA.length} TagA messages`);
    const missing = sentA.filter((body) => !all().includes(body));
    if (missing.length > 0) throw new Error(`missing ${missing.join(',')}`);
    return `${all().length} received (${received.get('one')?.length ?? 0} + ${received.get('two')?.length ?? 0}), queues ${ofTopic(one).length} + ${ofTopic(two).length}`;
  });
  await check('the survivor takes all queues when a member leaves', async () => {
    await two.shutdown();
    await waitFor(() => ofTopic(one).length === 4, 'four queues at the survivor');
    await producer.send({ topic, body: 'after', tags: 'A' });
    await waitFor(() => (received.get('one') ?? []).some((m) => m.body.toString() === 'after'), 'the later message');
    return 'four queues, later message received';
  });
  await one.shutdown();
  await check('LitePullConsumer: assign, poll, commit', async () => {
    const puller = new LitePullConsumer({
      namesrvAddr: NAMESRV,
      consumerGroup: 'rn-interop-puller',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      autoCommit: false,
      brokerSuspendMaxTimeMillis: 1000,
      logger: silentLogger,
    });
    const queues = await puller.fetchMessageQueues(topic);
    const queue = queues[0]!;
    puller.assign([queue]);
    await puller.start();
    const polled: ReceivedMessage[] = [];
    const deadline = Date.now() + 10_000;
    const admin = new Admin({ namesrvAddr: NAMESRV, logger: silentLogger });
    const max = (await admin.topicStats(topic)).find((s) => s.queue.queueId === queue.queueId)!.maxOffset;
    await admin.shutdown();
    while (polled.length < max && Date.now() < deadline) polled.push(...(await puller.poll(500)));
    await puller.commit();
    const committed = await puller.committed(queue);
    await puller.shutdown();
    if (polled.length !== max || committed !== max)
      throw new Error(`polled ${polled.length}, committed ${committed}, queue holds ${max}`);
    return `${polled.length} polled from queue ${queue.queueId}, committed ${committed}`;
  });
  await check('Admin: cluster, topic stats, consumer progress, lookups by key and id', async () => {
    const admin = new Admin({ namesrvAddr: NAMESRV, logger: silentLogger });
    try {
      const step = <T>(name: string, call: Promise<T>) =>
        call.catch((error: Error) => {
          throw new Error(`${name}: ${error.message}`, { cause: error });
        });
      const cluster = await step('clusterInfo', admin.clusterInfo());
      const stats = await step('topicStats', admin.topicStats(topic));
      const progress = await step('consumerProgress', admin.consumerProgress('rn-interop-consumer', topic));
      const byKey = await step('queryMessageByKey', admin.queryMessageByKey(topic, 'key3'));
      const byId = await step('viewMessage', admin.viewMessage(lastSent!.offsetMsgId));
      // Apache RocketMQ 4.9.4 sometimes answers this with SYSTEM_ERROR NoSuchElementException
      // (its own stats sampling, LinkedList.getLast); mqadmin brokerStatus sees the same. Ask again.
      let runtime: Record<string, string> | undefined;
      for (let attempt = 0; runtime === undefined; attempt++) {
        runtime = await step('brokerRuntimeInfo', admin.brokerRuntimeInfo('127.0.0.1:10911')).catch(
          async (error: Error) => {
            if (attempt >= 10 || !error.message.includes('NoSuchElementException')) throw error;
            await new Promise((resolve) => setTimeout(resolve, 1000));
            return undefined;
          },
        );
      }
      if (!cluster.clusterAddrTable['DefaultCluster']?.includes('broker-a')) throw new Error('cluster');
      if (stats.length !== 4) throw new Error(`${stats.length} queues in stats`);
      if (progress.length === 0 || progress.some((p) => p.lag !== 0))
        throw new Error(`progress ${JSON.stringify(progress)}`);
      if (byKey.map((m) => m.body.toString()).join() !== 'm3') throw new Error(`by key: ${byKey.length}`);
      if (byId.msgId !== lastSent!.msgId) throw new Error('by id');
      return `${stats.reduce((n, s) => n + s.maxOffset, 0)} messages in 4 queues, lag 0 on ${progress.length} queues, key3 and ${lastSent!.offsetMsgId} found, broker ${runtime['brokerVersionDesc']}`;
    } finally {
      await admin.shutdown();
    }
  });
  await producer.shutdown();
  console.log(`\n${passed()} of ${passed() + failed()} checks passed: our client against Apache RocketMQ 4.9.4`);
  return failed() === 0 ? 0 : 1;
}

runAgainstApache(import.meta.url, checks);
