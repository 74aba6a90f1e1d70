import { createHash } from 'node:crypto';
import type { MessageToStore } from '@rocketnest/protocol';
import { storeMessage } from '../support/store-message.js';

/** The settings both the writer and the checker open the crash store with: small, so segments roll. */
export const crashStoreSettings = {
  mappedFileSizeCommitLog: 256 * 1024,
  mappedFileSizeConsumeQueue: 20 * 100,
  maxMessageSize: 64 * 1024,
  maxHashSlotNum: 256,
  maxIndexNum: 400,
  flushDiskType: 'SYNC_FLUSH' as const,
};

export const CRASH_TOPIC = 'CrashTopic';
export const CRASH_QUEUES = 4;

/** Message seq of a round: its body is derived from both, so the checker can rebuild it. */
export function crashMessage(round: number, seq: number): MessageToStore {
  const seed = createHash('sha256').update(`${round}/${seq}`).digest();
  const length = 16 + (seed.readUInt16BE(0) % 12_000);
  const body = Buffer.alloc(length);
  for (let at = 0; at < length; at += seed.length) seed.copy(body, at);
  return storeMessage(CRASH_TOPIC, seq % CRASH_QUEUES, body, { KEYS: `r${round}s${seq}`, TAGS: `Tag${seq % 3}` });
}
