import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Admin } from '@rocketnest/client';
import { silentLogger } from '@rocketnest/common';
import { dlqTopic } from '@rocketnest/protocol';
import { eventually, startBroker, startNamesrv } from '../support/cluster.js';
import { launchChromium, shopTraffic, startConsoleApp } from './console-app.js';

describe('the web console in a real Chromium', () => {
  it('loads every page behind the app guard, finds a message by key with its trace, and resends a dead letter', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const traffic = await shopTraffic(namesrv.address);
    after(() => traffic.stop());
    const admin = new Admin({ namesrvAddr: namesrv.address, logger: silentLogger });
    after(() => admin.shutdown());
    // The poison order goes to billing's dead-letter queue.
    await eventually(async () => (await admin.instance.fetchRoute(dlqTopic('billing'))) !== undefined, 'a dead letter');
    // Closed before the app, whose server waits for the browser's keep-alive connections.
    const browser = await launchChromium();
    after(() => browser.close());
    const { app, url } = await startConsoleApp(namesrv.address);
    after(() => app.close());

    // The app's guard turns a visitor without the operator cookie away.
    const stranger = await browser.newPage();
    assert.equal((await stranger.goto(url))!.status(), 403);
    const context = await browser.newContext();
    await context.addCookies([{ name: 'role', value: 'operator', url }]);
    const page = await context.newPage();
    const visit = async (path: string, heading: string) => {
      const response = await page.goto(new URL(path, url).href);
      assert.equal(response!.status(), 200, path);
      assert.equal(await page.locator('h1').textContent(), heading);
      // No page says the cluster could not answer.
      assert.deepEqual(await page.locator('.error').allTextContents(), [], path);
    };

    await visit('', 'Cluster');
    assert.match((await page.locator('table').textContent())!, /broker-a.*ASYNC_MASTER.*V4_9_8/s);
    await visit('topics', 'Topics');
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    assert.equal(await page.locator('h1').textContent(), 'Topic Orders');
    assert.match((await page.locator('main').textContent())!, /billing/);
    await visit('groups', 'Consumer groups');
    await visit('groups/billing', 'Consumer group billing');
    assert.match((await page.locator('main').textContent())!, new RegExp(traffic.billing.instance.clientId));
    await visit('messages', 'Messages');

    // Search by topic and key; the message page lays its JSON body out and shows its trace.
    await page.getByLabel('Topic').fill('Orders');
    await page.getByLabel('Key').fill('order-3');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: traffic.sent[2]!.msgId }).click();
    assert.equal(await page.locator('h1').textContent(), `Message ${traffic.sent[2]!.msgId}`);
    assert.match((await page.locator('pre.json').textContent())!, /"lines": \[\n\s+\{\n\s+"sku": "tea",\n\s+"qty": 3/);
    await eventually(async () => {
      await page.reload();
      const trace = (await page.locator('table').last().textContent())!;
      return /sent\s*shop-producer/.test(trace) && /consumed\s*billing/.test(trace);
    }, 'the send and the consumption in the trace');

    // The dead letter goes back to billing, which now takes it.
    await visit('groups/billing/dlq', 'Dead letters of billing');
    traffic.heal();
    const [first, ...rest] = traffic.poisons.map((p) => p.msgId);
    await eventually(async () => {
      await page.reload();
      return (await page.locator('tbody tr').count()) === 3;
    }, 'the three dead letters listed');
    await page.locator('tr', { hasText: first! }).getByRole('button', { name: 'Resend' }).click();
    assert.match((await page.locator('.flash').textContent())!, /resent 1 of 1 to billing/);
    // The other two together.
    for (const id of rest) await page.getByLabel(`select ${id}`).check();
    await page.getByRole('button', { name: 'Resend selected' }).click();
    assert.match((await page.locator('.flash').textContent())!, /resent 2 of 2 to billing/);
    await eventually(
      () => traffic.poisons.every((p) => traffic.received().includes(p.msgId)),
      'billing consuming the three resent orders',
    );

    // A test message sent from a topic's page opens on its own page.
    await visit('topics/Orders', 'Topic Orders');
    await page.getByLabel('Body').fill('{"order":99}');
    await page.getByRole('button', { name: 'Send' }).click();
    assert.match((await page.locator('.flash').textContent())!, /^sent [0-9A-F]{32}$/);
    assert.match((await page.locator('pre.json').textContent())!, /"order": 99/);
  });
});
