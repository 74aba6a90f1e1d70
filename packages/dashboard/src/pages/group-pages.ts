import type { ReceivedMessage } from '@rocketnest/client';
import { dlqTopic } from '@rocketnest/protocol';
import type { GroupView } from '../dashboard.service.js';
import { html, lineChart, table, time, url, type Html } from '../html.js';

export function groupsPage(groups: string[], lags: Map<string, [number, number][]>): Html {
  const rows = groups.map((group) => [
    html`<a href="${url`groups/${group}`}">${group}</a>`,
    lags.get(group)?.at(-1)?.[1] ?? '',
  ]);
  return table(['group', 'lag (last sample)'], rows, 'no consumer groups');
}

export function groupPage(group: string, view: GroupView, lag: [number, number][]): Html {
  const members = view.members.map((m) => [m.clientId, m.clientAddr, m.language, m.version]);
  const queues = view.queues.map((q) => {
    const owner = view.owners.get(`${q.queue.topic}@${q.queue.brokerName}:${q.queue.queueId}`);
    return [
      q.queue.topic,
      q.queue.brokerName,
      q.queue.queueId,
      q.brokerOffset,
      q.consumerOffset,
      q.lag,
      owner ?? '',
      time(q.lastTimestamp),
    ];
  });
  const topics = [...new Set(view.queues.map((q) => q.queue.topic))].filter((t) => !t.startsWith('%'));
  return html`<p>
      Consume TPS ${view.consumeTps.toFixed(2)} · lag ${view.queues.reduce((s, q) => s + q.lag, 0)} ·
      <a href="${url`groups/${group}/dlq`}">dead letters (${dlqTopic(group)})</a>
    </p>
    ${lineChart('lag', [{ name: group, points: lag }])}
    <h2>Members</h2>
    ${table(['client id', 'address', 'language', 'version'], members, 'no member is online')}
    <h2>Queues and who holds them</h2>
    ${table(['topic', 'broker', 'queue', 'broker offset', 'consumer offset', 'lag', 'held by', 'last consumed'], queues, 'no offsets yet')}
    <h2>Reset offsets by time</h2>
    <form method="post" action="${url`groups/${group}/reset`}">
      <label
        >Topic<select name="topic">
          ${topics.map((t) => html`<option>${t}</option>`)}
        </select></label
      >
      <label
        >To the first message stored at or after<input name="time" type="datetime-local" step="1" required
      /></label>
      <button>Reset</button>
    </form>`;
}

export function deadLettersPage(group: string, letters: ReceivedMessage[]): Html {
  const rows = letters.map((m) => [
    html`<input type="checkbox" name="msgId" value="${m.msgId}" form="bulk" aria-label="select ${m.msgId}" />`,
    html`<a href="${`messages/${encodeURIComponent(m.msgId)}?topic=${encodeURIComponent(dlqTopic(group))}`}"
      >${m.msgId}</a
    >`,
    m.properties['RETRY_TOPIC'] ?? '',
    m.reconsumeTimes,
    time(m.storeTimestamp),
    m.body.toString('utf8').slice(0, 80),
    html`<form method="post" action="${url`groups/${group}/dlq/resend`}">
      <input type="hidden" name="msgId" value="${m.msgId}" /><button>Resend</button>
    </form>`,
  ]);
  return html`<p>Dead letters go back to the group, on its retry topic, with their retry count reset.</p>
    <form id="bulk" method="post" action="${url`groups/${group}/dlq/resend`}"><button>Resend selected</button></form>
    ${table(['', 'message id', 'first sent to', 'tries', 'dead since', 'body', ''], rows, 'no dead letters')}`;
}
