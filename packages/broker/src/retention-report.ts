import type { Logger } from '@rocketnest/common';
import type { MessageStore, RetentionReport } from '@rocketnest/store';
import type { ConsumerOffsetManager } from './consumer-offset-manager.js';

/** A group that had not consumed messages retention deleted: how many, per topic. */
export interface GroupBehind {
  group: string;
  topic: string;
  messages: number;
}

/** Groups whose committed offset in some queue is below the queue's first message now. */
export function groupsBehind(offsets: ConsumerOffsetManager, store: MessageStore): GroupBehind[] {
  const behind: GroupBehind[] = [];
  for (const [key, queues] of Object.entries(offsets.wrapper().offsetTable)) {
    const at = key.indexOf('@');
    const topic = key.slice(0, at);
    const group = key.slice(at + 1);
    let messages = 0;
    for (const [queueId, offset] of Object.entries(queues)) {
      const min = store.getMinOffsetInQueue(topic, Number(queueId));
      if (offset < min) messages += min - offset;
    }
    if (messages > 0) behind.push({ group, topic, messages });
  }
  return behind;
}

/** Log, after each retention run, which groups lost messages they had not consumed yet. */
export function reportRetention(store: MessageStore, offsets: ConsumerOffsetManager, logger: Logger): void {
  store.onRetention?.((report: RetentionReport) => {
    const behind = groupsBehind(offsets, store);
    if (behind.length === 0) {
      logger.info(`retention deleted ${report.segments.length} CommitLog segment(s); every group had consumed them`);
      return;
    }
    const list = behind.map((b) => `${b.group} (${b.topic}: ${b.messages} messages)`).join(', ');
    logger.warn(
      `retention deleted ${report.segments.length} CommitLog segment(s) (${report.reason}) holding messages these groups had not consumed: ${list}; they go on from the oldest message left`,
    );
  });
}
