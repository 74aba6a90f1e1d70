import type { Command } from 'commander';
import { Producer, type MessageQueue, type ReceivedMessage } from '@rocketnest/client';
import { decodeOffsetMessageId, parseJavaJson, RequestCode } from '@rocketnest/protocol';
import { CommandFailed, runs, type AdminContext } from './admin-program.js';
import { integer, parseTime, text } from './targets.js';
import { time } from './topic-commands.js';

/** Messages: look up by id, key, unique key or offset; print a topic or queue; send; read a ConsumeQueue. */
export function messageCommands(program: Command): void {
  runs(
    program
      .command('queryMsgById')
      .description('A message by its offset message id; with -g and -d, have that member of the group consume it')
      .requiredOption('-i, --msgId <ids>', 'offset message ids, comma separated')
      .option('-g, --consumerGroup <group>', 'with -d: the group')
      .option('-d, --clientId <id>', 'with -g: the member that consumes it'),
    async (context, options) => {
      for (const id of text(options, 'msgId').split(',')) {
        if (typeof options['consumerGroup'] === 'string' && typeof options['clientId'] === 'string') {
          await consumeDirectly(context, id, options['consumerGroup'], options['clientId']);
        } else printMessage(context, await context.admin.viewMessage(id));
      }
    },
  );

  runs(
    program
      .command('queryMsgTraceById')
      .description(
        "A message's trace: its send and each group's consumption, as clients with enableMsgTrace recorded them",
      )
      .requiredOption('-i, --msgId <id>', 'the unique id (msgId)')
      .option('-t, --traceTopic <topic>', 'the trace topic', 'RMQ_SYS_TRACE_TOPIC'),
    async ({ admin, output }, options) => {
      const steps = await admin.messageTrace(text(options, 'msgId'), text(options, 'traceTopic'));
      if (steps.length === 0) {
        throw new CommandFailed(
          `no trace of ${text(options, 'msgId')}: was it sent or consumed with enableMsgTrace on?`,
        );
      }
      output.table(
        ['type', 'group', 'clientHost', 'time', 'costMs', 'status', 'retries'],
        steps.map((s) => [
          s.type,
          s.groupName,
          s.clientHost,
          time(s.timeStamp),
          s.costTime,
          s.success ? 'success' : 'failed',
          s.type === 'SubBefore' ? s.bean.retryTimes : '',
        ]),
      );
    },
  );

  runs(
    program
      .command('queryMsgByKey')
      .description("A topic's messages with a key, through the index")
      .requiredOption('-t, --topic <topic>', 'the topic')
      .requiredOption('-k, --msgKey <key>', 'the key')
      .option('-b, --beginTimestamp <time>', 'stored at or after (now, ms, or a date)')
      .option('-e, --endTimestamp <time>', 'stored at or before'),
    async ({ admin, output }, options) => {
      const range = {
        begin: typeof options['beginTimestamp'] === 'string' ? parseTime(options['beginTimestamp']) : 0,
        end: typeof options['endTimestamp'] === 'string' ? parseTime(options['endTimestamp']) : Date.now(),
      };
      const found = await admin.queryMessageByKey(text(options, 'topic'), text(options, 'msgKey'), range);
      output.table(
        ['msgId', 'offsetMsgId', 'broker', 'queue', 'queueOffset', 'stored'],
        found.map((m) => [m.msgId, m.offsetMsgId, m.brokerName, m.queueId, m.queueOffset, time(m.storeTimestamp)]),
      );
    },
  );

  runs(
    program
      .command('queryMsgByUniqueKey')
      .description('A message by its unique id (msgId)')
      .requiredOption('-t, --topic <topic>', 'the topic')
      .requiredOption('-i, --msgId <id>', 'the unique id'),
    async (context, options) => {
      const id = text(options, 'msgId');
      const found = (await context.admin.queryMessageByKey(text(options, 'topic'), id)).filter((m) => m.msgId === id);
      if (found.length === 0) throw new CommandFailed(`no message of ${text(options, 'topic')} has unique id ${id}`);
      for (const message of found) printMessage(context, message);
    },
  );

  runs(
    program
      .command('queryMsgByOffset')
      .description('The message at an offset of a queue')
      .requiredOption('-t, --topic <topic>', 'the topic')
      .requiredOption('-b, --brokerName <name>', 'the broker name')
      .requiredOption('-i, --queueId <id>', 'the queue')
      .requiredOption('-o, --offset <offset>', 'the queue offset'),
    async (context, options) => {
      const queue = queueOf(options);
      const offset = integer(options, 'offset', 0);
      const [message] = (await context.admin.readQueue(queue, offset, 1)).messages;
      if (!message || message.queueOffset !== offset)
        throw new CommandFailed(`no message at offset ${offset} of ${queue.brokerName}:${queue.queueId}`);
      printMessage(context, message);
    },
  );

  runs(
    program
      .command('printMsg')
      .description("Print a topic's messages, every queue, from its min offset")
      .requiredOption('-t, --topic <topic>', 'the topic')
      .option('-s, --subExpression <tags>', "only these tags, 'TagA || TagB'", '*')
      .option('-b, --beginTimestamp <time>', 'stored at or after')
      .option('-e, --endTimestamp <time>', 'stored at or before')
      .option('-d, --printBody <true|false>', 'print bodies', 'true'),
    async (context, options) => {
      const topic = text(options, 'topic');
      const stats = await context.admin.topicStats(topic);
      const filter = messageFilter(options);
      const progress = context.output.progress(
        `reading ${topic}`,
        stats.reduce((sum, s) => sum + s.maxOffset - s.minOffset, 0),
      );
      const messages: ReceivedMessage[] = [];
      let read = 0;
      for (const { queue, minOffset, maxOffset } of stats) {
        for await (const batch of context.admin.readRange(queue, minOffset, maxOffset)) {
          messages.push(...batch.filter(filter));
          read += batch.length;
          progress.tick(`${queue.brokerName}:${queue.queueId}`, read);
        }
      }
      progress.stop();
      printMessages(context, messages, options['printBody'] !== 'false');
    },
  );

  runs(
    program
      .command('printMsgByQueue')
      .description("Print one queue's messages")
      .requiredOption('-t, --topic <topic>', 'the topic')
      .requiredOption('-a, --brokerName <name>', 'the broker name')
      .requiredOption('-i, --queueId <id>', 'the queue')
      .option('-s, --subExpression <tags>', "only these tags, 'TagA || TagB'", '*')
      .option('-b, --beginTimestamp <time>', 'stored at or after')
      .option('-e, --endTimestamp <time>', 'stored at or before')
      .option('-p, --print <true|false>', 'print bodies', 'true'),
    async (context, options) => {
      const queue = queueOf(options);
      const stats = (await context.admin.topicStats(queue.topic)).find(
        (s) => s.queue.brokerName === queue.brokerName && s.queue.queueId === queue.queueId,
      );
      if (!stats) throw new CommandFailed(`${queue.topic} has no queue ${queue.brokerName}:${queue.queueId}`);
      const filter = messageFilter(options);
      const messages: ReceivedMessage[] = [];
      for await (const batch of context.admin.readRange(queue, stats.minOffset, stats.maxOffset))
        messages.push(...batch.filter(filter));
      printMessages(context, messages, options['print'] !== 'false');
    },
  );

  runs(
    program
      .command('sendMessage')
      .description('Send one message')
      .requiredOption('-t, --topic <topic>', 'the topic')
      .requiredOption('-p, --body <body>', 'its body')
      .option('-k, --key <keys>', 'keys, space separated')
      .option('-c, --tags <tag>', 'its tag'),
    async ({ connection, output }, options) => {
      const producer = new Producer({ ...connection, producerGroup: 'PID_ROCKETNEST_ADMIN' });
      await producer.start();
      try {
        const keys = typeof options['key'] === 'string' ? options['key'].split(' ') : undefined;
        const tags = typeof options['tags'] === 'string' ? options['tags'] : undefined;
        const result = await producer.send({ topic: text(options, 'topic'), body: text(options, 'body'), keys, tags });
        output.table(
          ['broker', 'queue', 'status', 'msgId', 'offsetMsgId'],
          [
            [
              result.messageQueue.brokerName,
              result.messageQueue.queueId,
              result.status,
              result.msgId,
              result.offsetMsgId,
            ],
          ],
        );
      } finally {
        await producer.shutdown();
      }
    },
  );

  runs(
    program
      .command('queryCq')
      .description("Entries of a ConsumeQueue: where each message is in the CommitLog, and its tag's hash")
      .requiredOption('-t, --topic <topic>', 'the topic')
      .requiredOption('-q, --queue <id>', 'the queue')
      .requiredOption('-i, --index <offset>', 'the first entry')
      .option('-c, --count <n>', 'entries', '10')
      .option('-b, --broker <host:port>', 'the broker (default: the first master of the topic)')
      .option('-g, --consumer <group>', "also show the group's subscription and whether each entry passes it"),
    async (context, options) => {
      const topic = text(options, 'topic');
      const address =
        typeof options['broker'] === 'string'
          ? options['broker']
          : (await context.admin.topicRoute(topic)).brokerDatas[0]?.brokerAddrs['0'];
      if (!address) throw new CommandFailed(`no master serves ${topic}`);
      const fields: Record<string, string> = {
        topic,
        queueId: String(integer(options, 'queue', 0)),
        index: String(integer(options, 'index', 0)),
        count: String(integer(options, 'count', 10)),
      };
      if (typeof options['consumer'] === 'string') fields['consumerGroup'] = options['consumer'];
      const response = await context.admin.call(address, RequestCode.QUERY_CONSUME_QUEUE, fields);
      const body = parseJavaJson(response.body?.toString('utf8') ?? '{}') as {
        maxQueueIndex: number;
        minQueueIndex: number;
        subscriptionData?: { subString: string };
        queueData?: { physicOffset: number; physicSize: number; tagsCode: number; eval?: boolean }[];
      };
      if (context.output.json) return context.output.value(body);
      context.output.line(
        `min ${body.minQueueIndex}, max ${body.maxQueueIndex}${body.subscriptionData ? `, subscription ${body.subscriptionData.subString}` : ''}`,
      );
      const first = Number(fields['index']);
      context.output.table(
        ['index', 'commitLogOffset', 'size', 'tagsCode', 'passes'],
        (body.queueData ?? []).map((entry, i) => [
          first + i,
          entry.physicOffset,
          entry.physicSize,
          entry.tagsCode,
          fields['consumerGroup'] ? entry.eval : '',
        ]),
      );
    },
  );
}

