import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeStoredMessages } from '@rocketnest/protocol';
import { DefaultMessageStore } from '@rocketnest/store';
import { CRASH_QUEUES, CRASH_TOPIC, crashMessage, crashStoreSettings } from './crash/crash-messages.js';

const writer = fileURLToPath(new URL('./crash/store-writer.js', import.meta.url));
const ROUNDS = 20;

interface Ack {
  round: number;
  seq: number;
  queueId: number;
  queueOffset: number;
}

/** Run the writer for a random while, SIGKILL it, and return the puts it saw resolve. */
function runAndKill(root: string, round: number, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, root, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        const match = /^ack (\d+) (\d+) (\d+) (\d+)$/.exec(line);
        if (match)
          acks.push({
            round: Number(match[1]),
            seq: Number(match[2]),
            queueId: Number(match[3]),
            queueOffset: Number(match[4]),
          });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL')
        reject(new Error(`writer exited with ${code ?? signal} before it was killed: ${stderr}`));
      else resolve(acks);
    });
  });
}

describe('crash: SIGKILL while appending under SYNC_FLUSH', () => {
  it(`keeps every acknowledged append, byte for byte and in order, over ${ROUNDS} kills`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'rocketnest-crash-'));
    after(() => rmSync(root, { recursive: true, force: true }));
    const acked = new Map<string, Ack>();
    let total = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acks = await runAndKill(root, round, 50 + Math.floor(Math.random() * 400));
      for (const ack of acks) acked.set(`${ack.queueId}/${ack.queueOffset}`, ack);
      total += acks.length;
      assert.ok(existsSync(join(root, 'abort')), 'the killed writer left its abort file');

      const store = new DefaultMessageStore(
        { ...crashStoreSettings, storePathRootDir: root },
        { logger: silentLogger },
      );
      await store.start();
      try {
        for (let queueId = 0; queueId < CRASH_QUEUES; queueId++) {
          const max = store.getMaxOffsetInQueue(CRASH_TOPIC, queueId);
          // Every entry of the queue, in order, points at its own record.
          let offset = 0;
          while (offset < max) {
            const result = store.getMessage(CRASH_TOPIC, queueId, offset, 32);
            assert.equal(result.status, 'FOUND', `round ${round}: queue ${queueId} offset ${offset} of ${max}`);
            for (const message of decodeStoredMessages(result.body)) {
              assert.equal(message.queueId, queueId);
              assert.equal(message.queueOffset, offset);
              const ack = acked.get(`${queueId}/${offset}`);
              if (ack)
                assert.ok(
                  message.body.equals(crashMessage(ack.round, ack.seq).body),
                  `round ${round}: body of ${queueId}/${offset}`,
                );
              offset++;
            }
          }
        }
        for (const ack of acked.values()) {
          assert.ok(
            ack.queueOffset < store.getMaxOffsetInQueue(CRASH_TOPIC, ack.queueId),
            `round ${round}: acknowledged ${ack.queueId}/${ack.queueOffset} lost`,
          );
        }
      } finally {
        await store.shutdown();
      }
    }
    assert.ok(total > ROUNDS * 5, `only ${total} appends acknowledged in ${ROUNDS} rounds`);
  });
});
