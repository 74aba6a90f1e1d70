import type { QueueStats } from '@rocketnest/client';
import type { TopicRouteData } from '@rocketnest/protocol';
import { html, table, time, url, type Html } from '../html.js';

export function topicsPage(topics: string[]): Html {
  const system = (topic: string) =>
    topic.startsWith('%') ||
    topic.startsWith('RMQ_SYS') ||
    /^(TBW102|SCHEDULE_TOPIC_XXXX|OFFSET_MOVED_EVENT|SELF_TEST_TOPIC|TRANS_CHECK_MAX_TIME_TOPIC|rmq_sys_wheel_timer)$/.test(
      topic,
    );
  const rows = topics.map((topic) => [
    html`<a href="${url`topics/${topic}`}">${topic}</a>`,
    system(topic) ? 'system' : '',
  ]);
  return html`<form method="post" action="topics">
      <label>New topic<input name="topic" required pattern="[A-Za-z0-9_%|-]{1,127}" /></label>
      <label>Queues per broker<input name="queues" type="number" min="1" max="1024" value="8" /></label>
      <button>Create</button>
    </form>
    ${table(['topic', ''], rows, 'no topics')}`;
}

export function topicPage(topic: string, route: TopicRouteData, stats: QueueStats[], consumers: string[]): Html {
  const routes = route.queueDatas.map((q) => {
    const broker = route.brokerDatas.find((b) => b.brokerName === q.brokerName);
    return [
      q.brokerName,
      broker?.cluster,
      Object.entries(broker?.brokerAddrs ?? {})
        .map(([id, a]) => `${id}=${a}`)
        .join(' '),
      q.readQueueNums,
      q.writeQueueNums,
      q.perm,
    ];
  });
  const queues = stats.map((s) => [
    s.queue.brokerName,
    s.queue.queueId,
    s.minOffset,
    s.maxOffset,
    time(s.lastUpdateTimestamp),
  ]);
  const writeQueues = route.queueDatas[0]?.writeQueueNums ?? 8;
  const perm = route.queueDatas[0]?.perm ?? 6;
  return html`<h2>Routes</h2>
    ${table(['broker', 'cluster', 'addresses', 'read queues', 'write queues', 'perm'], routes)}
    <h2>Queues</h2>
    ${table(['broker', 'queue', 'min offset', 'max offset', 'last stored'], queues)}
    <h2>Consumer groups</h2>
    ${table(
      ['group'],
      consumers.map((g) => [html`<a href="${url`groups/${g}`}">${g}</a>`]),
      'no group consumes it',
    )}
    <p><a href="${`messages?topic=${encodeURIComponent(topic)}`}">Browse its messages</a></p>
    <h2>Send a test message</h2>
    <form method="post" action="${url`topics/${topic}/send`}">
      <label>Tag<input name="tags" /></label><label>Keys (space separated)<input name="keys" /></label>
      <label>Body<textarea name="body" rows="2" cols="40">{"hello":"rocketnest"}</textarea></label><button>Send</button>
    </form>
    <h2>Update</h2>
    <form method="post" action="${url`topics/${topic}/update`}">
      <label>Queues per broker<input name="queues" type="number" min="1" max="1024" value="${writeQueues}" /></label>
      <label
        >Permission<select name="perm">
          ${[6, 4, 2].map((p) => html`<option value="${p}" ${p === perm ? html`selected` : ''}>${p === 6 ? 'read and write' : p === 4 ? 'read only' : 'write only'}</option>`)}
        </select></label
      >
      <button>Update</button>
    </form>
    <form
      method="post"
      action="${url`topics/${topic}/delete`}"
      onsubmit="return confirm('Delete this topic and its messages?')"
    >
      <button class="danger">Delete topic</button>
    </form>`;
}
