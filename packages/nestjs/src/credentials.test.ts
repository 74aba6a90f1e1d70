import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageProducer } from './message-producer.js';
import { RocketConfigError, rocketOptionsFromEnv } from './rocket-config.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketProducer } from './rocket-producer.decorator.js';
import { RocketModule } from './rocket.module.js';
import type { RocketModuleOptions } from './rocket-module-options.js';
import { waitFor } from './testing/wait-for.js';

/** A rocketmqHome whose plain_acl.yml lets orders-app send to and read Orders only. */
function aclHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'rocketnest-nest-acl-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  mkdirSync(join(home, 'conf'));
  writeFileSync(
    join(home, 'conf', 'plain_acl.yml'),
    'accounts:\n  - accessKey: orders-app\n    secretKey: orders-secret\n    defaultTopicPerm: DENY\n    defaultGroupPerm: SUB\n    topicPerms:\n      - Orders=PUB|SUB\n',
  );
  return home;
}

@Injectable()
class Orders {
  readonly received: unknown[] = [];
  constructor(@RocketProducer() readonly producer: MessageProducer) {}

  @RocketListener('Orders', '*', { consumeFrom: 'first' })
  onOrder(payload: unknown) {
    this.received.push(payload);
  }
}

async function appWith(options: RocketModuleOptions) {
  @Module({ imports: [RocketModule.forRoot(options)], providers: [Orders] })
  class App {}
  const app = await NestFactory.createApplicationContext(App, { logger: false });
  after(() => app.close());
  return app.get(Orders);
}

describe('RocketModule credentials (ACL 1.0)', () => {
  it('signs every client with accessKey and secretKey, so a broker with ACL on serves the app', async () => {
    const rocketmqHome = aclHome();
    const orders = await appWith({
      accessKey: 'orders-app',
      secretKey: 'orders-secret',
      embedded: { broker: { aclEnable: true, rocketmqHome } },
    });
    await orders.producer.send('Orders', { id: 1 });
    await waitFor(() => orders.received.length === 1, 'the signed order consumed');
    assert.deepEqual(orders.received, [{ id: 1 }]);
    await assert.rejects(orders.producer.send('Payroll', { id: 2 }), /No default permission for topic:Payroll/);
  });

  it('is refused by a broker with ACL on without them', async () => {
    const orders = await appWith({ embedded: { broker: { aclEnable: true, rocketmqHome: aclHome() } } });
    await assert.rejects(orders.producer.send('Orders', { id: 1 }), /No accessKey is configured/);
  });

  it('reads them from ROCKET_ACCESS_KEY and ROCKET_SECRET_KEY, both or neither, never printing the secret', () => {
    assert.deepEqual(rocketOptionsFromEnv({ ROCKET_ACCESS_KEY: 'orders-app', ROCKET_SECRET_KEY: 'orders-secret' }), {
      accessKey: 'orders-app',
      secretKey: 'orders-secret',
      embedded: {},
    });
    assert.throws(
      () => rocketOptionsFromEnv({ ROCKET_ACCESS_KEY: 'orders-app' }),
      (error: unknown) =>
        error instanceof RocketConfigError &&
        /accessKey needs its secretKey: give both or neither \(from ROCKET_ACCESS_KEY\)/.test(error.message),
    );
    assert.throws(
      () => rocketOptionsFromEnv({ ROCKET_ACCESS_KEY: 'orders-app', ROCKET_SECRET_KEY: 'short' }),
      (error: unknown) =>
        error instanceof RocketConfigError &&
        /secretKey must be at least 6 characters, as RocketMQ requires \(from ROCKET_SECRET_KEY\)$/.test(
          error.message,
        ) &&
        !error.message.includes('short"'),
    );
  });

  it('reads TLS from ROCKET_TLS or ROCKET_TLS_CA_FILE, naming a file it cannot read', () => {
    assert.equal(rocketOptionsFromEnv({ ROCKET_TLS: 'true' }).tls, true);
    const home = aclHome();
    const ca = join(home, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    assert.deepEqual(rocketOptionsFromEnv({ ROCKET_TLS_CA_FILE: ca }).tls, {
      ca: Buffer.from('-----BEGIN CERTIFICATE-----\n'),
    });
    assert.throws(() => rocketOptionsFromEnv({ ROCKET_TLS: 'yes' }), /ROCKET_TLS must be true or false, got "yes"/);
    assert.throws(
      () => rocketOptionsFromEnv({ ROCKET_TLS_CA_FILE: join(home, 'missing.pem') }),
      /ROCKET_TLS_CA_FILE .*missing.pem cannot be read: ENOENT/,
    );
  });
});
