import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { EmbeddedBroker } from '@rocketnest/nestjs';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { v5Logger } from '../support/grpc.js';

function embedded(options: ConstructorParameters<typeof EmbeddedBroker>[0] = {}) {
  const lines: string[] = [];
  const broker = new EmbeddedBroker(options, {
    log: (line) => lines.push(line),
    warn: (line) => lines.push(line),
    error: (line) => lines.push(line),
  });
  return { broker, lines };
}

describe("the embedded broker's gRPC service", () => {
  it('serves RocketMQ 5 clients on a free port it logs', async () => {
    const { broker, lines } = embedded();
    await broker.start();
    // Clients stop first: one that outlives the service keeps trying to reach it.
    const clients: { shutdown(): Promise<unknown> }[] = [];
    after(async () => {
      for (const client of clients) await client.shutdown();
      await broker.stop();
    });
    const endpoints = broker.grpcAddress;
    assert.ok(endpoints);
    assert.ok(lines.some((line) => line.includes(`gRPC (RocketMQ 5 clients) ${endpoints}`)));
    const producer = new Producer({ endpoints, namespace: '', topics: ['Embedded'], logger: v5Logger });
    await producer.startup();
    clients.push(producer);
    const receipt = await producer.send({ topic: 'Embedded', body: Buffer.from('in process') });
    const consumer = new SimpleConsumer({
      endpoints,
      namespace: '',
      consumerGroup: 'embedded-group',
      subscriptions: new Map([['Embedded', '*']]),
      awaitDuration: 3000,
      logger: v5Logger,
    });
    await consumer.startup();
    clients.push(consumer);
    const [message] = await consumer.receive(16, 10_000);
    assert.equal(message?.messageId, receipt.messageId);
  });

  it('serves none with grpcServerEnable: false', async () => {
    const { broker, lines } = embedded({ broker: { grpcServerEnable: false } });
    await broker.start();
    after(() => broker.stop());
    assert.equal(broker.grpcAddress, undefined);
    assert.ok(!lines.some((line) => line.includes('gRPC')));
  });

  it('refuses to boot when the gRPC port the app chose is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    after(() => blocker.close());
    const port = (blocker.address() as AddressInfo).port;
    const chosen = embedded({ broker: { grpcServerPort: port } });
    await assert.rejects(chosen.broker.start(), /EADDRINUSE|in use|No address added/i);
    await chosen.broker.stop();
  });
});
