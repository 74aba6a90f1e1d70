import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { encodeProperties, type MessageToStore } from '@rocketnest/protocol';

const tempDirs: string[] = [];
// Removed after every test's own hooks: a store shut down by one would write its checkpoint again.
after(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory, removed once the file's tests are done. */
export function tempDir(prefix = 'rocketnest-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A message as the broker hands it to the store. */
export function message(
  topic: string,
  queueId: number,
  body: string | Buffer,
  properties: Record<string, string> = {},
): MessageToStore {
  return {
    topic,
    queueId,
    flag: 0,
    body: typeof body === 'string' ? Buffer.from(body) : body,
    properties: encodeProperties(properties),
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: '127.0.0.1:50000',
    storeHost: '127.0.0.1:10911',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}
