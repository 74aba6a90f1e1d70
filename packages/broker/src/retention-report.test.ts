import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger, type Logger } from '@rocketnest/common';
import { createRequest, RequestCode, ResponseCode, SendMessageRequestHeaderV2 } from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { DefaultMessageStore } from '@rocketnest/store';
import { BrokerController } from './broker-controller.js';
import { sendHeader } from './processors/broker.test-support.js';

describe('retention on a broker', () => {
  it('logs which groups had not consumed what it deleted, and how many messages', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rocketnest-retention-'));
    let usage = 0.5;
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const storeConfig = { storePathRootDir: root, mappedFileSizeCommitLog: 64 * 1024, maxMessageSize: 32 * 1024 };
    const broker = new BrokerController(
      { broker: { listenPort: 0, bindAddress: '127.0.0.1' }, store: storeConfig },
      {
        logger,
        remotingLogger: silentLogger,
        store: new DefaultMessageStore(storeConfig, { logger: silentLogger, diskUsage: () => usage }),
      },
    );
    await broker.start();
    const client = new RemotingClient({ logger: silentLogger });
    after(async () => {
      await client.close();
      await broker.shutdown();
      rmSync(root, { recursive: true, force: true });
    });
    const call = (code: number, extFields: Record<string, string>, body?: Buffer) =>
      client.invoke(broker.brokerAddr, createRequest(code, { extFields, body }));
    const body = Buffer.alloc(8 * 1024, 'x');
    for (let i = 0; i < 40; i++) {
      const header = SendMessageRequestHeaderV2.encode(sendHeader('Orders', { queueId: 0 }));
      assert.equal((await call(RequestCode.SEND_MESSAGE_V2, header, body)).code, ResponseCode.SUCCESS);
    }
    const commit = (group: string, offset: number) =>
      call(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: group,
        topic: 'Orders',
        queueId: '0',
        commitOffset: String(offset),
      });
    assert.equal((await commit('Laggard', 3)).code, ResponseCode.SUCCESS);
    assert.equal((await commit('UpToDate', 40)).code, ResponseCode.SUCCESS);

    usage = 0.99;
    const store = broker.store as DefaultMessageStore;
    assert.ok(store.cleanExpiredFiles().length > 0);
    const lost = store.getMinOffsetInQueue('Orders', 0) - 3;
    assert.ok(lost > 0);
    const line = warnings.find((warning) => warning.startsWith('retention deleted'));
    assert.match(
      line ?? '',
      new RegExp(`\\(disk\\) holding messages these groups had not consumed: Laggard \\(Orders: ${lost} messages\\)`),
    );
    assert.doesNotMatch(line!, /UpToDate/);
  });
});
