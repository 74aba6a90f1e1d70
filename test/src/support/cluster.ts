import { silentLogger } from '@rocketnest/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { BrokerController, type BrokerConfig } from '@rocketnest/broker';
import { NamesrvController, type NamesrvConfig } from '@rocketnest/namesrv';
import type { ProcessTls } from '@rocketnest/remoting';
import { DefaultMessageStore, type DefaultMessageStoreOptions, type MessageStoreConfig } from '@rocketnest/store';

/** A NameServer on 127.0.0.1 and a free port, stopped after the test file. */
export async function startNamesrv(config: Partial<NamesrvConfig> = {}): Promise<NamesrvController> {
  const namesrv = new NamesrvController(
    { listenPort: 0, bindAddress: '127.0.0.1', ...config },
    { logger: silentLogger, remotingLogger: silentLogger },
  );
  await namesrv.start();
  after(() => namesrv.shutdown());
  return namesrv;
}

/**
 * A broker on 127.0.0.1 and a free port over a store in a temporary directory (kept across
 * restarts when given); storeOptions reach its DefaultMessageStore (a machine's RAM, say).
 */
export async function startBroker(
  broker: Partial<BrokerConfig> = {},
  store: Partial<MessageStoreConfig> = {},
  storeOptions: DefaultMessageStoreOptions = {},
  tls?: ProcessTls,
): Promise<BrokerController> {
  const storeConfig = {
    mappedFileSizeCommitLog: 8 * 1024 * 1024,
    maxHashSlotNum: 1024,
    maxIndexNum: 4096,
    ...store,
    storePathRootDir: store.storePathRootDir ?? temporaryDir(),
  };
  const controller = new BrokerController(
    { broker: { listenPort: 0, bindAddress: '127.0.0.1', ...broker }, store: storeConfig, tls },
    {
      logger: silentLogger,
      remotingLogger: silentLogger,
      store: new DefaultMessageStore(storeConfig, { logger: silentLogger, ...storeOptions }),
    },
  );
  await controller.start();
  after(() => controller.shutdown());
  return controller;
}

const temporaryDirs: string[] = [];
// Removed once the file's tests are done, after every hook of theirs: a test's own after hooks
// run in the order they were added, so a broker shut down after its directory was removed would
// write its config files and checkpoint again into a new directory left behind.
after(() => {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rocketnest-test-'));
  temporaryDirs.push(dir);
  return dir;
}

/** Poll until check() returns something truthy, or fail after timeoutMs. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
