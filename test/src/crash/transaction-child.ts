/**
 * A transactional producer in its own process, for the check-back-after-restart test: sends one
 * half message, leaves its local transaction unknown, prints "sent <msgId>" and is killed by the
 * test before it can answer any check.  argv: namesrvAddr topic group body
 */
import { silentLogger } from '@rocketnest/common';
import { TransactionProducer } from '@rocketnest/client';

const [namesrvAddr, topic, group, body] = process.argv.slice(2) as [string, string, string, string];
const producer = new TransactionProducer({
  namesrvAddr,
  producerGroup: group,
  logger: silentLogger,
  transactionListener: {
    executeLocalTransaction: () => 'UNKNOW',
    // Never answers: this process dies with its transaction open.
    checkLocalTransaction: () => new Promise(() => {}),
  },
});
await producer.start();
const sent = await producer.sendMessageInTransaction({ topic, body });
process.stdout.write(`sent ${sent.msgId}\n`);
