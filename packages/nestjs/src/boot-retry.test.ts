import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EmbeddedBroker } from './embedded-broker.js';
import { MessageProducer } from './message-producer.js';
import { RocketConnection } from './rocket-connection.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketModule } from './rocket.module.js';
import { waitFor } from './testing/wait-for.js';

const quiet = { log: () => {}, warn: () => {}, error: () => {} };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

@Injectable()
class Shipments {
  readonly received: unknown[] = [];

  @RocketListener('Shipments', '*', { consumeFrom: 'first' })
  onShipment(payload: unknown) {
    this.received.push(payload);
  }
}

async function boot(namesrvAddr: string, failFast: boolean): Promise<INestApplicationContext> {
  @Module({ imports: [RocketModule.forRoot({ namesrvAddr, failFast, createTopics: true })], providers: [Shipments] })
  class App {}
  return NestFactory.createApplicationContext(App, { logger: false, abortOnError: false });
}

describe('boot against a cluster that is not there yet', () => {
  it('boots anyway, shows the cluster down, and starts the listeners (creating their topic) once it answers', async () => {
    const port = await freePort();
    const app = await boot(`127.0.0.1:${port}`, false);
    const cluster = new EmbeddedBroker({ namesrvPort: port }, quiet);
    try {
      await assert.rejects(app.get(RocketConnection).ping(500), /NameServer 127\.0\.0\.1:\d+ did not answer/);
      await cluster.start();
      // The retry after 1 s (then 2 s, 4 s) finds it; createTopics made Shipments, so it is consumed.
      await waitFor(
        async () =>
          await app
            .get(RocketConnection)
            .ping(500)
            .then(
              () => true,
              () => false,
            ),
        'health up',
      );
      await waitFor(
        () => app.get(RocketConnection).listenersFor('Shipments', undefined).length === 1,
        'the listener started',
        15_000,
      );
      assert.ok(cluster.controller!.topics.get('Shipments'), 'createTopics made the topic before any send');
      await app.get(MessageProducer).send('Shipments', { id: 1 });
      await waitFor(() => app.get(Shipments).received.length === 1, 'the shipment consumed', 15_000);
    } finally {
      await app.close();
      await cluster.stop();
    }
  });

  it('fails boot at once with failFast', async () => {
    const port = await freePort();
    await assert.rejects(boot(`127.0.0.1:${port}`, true), /no NameServer of 127\.0\.0\.1:\d+ answered/);
  });
});
