import {
  decodeJsonBody,
  decodeStoredMessages,
  PullMessageResponseHeader,
  RequestCode,
  ResponseCode,
  type LockBatchResponseBody,
  type StoredMessage,
} from '@rocketnest/protocol';
import type { Logger } from '@rocketnest/common';
import type { ClientSession } from './client-session.js';
import type { ReceiptHandle } from './handles.js';
import { commitRequest, deadLetterRequest, lockRequest, pullRequest, startOffset } from './pop-requests.js';
import { filterKeyOf, PopQueue, PopState, tagMatches, type Inflight } from './pop-state.js';
import { checkResponse, StatusError } from './status.js';
import type { FilterExpression } from './v2-types.js';

export interface ReceiveRequest {
  session: ClientSession;
  group: string;
  topic: string;
  brokerName: string;
  /** The master's remoting address. */
  address: string;
  readQueueNums: number;
  filter: FilterExpression;
  batchSize: number;
  invisibleMs: number;
  /** How long to wait for messages when none is there (long polling). */
  pollMs: number;
  /** The group consumes in order: a queue gives nothing while one of its messages is out. */
  fifo: boolean;
  /** Deliveries after which a message goes to the group's DLQ instead (the group's retryMaxTimes + 1). */
  maxAttempts: number;
  signal?: AbortSignal | undefined;
}

export interface Received {
  stored: StoredMessage;
  handle: ReceiptHandle;
  attempt: number;
}

/** A held pull waits at most this long at the broker. */
const MAX_SUSPEND_MS = 20_000;
/** How often acknowledged progress is committed to the broker. */
const COMMIT_INTERVAL_MS = 1000;
/** Queue locks are renewed this often (the broker lets one lapse after 60 s). */
const LOCK_RENEW_MS = 20_000;

/**
 * RocketMQ 5's pop consumption (receive with an invisible duration, ack, change the invisible
 * duration, redelivery once it runs out, DLQ after the last attempt) over remoting pulls: pulls
 * are long-polled on every queue of the master, the group's offset is committed up to its first
 * message not done, and a message out past its invisible time is handed out again. A queue is
 * served only while this service holds the group's lock on it (LOCK_BATCH_MQ, as orderly
 * consumers take them), so that two gRPC endpoints never hand out the same message.
 */
export class PopService {
  private readonly states = new Map<string, PopState>();
  /** Where each state pulls and commits: the session and address of its latest receive. */
  private readonly links = new Map<PopState, { session: ClientSession; address: string }>();
  private delivery = 0;
  private closed = false;
  private readonly committer: NodeJS.Timeout;

  /** ownerId: the lock holder's id, one per service. */
  constructor(
    private readonly logger: Logger,
    private readonly ownerId: string,
  ) {
    this.committer = setInterval(() => void this.commitAll(), COMMIT_INTERVAL_MS);
    this.committer.unref();
  }

  async receive(request: ReceiveRequest): Promise<Received[]> {
    const state = this.stateOf(request.group, request.topic, request.brokerName, true)!;
    this.links.set(state, { session: request.session, address: request.address });
    const filterKey = filterKeyOf(request.filter);
    if (state.filterKey !== filterKey) this.refilter(state, filterKey);
    await this.openQueues(state, request);
    const deadline = Date.now() + request.pollMs;
    for (;;) {
      if (Date.now() - state.lockedAt >= LOCK_RENEW_MS) await this.lockQueues(state);
      const taken = this.take(state, request);
      if (taken.length > 0) return taken;
      if (state.error) {
        const error = state.error;
        state.error = undefined;
        throw error;
      }
      const now = Date.now();
      if (now >= deadline || request.signal?.aborted || this.closed) return [];
      for (let id = 0; id < state.queues.length; id++) this.pull(state, id, Math.min(deadline - now, MAX_SUSPEND_MS));
      await state.wait(Math.min(deadline, state.nextVisible()) - now, request.signal);
    }
  }

  /** Acknowledge a delivery: the message is done. */
  ack(group: string, handle: ReceiptHandle): void {
    const { state, queue } = this.find(group, handle);
    queue.inflight.delete(handle.offset);
    state.wake();
  }

  /** Make a delivery invisible for ms from now; the answer names the new delivery. */
  changeInvisible(group: string, handle: ReceiptHandle, ms: number): ReceiptHandle {
    const { queue, entry } = this.find(group, handle);
    queue.hide(entry, Date.now() + ms);
    entry.delivery = ++this.delivery;
    return { ...handle, delivery: entry.delivery };
  }

  /** Move a delivered message to the group's DLQ now (ForwardMessageToDeadLetterQueue). */
  async deadLetter(group: string, handle: ReceiptHandle, maxAttempts: number): Promise<void> {
    const { state, queue, entry } = this.find(group, handle);
    await this.toDeadLetters(state, queue, entry, maxAttempts);
  }

