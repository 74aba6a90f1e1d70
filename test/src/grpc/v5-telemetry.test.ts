import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { Admin } from '@rocketnest/client';
import { parseJavaJson, RequestCode } from '@rocketnest/protocol';
import { startProducer } from '../support/clients.js';
import { eventually } from '../support/cluster.js';
import { causes, GrpcCluster } from '../support/grpc.js';

describe('v5 clients seen from remoting: membership, and mqadmin’s calls answered over Telemetry', () => {
  it('lists a v5 consumer as a member of its group, asks it for its stack and to verify a message, and drops it when it stops', async () => {
    const cluster = await GrpcCluster.start();
    const admin = new Admin({ namesrvAddr: cluster.namesrvAddr, logger: silentLogger });
    after(() => admin.shutdown());
    const producer = await startProducer(cluster.namesrvAddr);
    const sent = await producer.send({ topic: 'Watched', body: 'look at me' });
    const consumer = await cluster.simpleConsumer('watched-group', { Watched: 'TagA || TagB' });
    const members = await eventually(async () => {
      const connections = await admin.consumerConnections('watched-group', 'Watched').catch(() => []);
      return connections.length > 0 ? connections : undefined;
    }, 'the v5 consumer among the group’s members');
    assert.deepEqual(
      members.map((member) => member.clientId),
      [consumer.clientId],
    );

    // mqadmin consumerStatus -s: the broker asks the member, the service asks the client for its stack.
    const info = parseJavaJson(
      (
        await admin.call(cluster.broker.brokerAddr, RequestCode.GET_CONSUMER_RUNNING_INFO, {
          consumerGroup: 'watched-group',
          clientId: consumer.clientId,
          jstackEnable: 'true',
        })
      ).body!.toString(),
    ) as {
      properties: Record<string, string>;
      subscriptionSet: { topic: string; subString: string }[];
      jstack: string;
    };
    assert.equal(info.properties['PROP_CONSUME_TYPE'], 'CONSUME_POP');
    assert.equal(info.properties['PROP_CLIENT_LANGUAGE'], 'NODE_JS');
    assert.deepEqual(
      info.subscriptionSet.map((s) => [s.topic, s.subString]),
      [['Watched', 'TagA || TagB']],
    );
    assert.equal(info.jstack, 'mock stack', 'what the Node client answers a PrintThreadStackTraceCommand with');

    // mqadmin consumeMessage: a VerifyMessageCommand; the Node client says it does not implement it.
    const verified = parseJavaJson(
      (
        await admin.call(cluster.broker.brokerAddr, RequestCode.CONSUME_MESSAGE_DIRECTLY, {
          consumerGroup: 'watched-group',
          clientId: consumer.clientId,
          msgId: sent.offsetMsgId,
        })
      ).body!.toString(),
    ) as { consumeResult: string; remark: string };
    assert.equal(verified.consumeResult, 'CR_THROW_EXCEPTION');
    assert.match(verified.remark, /NOT_IMPLEMENTED/);

    await consumer.shutdown();
    await eventually(
      async () => (await admin.consumerConnections('watched-group', 'Watched').catch(() => [])).length === 0,
      'the stopped client gone from the group (NotifyClientTermination)',
    );
  });

  it('serves at most maxConnectionsPerHost clients (each has its own connections to the masters), refusing more with TOO_MANY_REQUESTS', async () => {
    const cluster = await GrpcCluster.start({ maxConnectionsPerHost: 2 });
    await cluster.producer({ topics: ['Crowded'] });
    await cluster.producer({ topics: ['Crowded'] });
    await assert.rejects(cluster.producer({ topics: ['Crowded'] }), (error: Error) =>
      /serves 2 clients already \(maxConnectionsPerHost\)/.test(causes(error)),
    );
  });
});