function queueOf(options: Record<string, string | boolean | undefined>): MessageQueue {
  return {
    topic: text(options, 'topic'),
    brokerName: text(options, 'brokerName'),
    queueId: integer(options, 'queueId', 0),
  };
}

/** -s tags and -b/-e times, as a test of each message. */
function messageFilter(options: Record<string, string | boolean | undefined>): (message: ReceivedMessage) => boolean {
  const expression = typeof options['subExpression'] === 'string' ? options['subExpression'].trim() : '*';
  const tags =
    expression === '*' || expression === '' ? undefined : new Set(expression.split('||').map((t) => t.trim()));
  const begin = typeof options['beginTimestamp'] === 'string' ? parseTime(options['beginTimestamp']) : 0;
  const end = typeof options['endTimestamp'] === 'string' ? parseTime(options['endTimestamp']) : Infinity;
  return (m) =>
    (!tags || (m.tags !== undefined && tags.has(m.tags))) && m.storeTimestamp >= begin && m.storeTimestamp <= end;
}

function printMessages({ output }: AdminContext, messages: ReceivedMessage[], withBody: boolean): void {
  output.table(
    ['msgId', 'queue', 'offset', 'tags', 'keys', 'stored', ...(withBody ? ['body'] : [])],
    messages.map((m) => [
      m.msgId,
      `${m.brokerName}:${m.queueId}`,
      m.queueOffset,
      m.tags,
      m.keys.join(' '),
      time(m.storeTimestamp),
      ...(withBody ? [bodyText(m.body, false, output.json)] : []),
    ]),
  );
}