  /** Commit what is done, give the queues' locks back (another endpoint takes them at once), and stop. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.committer);
    await this.commitAll();
    await Promise.all(
      [...this.states.values()].map((state) =>
        this.lockRequest(state, RequestCode.UNLOCK_BATCH_MQ).catch(() => undefined),
      ),
    );
    for (const state of this.states.values()) state.wake();
  }

  /** A client is gone: commit what its connections were linked to, then forget them. */
  async release(session: ClientSession): Promise<void> {
    const linked = [...this.links].filter(([, link]) => link.session === session).map(([state]) => state);
    if (linked.length === 0) return;
    await this.commitAll();
    for (const state of linked) this.links.delete(state);
  }

  /** Take or renew the group's locks on the master's queues; a queue another holds is not served here. */
  private async lockQueues(state: PopState): Promise<void> {
    state.lockedAt = Date.now();
    try {
      const response = await this.lockRequest(state, RequestCode.LOCK_BATCH_MQ);
      checkResponse(response, `locking ${state.group}'s queues of ${state.topic}`);
      const { lockOKMQSet } = decodeJsonBody<LockBatchResponseBody>(response.body, 'LockBatchResponseBody');
      const owned = new Set((lockOKMQSet ?? []).map((queue) => queue.queueId));
      state.queues.forEach((queue, queueId) => (queue.owned = owned.has(queueId)));
    } catch (error) {
      state.lockedAt = 0;
      throw error;
    }
  }

  private async lockRequest(state: PopState, code: number) {
    const link = this.links.get(state)!;
    return link.session.invoke(link.address, lockRequest(code, state, this.ownerId));
  }

  private key(group: string, topic: string, brokerName: string): string {
    return `${group}\u0001${topic}\u0001${brokerName}`;
  }

  private stateOf(group: string, topic: string, brokerName: string, create: boolean): PopState | undefined {
    const key = this.key(group, topic, brokerName);
    let state = this.states.get(key);
    if (!state && create) this.states.set(key, (state = new PopState(group, topic, brokerName)));
    return state;
  }

  private find(group: string, handle: ReceiptHandle): { state: PopState; queue: PopQueue; entry: Inflight } {
    const state = this.stateOf(group, handle.topic, handle.brokerName, false);
    const queue = state?.queues[handle.queueId];
    const entry = queue?.inflight.get(handle.offset);
    if (!state || !queue || !entry || entry.delivery !== handle.delivery || entry.leaving) {
      throw new StatusError(
        'INVALID_RECEIPT_HANDLE',
        `the receipt handle of ${handle.topic} queue ${handle.queueId} offset ${handle.offset} is out of date: ` +
          'the message was acknowledged already, or its invisible time ran out and it was delivered again (use the newest delivery)',
      );
    }
    return { state, queue, entry };
  }

  /** A new filter: what was pulled with the old one is pulled again. */
  private refilter(state: PopState, filterKey: string): void {
    state.filterKey = filterKey;
    state.generation++;
    for (const queue of state.queues) {
      const first = queue.buffer[0];
      if (first) queue.next = first.queueOffset;
      queue.buffer.length = 0;
      queue.pulling = false;
    }
  }

  /** Read the group's offset of every queue not open yet (a new group starts at the end, as RocketMQ 5's pop does unless the queue is young). */
  private async openQueues(state: PopState, request: ReceiveRequest): Promise<void> {
    const opening: Promise<void>[] = [];
    for (let id = 0; id < request.readQueueNums; id++) {
      const queue = (state.queues[id] ??= new PopQueue());
      if (queue.next !== undefined) continue;
      opening.push(
        startOffset(request.session, request.address, request.group, request.topic, id).then((offset) => {
          queue.next ??= offset;
          queue.committed = offset;
        }),
      );
    }
    await Promise.all(opening);
  }

