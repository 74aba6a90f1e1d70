import { randomUUID } from 'node:crypto';
import {
  decodeOffsetMessageId,
  decodeTraceData,
  encodeTraceContext,
  TRACE_TOPIC,
  traceBean,
  traceKeys,
  type TraceContext,
  type TraceMessageType,
} from '@rocketnest/protocol';
import type { Logger } from '@rocketnest/common';
import { messageKeys, type Message } from './message.js';
import type { ReceivedMessage } from './received-message.js';

/** The options that turn RocketMQ's message traces on, for producers and consumers alike. */
export interface TraceOptions {
  /** Write a trace of each send and consumption to the trace topic, as RocketMQ's clients do with enableMsgTrace. */
  enableMsgTrace?: boolean | undefined;
  /** The trace topic (default RMQ_SYS_TRACE_TOPIC). */
  customizedTraceTopic?: string | undefined;
}

/** What the dispatcher sends trace messages with: a producer of the inner trace group. */
export interface TraceSender {
  send(message: Message): Promise<unknown>;
  shutdown(): Promise<void>;
}

/** A trace message's body stays under this many bytes (AsyncTraceDispatcher's maxMsgSize is 128 KiB; records are small). */
const MAX_TRACE_BODY = 4096;
/** How long traces wait to be sent together. */
const FLUSH_MS = 100;

/**
 * AsyncTraceDispatcher: collects trace contexts and sends them in the background, several to a
 * message, keyed by the traced messages' ids and keys. A trace that cannot be sent is dropped
 * with a log line: tracing never fails or slows the sends and consumption it records.
 */
export class TraceDispatcher {
  private pending: TraceContext[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sender: TraceSender | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly makeSender: () => Promise<TraceSender>,
    private readonly topic: string,
    private readonly logger: Logger | undefined,
  ) {}

  add(context: TraceContext): void {
    this.pending.push(context);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Send what is pending now; resolves once it is sent (or dropped). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const contexts = this.pending;
    this.pending = [];
    if (contexts.length > 0) this.sending = this.sending.then(() => this.send(contexts));
    return this.sending;
  }

  async shutdown(): Promise<void> {
    await this.flush();
    await this.sender?.shutdown();
  }

  private async send(contexts: TraceContext[]): Promise<void> {
    try {
      this.sender ??= await this.makeSender();
      let batch: TraceContext[] = [];
      let body = '';
      for (const context of contexts) {
        const data = encodeTraceContext(context);
        if (batch.length > 0 && body.length + data.length > MAX_TRACE_BODY) {
          await this.sender.send({ topic: this.topic, body, keys: traceKeys(batch) });
          [batch, body] = [[], ''];
        }
        batch.push(context);
        body += data;
      }
      if (batch.length > 0) await this.sender.send({ topic: this.topic, body, keys: traceKeys(batch) });
    } catch (error) {
      this.logger?.warn(`message traces dropped: ${(error as Error).message}`);
    }
  }
}

/** The dispatcher for a client with enableMsgTrace on, undefined otherwise. */
export function traceDispatcher(
  options: TraceOptions & { logger?: Logger | undefined },
  makeSender: () => Promise<TraceSender>,
): TraceDispatcher | undefined {
  if (options.enableMsgTrace !== true) return undefined;
  return new TraceDispatcher(makeSender, options.customizedTraceTopic ?? TRACE_TOPIC, options.logger);
}

/** The Pub trace of a send (SendMessageTraceHookImpl). */
export function publishTrace(
  group: string,
  message: Message,
  result: { msgId: string; offsetMsgId: string; status: string },
  startedAt: number,
  msgType: TraceMessageType,
): TraceContext {
  const body = message.body;
  return {
    type: 'Pub',
    timeStamp: startedAt,
    regionId: 'DefaultRegion',
    groupName: group,
    costTime: Date.now() - startedAt,
    success: result.status === 'SEND_OK',
    requestId: '',
    contextCode: 0,
    beans: [
      traceBean({
        topic: message.topic,
        msgId: result.msgId,
        offsetMsgId: result.offsetMsgId,
        tags: message.tags ?? '',
        keys: messageKeys(message),
        // The broker's address, which the offset id carries.
        storeHost: decodeOffsetMessageId(result.offsetMsgId).storeHost,
        bodyLength: typeof body === 'string' ? Buffer.byteLength(body) : body.length,
        msgType,
      }),
    ],
  };
}