/** One message in full, its body pretty-printed when it is JSON. */
function printMessage({ output }: AdminContext, m: ReceivedMessage): void {
  output.pairs({
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    topic: m.topic,
    tags: m.tags ?? '',
    keys: m.keys.join(' '),
    queue: `${m.brokerName}:${m.queueId}`,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    reconsumeTimes: m.reconsumeTimes,
    born: `${time(m.bornTimestamp)} from ${m.bornHost}`,
    stored: `${time(m.storeTimestamp)} at ${m.storeHost}`,
    properties: m.properties,
    body: bodyText(m.body, true),
  });
}

function bodyText(body: Buffer, pretty = false, whole = false): string {
  const text = body.toString('utf8');
  if (!pretty) return text.length > 80 && !whole ? `${text.slice(0, 77)}...` : text;
  try {
    return `\n${JSON.stringify(JSON.parse(text), null, 2)}`;
  } catch {
    return text;
  }
}

async function consumeDirectly(context: AdminContext, msgId: string, group: string, clientId: string): Promise<void> {
  const { storeHost } = decodeOffsetMessageId(msgId);
  const response = await context.admin.call(storeHost, RequestCode.CONSUME_MESSAGE_DIRECTLY, {
    consumerGroup: group,
    clientId,
    msgId,
  });
  const result = parseJavaJson(response.body?.toString('utf8') ?? '{}') as {
    consumeResult: string;
    spentTimeMills: number;
    remark?: string;
  };
  context.output.line(
    `${clientId} consumed ${msgId}: ${result.consumeResult} in ${result.spentTimeMills} ms${result.remark ? ` (${result.remark})` : ''}`,
    result,
  );
}
