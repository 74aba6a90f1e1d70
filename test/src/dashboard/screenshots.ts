/**
 * npm run screenshots:console -- <dir>: the console's pages in Debian's Chromium, over a broker
 * with some traffic, saved as PNGs in dir (docs/console by default) for the README.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentLogger } from '@rocketnest/common';
import { BrokerController } from '@rocketnest/broker';
import { NamesrvController } from '@rocketnest/namesrv';
import { DefaultMessageStore } from '@rocketnest/store';
import { launchChromium, shopTraffic, startConsoleApp } from './console-app.js';

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? 'docs/console');
  mkdirSync(dir, { recursive: true });
  const namesrv = new NamesrvController({ listenPort: 0, bindAddress: '127.0.0.1' }, { logger: silentLogger });
  await namesrv.start();
  // The broker keeps its topics, groups and offsets beside its store: a directory of this run's own.
  const storeConfig = { storePathRootDir: mkdtempSync(join(tmpdir(), 'rocketnest-screenshots-')) };
  const broker = new BrokerController(
    { broker: { listenPort: 0, bindAddress: '127.0.0.1', namesrvAddr: namesrv.address }, store: storeConfig },
    { logger: silentLogger, remotingLogger: silentLogger, store: new DefaultMessageStore(storeConfig) },
  );
  await broker.start();
  const traffic = await shopTraffic(namesrv.address);
  const browser = await launchChromium();
  const { app, url } = await startConsoleApp(namesrv.address);
  try {
    // Charts need a few samples.
    await new Promise((done) => setTimeout(done, 6000));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: 'role', value: 'operator', url }]);
    const page = await context.newPage();
    const shots: [string, string][] = [
      ['cluster', ''],
      ['topic', 'topics/Orders'],
      ['group', 'groups/billing'],
      ['messages', 'messages?topic=Orders&key=order-3'],
      ['message', `messages/${traffic.sent[2]!.msgId}?topic=Orders`],
      ['dead-letters', 'groups/billing/dlq'],
    ];
    for (const [name, path] of shots) {
      await page.goto(new URL(path, url).href);
      await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
      console.log(join(dir, `${name}.png`));
    }
  } finally {
    await browser.close();
    await app.close();
    await traffic.stop();
    await broker.shutdown();
    await namesrv.shutdown();
    rmSync(storeConfig.storePathRootDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
