import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { Admin } from '@rocketnest/client';
import { MessageProducer, RocketConnection, TransactionRolledBackError, waitFor } from '@rocketnest/nestjs';
import { createApp } from './app.js';

/** Set (npm run test:interop sets it to an Apache RocketMQ 4.9.4 cluster): run against that cluster, not the embedded broker. */
const namesrvAddr = process.env['ROCKET_NAMESRV_ADDR'] || undefined;

describe(`the sample order service over HTTP, on ${namesrvAddr ? `the cluster at ${namesrvAddr}` : 'the embedded broker'}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rocketnest-sample-test-'));
  let app: INestApplication;
  let url: string;
  const post = (path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const order = async (id: string) =>
    (await (await fetch(`${url}/orders/${id}`)).json()) as { status: string; events: string[] };

  before(async () => {
    app = await createApp({ namesrvAddr, dataDir, namesrvPort: 0, brokerPort: 0, paymentTimeoutMs: 800 }, 0, false);
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  after(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores an order with its event, pays it, cancels an unpaid one, rejects bad input, dead-letters a bad event, reports health', async () => {
    const created = await post('/orders', { item: 'book', quantity: 1 });
    assert.equal(created.status, 201);
    const paid = (await created.json()) as { id: string; status: string };
    assert.equal(paid.status, 'pending');
    const unpaid = (await (await post('/orders', { item: 'pen', quantity: 2 })).json()) as { id: string };
    assert.equal((await post(`/orders/${paid.id}/pay`)).status, 200);
    assert.equal((await post(`/orders/${paid.id}/pay`)).status, 409, 'an order is paid once');

    await waitFor(async () => (await order(paid.id)).events.length === 2, 'the paid order history');
    const history = await order(paid.id);
    assert.equal(history.status, 'paid');
    assert.deepEqual(history.events, ['created', 'paid']);
    await waitFor(async () => (await order(unpaid.id)).status === 'cancelled', 'the unpaid order cancelled');
    await waitFor(async () => (await order(unpaid.id)).events.length === 2, 'the cancellation in its history');
    assert.deepEqual((await order(unpaid.id)).events, ['created', 'cancelled']);

    // A local transaction that fails (the row exists already) rolls its event back: no second "created".
    const duplicate = app
      .get(MessageProducer)
      .sendInTransaction(
        'OrderEvents',
        { orderId: paid.id, type: 'created' },
        { id: paid.id, item: 'x', quantity: 1, status: 'pending', createdAt: 0 },
        { tags: 'created', shardingKey: paid.id },
      );
    await assert.rejects(
      duplicate,
      (error: unknown) =>
        error instanceof TransactionRolledBackError && error.result.localTransactionState === 'ROLLBACK_MESSAGE',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual((await order(paid.id)).events, ['created', 'paid']);
    assert.equal((await order(paid.id)).status, 'paid');

    const invalid = await post('/orders', { item: 'pen', quantity: 0 });
    assert.equal(invalid.status, 400);
    assert.match(JSON.stringify(await invalid.json()), /quantity must not be less than 1/);
    assert.equal((await fetch(`${url}/orders/not-an-id`)).status, 400);

    assert.equal((await post('/events', { orderId: 'nope', type: 'weird' })).status, 202);
    const health = async () => (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
    const report = await health();
    assert.equal(report['status'], 'ok');
    const admin = new Admin({ namesrvAddr: app.get(RocketConnection).namesrvAddr });
    try {
      const dlq = async () =>
        (await admin.topicStats('%DLQ%order-history').catch(() => [])).reduce((n, queue) => n + queue.maxOffset, 0);
      await waitFor(async () => (await dlq()) === 1, 'the bad event in the DLQ');
    } finally {
      await admin.shutdown();
    }
    await waitFor(async () => {
      const response = await fetch(`${url}/health`);
      const details = ((await response.json()) as { details: { lag: { groups: Record<string, number> } } }).details;
      return details.lag.groups['order-history'] === 0;
    }, 'the history group to catch up past the dead letter');
  });
});
