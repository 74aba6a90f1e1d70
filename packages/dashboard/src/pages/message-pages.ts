import type { ReceivedMessage, TraceStep } from '@rocketnest/client';
import { bodyPreview, html, table, time, type Html } from '../html.js';

export interface MessageQuery {
  id?: string | undefined;
  topic?: string | undefined;
  key?: string | undefined;
  begin?: string | undefined;
  end?: string | undefined;
}

/** The search form and what it found: by id (with its topic, or an offset id alone), by key, or a topic's messages within a time range. */
export function messagesPage(query: MessageQuery, found: ReceivedMessage[] | undefined): Html {
  const rows = (found ?? []).map((m) => [
    html`<a href="${`messages/${encodeURIComponent(m.msgId)}?topic=${encodeURIComponent(m.topic)}`}">${m.msgId}</a>`,
    m.topic,
    m.tags,
    m.keys.join(' '),
    `${m.brokerName}:${m.queueId}@${m.queueOffset}`,
    time(m.storeTimestamp),
    m.body.toString('utf8').slice(0, 80),
  ]);
  return html`<form method="get" action="messages" role="search">
      <label>Message id<input name="id" value="${query.id ?? ''}" size="34" /></label>
      <label>Topic<input name="topic" value="${query.topic ?? ''}" /></label>
      <label>Key<input name="key" value="${query.key ?? ''}" /></label>
      <label>Stored from<input name="begin" type="datetime-local" step="1" value="${query.begin ?? ''}" /></label>
      <label>to<input name="end" type="datetime-local" step="1" value="${query.end ?? ''}" /></label>
      <button>Search</button>
    </form>
    ${found ? table(['message id', 'topic', 'tag', 'keys', 'queue', 'stored', 'body'], rows, 'no message matches') : html`<p class="empty">Give a message id, a topic and a key, or a topic (and a time range) to browse.</p>`}`;
}

const CONSUME_RESULTS = ['success', 'timed out', 'threw', 'returned nothing', 'failed'];

/** One message: where it is, its properties, its body laid out, and its trace. */
export function messagePage(m: ReceivedMessage, trace: TraceStep[]): Html {
  const facts: [string, string | number][] = [
    ['message id', m.msgId],
    ['offset message id', m.offsetMsgId],
    ['topic', m.topic],
    ['tag', m.tags ?? ''],
    ['keys', m.keys.join(' ')],
    ['queue', `${m.brokerName}:${m.queueId} at offset ${m.queueOffset}`],
    ['born', `${time(m.bornTimestamp)} at ${m.bornHost}`],
    ['stored', `${time(m.storeTimestamp)} at ${m.storeHost}`],
    ['retries', m.reconsumeTimes],
  ];
  const steps = trace.map((s) => [
    s.type === 'Pub'
      ? 'sent'
      : s.type === 'SubBefore'
        ? 'given to the listener'
        : s.type === 'SubAfter'
          ? 'consumed'
          : 'transaction ended',
    s.groupName,
    s.clientHost,
    time(s.timeStamp),
    s.type === 'SubBefore' ? '' : `${s.costTime} ms`,
    s.type === 'SubAfter'
      ? html`<span class="${s.success ? 'ok' : 'bad'}">${CONSUME_RESULTS[s.contextCode] ?? s.contextCode}</span>`
      : s.type === 'Pub'
        ? html`<span class="${s.success ? 'ok' : 'bad'}">${s.success ? 'stored' : 'failed'}</span>`
        : s.type === 'SubBefore'
          ? `try ${s.bean.retryTimes + 1}`
          : s.bean.transactionState,
  ]);
  return html`${table(['', ''], facts)}
    <h2>Body (${m.body.length} bytes)</h2>
    ${bodyPreview(m.body)}
    <h2>Properties</h2>
    ${table(
      ['name', 'value'],
      Object.entries(m.properties).sort(([a], [b]) => (a < b ? -1 : 1)),
    )}
    <h2>Trace</h2>
    ${table(['step', 'group', 'client', 'time', 'took', 'outcome'], steps, 'no trace: it was sent and consumed without enableMsgTrace')}`;
}
