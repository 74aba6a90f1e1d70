/**
 * Child process of the crash test: appends messages under SYNC_FLUSH, 16 at a time, and prints
 * "ack <round> <seq> <queueId> <queueOffset>" for each put that resolved PUT_OK. It runs until
 * the test kills it.
 */
import { silentLogger } from '@rocketnest/common';
import { DefaultMessageStore } from '@rocketnest/store';
import { crashMessage, crashStoreSettings } from './crash-messages.js';

const [root, roundText] = process.argv.slice(2) as [string, string];
const round = Number(roundText);
const store = new DefaultMessageStore({ ...crashStoreSettings, storePathRootDir: root }, { logger: silentLogger });

let seq = 0;
function next(): void {
  const mine = seq++;
  store.putMessage(crashMessage(round, mine)).then(
    (result) => {
      if (result.status !== 'PUT_OK') {
        process.stderr.write(`put ${mine} ended ${result.status}: ${result.error}\n`);
        process.exit(3);
      }
      process.stdout.write(
        `ack ${round} ${mine} ${crashMessage(round, mine).queueId} ${result.appendResult!.queueOffset}\n`,
      );
      next();
    },
    (error: unknown) => {
      process.stderr.write(`put ${mine} failed: ${String(error)}\n`);
      process.exit(4);
    },
  );
}

store.start().then(
  () => {
    process.stdout.write('ready\n');
    for (let i = 0; i < 16; i++) next();
  },
  (error: unknown) => {
    process.stderr.write(`start failed: ${String(error)}\n`);
    process.exit(2);
  },
);
