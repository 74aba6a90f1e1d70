/**
 * npm run test:interop: the web console against Apache RocketMQ 4.9.4 (in the loopback-only
 * namespace): every page answers without a cluster error, a search finds a message by key, the
 * message page shows its trace, and a dead letter resent from the console is consumed again.
 */
import { Admin } from '@rocketnest/client';
import { silentLogger } from '@rocketnest/common';
import { dlqTopic } from '@rocketnest/protocol';
import { shopTraffic, startConsoleApp } from '../dashboard/console-app.js';
import { checkList, runAgainstApache } from '../support/real-rocketmq.js';

const NAMESRV = '127.0.0.1:9876';

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

runAgainstApache(import.meta.url, async () => {
  const { check, failed, passed } = checkList();
  const traffic = await shopTraffic(NAMESRV);
  const admin = new Admin({ namesrvAddr: NAMESRV, logger: silentLogger });
  const { app, url } = await startConsoleApp(NAMESRV);
  const get = async (path: string) => {
    const response = await fetch(new URL(path, url), { headers: { cookie: 'role=operator' }, redirect: 'manual' });
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };
  try {
    await until(
      'the poison order in the dead-letter queue',
      async () => (await admin.instance.fetchRoute(dlqTopic('billing'))) !== undefined,
    );
    for (const path of ['', 'topics', 'topics/Orders', 'groups', 'groups/billing', 'groups/billing/dlq', 'messages']) {
      await check(`page /${path}`, async () => {
        const page = await get(path);
        if (page.status !== 200) throw new Error(`HTTP ${page.status}`);
        if (page.text.includes('class="error"')) throw new Error(/class="error"[^>]*>([^<]*)/.exec(page.text)![1]);
        return `${page.text.length} bytes`;
      });
    }
    await check('cluster page shows the Apache broker', async () => {
      const page = await get('');
      if (!/V4_9_4/.test(page.text)) throw new Error('no V4_9_4 broker listed');
      return 'broker-a V4_9_4';
    });
    await check('search by topic and key', async () => {
      const page = await get('messages?topic=Orders&key=order-3');
      if (!page.text.includes(traffic.sent[2]!.msgId)) throw new Error('order-3 not found');
      return traffic.sent[2]!.msgId;
    });
    await check('message page with its trace', async () => {
      await until('the consumption in the trace', async () =>
        (await admin.messageTrace(traffic.sent[2]!.msgId)).some((s) => s.type === 'SubAfter'),
      );
      const page = await get(`messages/${traffic.sent[2]!.msgId}?topic=Orders`);
      if (!page.text.includes('shop-producer') || !/consumed/.test(page.text)) throw new Error('no trace rows');
      return 'sent and consumed';
    });
    await check('resend the dead letters in bulk', async () => {
      traffic.heal();
      const response = await fetch(new URL('groups/billing/dlq/resend', url), {
        method: 'POST',
        headers: { cookie: 'role=operator', 'content-type': 'application/x-www-form-urlencoded' },
        body: traffic.poisons.map((p) => `msgId=${p.msgId}`).join('&'),
        redirect: 'manual',
      });
      if (response.status !== 303) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      await until('billing consuming the resent orders', () =>
        traffic.poisons.every((p) => traffic.received().includes(p.msgId)),
      );
      return decodeURIComponent(response.headers.get('location')!.split('done=')[1]!);
    });
  } finally {
    await app.close();
    await traffic.stop();
    await admin.shutdown();
  }
  console.log(`\n${passed()} passed, ${failed()} failed: the console against Apache RocketMQ 4.9.4`);
  return failed() === 0 ? 0 : 1;
});