  /**
   * Hand out up to batchSize messages: first those whose invisible time ran out (or, past the
   * last attempt, to the DLQ with them), then pulled ones that pass the filter.
   */
  private take(state: PopState, request: ReceiveRequest): Received[] {
    const now = Date.now();
    const taken: Received[] = [];
    const count = state.queues.length;
    for (let step = 0; step < count && taken.length < request.batchSize; step++) {
      const queueId = (state.start + step) % count;
      const queue = state.queues[queueId]!;
      if (!queue.owned || (request.fifo && queue.blocked(now))) continue;
      const due = queue.due(now);
      for (const entry of due) {
        if (taken.length >= request.batchSize) break;
        if (entry.attempt >= request.maxAttempts) {
          void this.toDeadLetters(state, queue, entry, request.maxAttempts).catch((error: Error) =>
            this.logger.warn(
              `gRPC: moving a message of ${state.group} to its DLQ failed, tried again later: ${error.message}`,
            ),
          );
          continue;
        }
        entry.attempt++;
        taken.push(this.handOut(state, queue, queueId, entry, request.invisibleMs, now));
      }
      // A FIFO queue gives its late messages again before anything after them.
      if (request.fifo && due.length > 0) continue;
      while (queue.buffer.length > 0 && taken.length < request.batchSize) {
        const stored = queue.buffer.shift()!;
        if (!tagMatches(request.filter, stored)) continue;
        const entry: Inflight = { stored, attempt: stored.reconsumeTimes + 1, visibleAt: 0, delivery: 0 };
        queue.inflight.set(stored.queueOffset, entry);
        taken.push(this.handOut(state, queue, queueId, entry, request.invisibleMs, now));
      }
    }
    state.start = (state.start + 1) % Math.max(1, count);
    return taken;
  }

  private handOut(
    state: PopState,
    queue: PopQueue,
    queueId: number,
    entry: Inflight,
    invisibleMs: number,
    now: number,
  ): Received {
    queue.hide(entry, now + invisibleMs);
    entry.delivery = ++this.delivery;
    return {
      stored: entry.stored,
      attempt: entry.attempt,
      handle: {
        brokerName: state.brokerName,
        topic: state.topic,
        queueId,
        offset: entry.stored.queueOffset,
        delivery: entry.delivery,
      },
    };
  }

  /** Long-poll the queue for more, unless it is pulling or has messages pulled ahead. */
  private pull(state: PopState, queueId: number, suspendMs: number): void {
    const queue = state.queues[queueId]!;
    const link = this.links.get(state);
    if (!queue.owned || queue.pulling || queue.buffer.length > 0 || queue.next === undefined || !link) return;
    queue.pulling = true;
    const generation = state.generation;
    const request = pullRequest(state, queueId, queue.next, suspendMs);
    link.session
      .invoke(link.address, request, suspendMs + 15_000)
      .then((response) => {
        if (generation !== state.generation) return;
        if (response.code === ResponseCode.SUCCESS) {
          const from = queue.next!;
          for (const stored of decodeStoredMessages(response.body ?? Buffer.alloc(0))) {
            if (stored.queueOffset >= from) queue.buffer.push(stored);
          }
        } else {
          checkResponse(response, `pull of ${state.group} from ${state.topic} queue ${queueId}`, [
            ResponseCode.PULL_NOT_FOUND,
            ResponseCode.PULL_RETRY_IMMEDIATELY,
            ResponseCode.PULL_OFFSET_MOVED,
          ]);
        }
        queue.next = PullMessageResponseHeader.decode(response.extFields).nextBeginOffset;
      })
      .catch((error: Error) => {
        state.error = error;
      })
      .finally(() => {
        if (generation === state.generation) queue.pulling = false;
        state.wake();
      });
  }

  private async toDeadLetters(state: PopState, queue: PopQueue, entry: Inflight, maxAttempts: number): Promise<void> {
    const link = this.links.get(state);
    if (!link) throw new StatusError('INTERNAL_SERVER_ERROR', `no broker connection for ${state.group}`);
    entry.leaving = true;
    const { stored } = entry;
    try {
      const response = await link.session.invoke(link.address, deadLetterRequest(state.group, stored, maxAttempts));
      checkResponse(response, `moving ${stored.topic} offset ${stored.queueOffset} to the DLQ of ${state.group}`);
      queue.inflight.delete(stored.queueOffset);
      state.wake();
    } finally {
      entry.leaving = false;
      // Still out when the move failed: due again at once.
      if (queue.inflight.get(stored.queueOffset) === entry) queue.hide(entry, entry.visibleAt);
    }
  }

  /** Commit each queue's progress that moved since its last commit. */
  private async commitAll(): Promise<void> {
    const commits: Promise<unknown>[] = [];
    for (const state of this.states.values()) {
      const link = this.links.get(state);
      if (!link) continue;
      state.queues.forEach((queue, queueId) => {
        const low = queue.low();
        // A queue whose lock went to another endpoint is that one's to commit.
        if (!queue.owned || low <= queue.committed) return;
        queue.committed = low;
        const request = commitRequest(state, queueId, low);
        commits.push(
          link.session.invoke(link.address, request).catch((error: Error) => {
            queue.committed = -1;
            this.logger.warn(`gRPC: committing ${state.group}'s offset on ${state.topic} failed: ${error.message}`);
          }),
        );
      });
    }
    await Promise.all(commits);
  }
}
