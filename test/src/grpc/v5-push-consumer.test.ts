import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { Admin } from '@rocketnest/client';
import { decodeProperties, decodeStoredMessages } from '@rocketnest/protocol';
import { ConsumeResult } from 'rocketmq-client-nodejs';
import { startProducer } from '../support/clients.js';
import { eventually } from '../support/cluster.js';
import { GrpcCluster } from '../support/grpc.js';

describe("Apache's v5 Node client PushConsumer over gRPC (QueryAssignment, receives across a master's queues)", () => {
  it('consumes and acknowledges every message, and the group’s lag goes to 0', async () => {
    const cluster = await GrpcCluster.start();
    const producer = await startProducer(cluster.namesrvAddr);
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'Pushed', body: `p${i}` });
    const seen = new Set<string>();
    await cluster.pushConsumer(
      'pushed-group',
      { Pushed: '*' },
      {
        consume: (message) => {
          seen.add(message.body.toString());
          return ConsumeResult.SUCCESS;
        },
      },
    );
    await eventually(() => seen.size === 10, 'all ten consumed');
    const admin = new Admin({ namesrvAddr: cluster.namesrvAddr, logger: silentLogger });
    after(() => admin.shutdown());
    await eventually(async () => {
      const { queues } = await admin.consumeStats('pushed-group', 'Pushed');
      return queues.reduce((sum, queue) => sum + queue.lag, 0) === 0;
    }, 'the acknowledged messages committed');
  });

  it('a FIFO push consumer that keeps failing forwards the message to the DLQ (ForwardMessageToDeadLetterQueue)', async () => {
    const cluster = await GrpcCluster.start();
    const admin = new Admin({ namesrvAddr: cluster.namesrvAddr, logger: silentLogger });
    after(() => admin.shutdown());
    await admin.createGroup('failing-fifo', { orderly: true, retryMaxTimes: 1 });
    const v5 = await cluster.producer({ topics: ['Doomed'] });
    const receipt = await v5.send({ topic: 'Doomed', messageGroup: 'g', body: Buffer.from('always fails') });
    const attempts: number[] = [];
    await cluster.pushConsumer(
      'failing-fifo',
      { Doomed: '*' },
      {
        consume: (message) => {
          attempts.push(message.deliveryAttempt ?? 0);
          return ConsumeResult.FAILURE;
        },
      },
    );
    const [dead] = await eventually(() => {
      const dlq = cluster.broker.store.getMessage('%DLQ%failing-fifo', 0, 0, 32);
      return dlq.status === 'FOUND' ? decodeStoredMessages(dlq.body) : undefined;
    }, 'the message in the DLQ');
    assert.equal(decodeProperties(dead!.properties).get('UNIQ_KEY'), receipt.messageId);
    assert.deepEqual(attempts, [1, 2], "the group's retryMaxTimes + 1 attempts, then the DLQ");
  });
});