/** The SubBefore and SubAfter traces of one listener call (ConsumeMessageTraceHookImpl). */
export function consumeTraces(
  group: string,
  messages: readonly ReceivedMessage[],
  startedAt: number,
  outcome: 'success' | 'failed' | 'exception',
): [TraceContext, TraceContext] {
  const requestId = randomUUID();
  const beans = messages.map((m) =>
    traceBean({
      topic: m.topic,
      msgId: m.msgId,
      keys: m.keys.join(' '),
      retryTimes: m.reconsumeTimes,
      storeHost: m.storeHost,
      bodyLength: m.body.length,
    }),
  );
  const common = { regionId: 'DefaultRegion', groupName: group, requestId, beans };
  return [
    { ...common, type: 'SubBefore', timeStamp: startedAt, costTime: 0, success: true, contextCode: 0 },
    {
      ...common,
      type: 'SubAfter',
      timeStamp: Date.now(),
      // RocketMQ divides the call's time among the batch's messages.
      costTime: Math.round((Date.now() - startedAt) / Math.max(1, messages.length)),
      success: outcome === 'success',
      // ConsumeReturnType: SUCCESS 0, EXCEPTION 2, FAILED 4.
      contextCode: outcome === 'success' ? 0 : outcome === 'exception' ? 2 : 4,
    },
  ];
}

/** One step of a message's trace, with the client it came from (TraceView). */
export interface TraceStep {
  type: TraceContext['type'];
  groupName: string;
  /** The client that wrote the trace (the trace message's born host). */
  clientHost: string;
  timeStamp: number;
  costTime: number;
  success: boolean;
  /** SubAfter: 0 SUCCESS, 1 TIME_OUT, 2 EXCEPTION, 3 RETURNNULL, 4 FAILED. */
  contextCode: number;
  bean: TraceContext['beans'][number];
}

/**
 * A message's trace: every step recorded for its id in the trace topic, oldest first (what
 * mqadmin queryMsgTraceById and RocketMQ Dashboard show).
 */
export function traceSteps(msgId: string, traceMessages: readonly ReceivedMessage[]): TraceStep[] {
  const steps: TraceStep[] = [];
  for (const message of traceMessages) {
    for (const context of decodeTraceData(message.body.toString('utf8'))) {
      const bean = context.beans[0]!;
      if (bean.msgId !== msgId) continue;
      const { type, groupName, timeStamp, costTime, success, contextCode } = context;
      steps.push({ type, groupName, clientHost: message.bornHost, timeStamp, costTime, success, contextCode, bean });
    }
  }
  return steps.sort((a, b) => a.timeStamp - b.timeStamp);
}

/** The EndTransaction trace of a transaction's end, asked or answering a check (EndTransactionTraceHookImpl). */
export function endTransactionTrace(
  group: string,
  message: { topic: string; msgId: string; tags?: string | undefined; keys: string },
  storeHost: string,
  state: string,
  fromTransactionCheck: boolean,
): TraceContext {
  return {
    type: 'EndTransaction',
    timeStamp: Date.now(),
    regionId: 'DefaultRegion',
    groupName: group,
    costTime: 0,
    success: true,
    requestId: '',
    contextCode: 0,
    beans: [
      traceBean({
        topic: message.topic,
        msgId: message.msgId,
        tags: message.tags ?? '',
        keys: message.keys,
        storeHost,
        msgType: 'Trans_msg_Commit',
        transactionId: message.msgId,
        transactionState: state,
        fromTransactionCheck,
      }),
    ],
  };
}
