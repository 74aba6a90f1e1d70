/**
 * RocketMQ's message traces (TraceDataEncoder, TraceDataDecoder in 4.9.4): what a client with
 * message tracing on writes to RMQ_SYS_TRACE_TOPIC about each send, each consumption and each
 * transaction end. A trace message's body is one or more records, each ended by \u0002, whose
 * fields are separated by \u0001; its keys are the traced messages' ids and keys, so that the
 * index finds a message's traces by its id.
 */

export const TRACE_TOPIC = 'RMQ_SYS_TRACE_TOPIC';
const CONTENT_SPLITOR = '\u0001';
const FIELD_SPLITOR = '\u0002';

export type TraceType = 'Pub' | 'SubBefore' | 'SubAfter' | 'EndTransaction';

/** MessageType's names, in their ordinal order (a trace records the ordinal). */
export const TRACE_MESSAGE_TYPES = ['Normal_Msg', 'Trans_Msg_Half', 'Trans_msg_Commit', 'Delay_Msg'] as const;
export type TraceMessageType = (typeof TRACE_MESSAGE_TYPES)[number];

/** One traced message: TraceBean. */
export interface TraceBean {
  topic: string;
  msgId: string;
  offsetMsgId: string;
  tags: string;
  /** Space separated. */
  keys: string;
  storeHost: string;
  bodyLength: number;
  msgType: TraceMessageType;
  /** Consumption: the times it was given back before. */
  retryTimes: number;
  transactionId: string;
  transactionState: string;
  fromTransactionCheck: boolean;
}

/** One step of a message's life: TraceContext. Pub and EndTransaction have one bean; consumption one per message of the batch. */
export interface TraceContext {
  type: TraceType;
  /** When it happened (ms since the epoch). */
  timeStamp: number;
  regionId: string;
  /** The producer or consumer group. */
  groupName: string;
  /** How long the send or the listener took (ms). */
  costTime: number;
  success: boolean;
  /** Pairs a consumption's SubBefore with its SubAfter. */
  requestId: string;
  /** SubAfter: ConsumeReturnType's ordinal (0 SUCCESS, 1 TIME_OUT, 2 EXCEPTION, 3 RETURNNULL, 4 FAILED). */
  contextCode: number;
  beans: TraceBean[];
}

/** A bean with every field at RocketMQ's empty value, for the fields a step does not record. */
export function traceBean(fields: Partial<TraceBean>): TraceBean {
  return {
    topic: '',
    msgId: '',
    offsetMsgId: '',
    tags: '',
    keys: '',
    storeHost: '',
    bodyLength: 0,
    msgType: 'Normal_Msg',
    retryTimes: 0,
    transactionId: '',
    transactionState: '',
    fromTransactionCheck: false,
    ...fields,
  };
}

/** A context's records, as TraceDataEncoder writes them (one per bean). */
export function encodeTraceContext(context: TraceContext): string {
  const record = (fields: (string | number | boolean)[]) => `${fields.join(CONTENT_SPLITOR)}${FIELD_SPLITOR}`;
  const c = context;
  return c.beans
    .map((b) => {
      // Pub and EndTransaction open alike: who, where, and which message.
      const opening = [c.type, c.timeStamp, c.regionId, c.groupName, b.topic, b.msgId, b.tags, b.keys, b.storeHost];
      const msgType = TRACE_MESSAGE_TYPES.indexOf(b.msgType);
      switch (c.type) {
        case 'Pub':
          return record([...opening, b.bodyLength, c.costTime, msgType, b.offsetMsgId, c.success]);
        case 'SubBefore':
          return record([c.type, c.timeStamp, c.regionId, c.groupName, c.requestId, b.msgId, b.retryTimes, b.keys]);
        case 'SubAfter':
          return record([
            c.type,
            c.requestId,
            b.msgId,
            c.costTime,
            c.success,
            b.keys,
            c.contextCode,
            c.timeStamp,
            c.groupName,
          ]);
        case 'EndTransaction':
          return record([...opening, msgType, b.transactionId, b.transactionState, b.fromTransactionCheck]);
      }
    })
    .join('');
}

/** The keys a trace message carries for its contexts: each message's id and keys (TraceTransferBean.transKey). */
export function traceKeys(contexts: readonly TraceContext[]): string[] {
  const keys = new Set<string>();
  for (const context of contexts) {
    for (const bean of context.beans) {
      if (bean.msgId) keys.add(bean.msgId);
      for (const key of bean.keys.split(' ')) if (key) keys.add(key);
    }
  }
  return [...keys];
}

/**
 * The contexts in a trace message's body, one per record, each with its one bean; unknown record
 * types (newer clients') are skipped, fields a record lacks keep their empty values.
 */
export function decodeTraceData(body: string): TraceContext[] {
  const contexts: TraceContext[] = [];
  for (const record of body.split(FIELD_SPLITOR)) {
    const f = record.split(CONTENT_SPLITOR);
    const at = (i: number) => f[i] ?? '';
    const num = (i: number) => Number(f[i] ?? 0) || 0;
    const base = {
      regionId: '',
      groupName: '',
      costTime: 0,
      success: true,
      requestId: '',
      contextCode: 0,
      timeStamp: 0,
    };
    // Pub, SubBefore and EndTransaction open with when and who; Pub and EndTransaction then name the message.
    const opening = { timeStamp: num(1), regionId: at(2), groupName: at(3) };
    const sent = { topic: at(4), msgId: at(5), tags: at(6), keys: at(7), storeHost: at(8) };
    switch (f[0]) {
      case 'Pub':
        contexts.push({
          ...base,
          ...opening,
          type: 'Pub',
          costTime: num(10),
          success: f[13] === undefined || f[13] === 'true',
          beans: [
            traceBean({
              ...sent,
              bodyLength: num(9),
              msgType: TRACE_MESSAGE_TYPES[num(11)] ?? 'Normal_Msg',
              offsetMsgId: at(12),
            }),
          ],
        });
        break;
      case 'SubBefore':
        contexts.push({
          ...base,
          ...opening,
          type: 'SubBefore',
          requestId: at(4),
          beans: [traceBean({ msgId: at(5), retryTimes: num(6), keys: at(7) })],
        });
        break;
      case 'SubAfter':
        contexts.push({
          ...base,
          type: 'SubAfter',
          requestId: at(1),
          costTime: num(3),
          success: at(4) === 'true',
          contextCode: num(6),
          timeStamp: num(7),
          groupName: at(8),
          beans: [traceBean({ msgId: at(2), keys: at(5) })],
        });
        break;
      case 'EndTransaction':
        contexts.push({
          ...base,
          ...opening,
          type: 'EndTransaction',
          beans: [
            traceBean({
              ...sent,
              msgType: TRACE_MESSAGE_TYPES[num(9)] ?? 'Normal_Msg',
              transactionId: at(10),
              transactionState: at(11),
              fromTransactionCheck: at(12) === 'true',
            }),
          ],
        });
        break;
    }
  }
  return contexts;
}
