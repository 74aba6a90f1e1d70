/**
 * npm run test:ha: master/slave failover, catch-up and a 2m-2s kill loop, with brokers as
 * `rocketnest` processes killed with SIGKILL (test/src/ha-failover.test.ts runs short versions
 * in npm test). Prints each scenario's figures; --dir chooses where the stores go (default the
 * temp dir; the catch-up scenario writes about 2 GB).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { rawSequentialWrite } from '../support/disk.js';
import { slaveCatchUp } from './catch-up.js';
import { failover } from './failover.js';
import { killLoop } from './kill-loop.js';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: tmpdir() },
    messages: { type: 'string', default: '50000' },
    'kill-seconds': { type: 'string', default: '60' },
  },
});
const messages = Number(args.messages);
const dir = () => {
  const made = mkdtempSync(join(args.dir, 'rocketnest-ha-'));
  after(() => rmSync(made, { recursive: true, force: true }));
  return made;
};
const log = (line: string) => console.log(`  ${new Date().toISOString().slice(11, 23)} ${line}`);
const figures: string[] = [];
after(() => {
  console.log(`\ntest:ha on node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}:`);
  for (const line of figures) console.log(`  ${line}`);
});

describe('npm run test:ha', () => {
  it(`SYNC_MASTER + SYNC_FLUSH: ${messages} acknowledged, master SIGKILLed and its store deleted, consumed from the slave, promoted, continued`, async () => {
    const f = await failover({ mode: 'SYNC', messages, loss: 'machine', dir: dir(), log });
    figures.push(
      `SYNC_MASTER, machine lost: ${f.acknowledged} acknowledged, ${f.afterLoss} of them consumed from the slave, ${f.lost} lost, ${f.duplicatesBefore} consumed twice before the promotion, ${f.duplicatesAfter} after; ${f.afterwards} sent and consumed after it`,
    );
    assert.equal(f.lost, 0);
    assert.ok(f.afterLoss > messages / 4);
    assert.equal(f.duplicatesAfter, 0);
    assert.equal(f.afterwards, Math.ceil(messages / 10));
  });

  it(`ASYNC_MASTER: ${messages} acknowledged, master SIGKILLed and its store deleted: the loss is reported, the slave promoted`, async () => {
    const f = await failover({ mode: 'ASYNC', messages, loss: 'machine', dir: dir(), log });
    figures.push(
      `ASYNC_MASTER, machine lost: ${f.acknowledged} acknowledged, ${f.afterLoss} consumed from the slave, ${f.lost} lost (${((f.lost / f.acknowledged) * 100).toFixed(3)}%), ${f.duplicatesAfter} consumed twice after the promotion`,
    );
    assert.equal(f.duplicatesAfter, 0);
    assert.equal(f.afterwards, Math.ceil(messages / 10));
  });

  it(`ASYNC_MASTER: ${messages} acknowledged, only the master's process SIGKILLed: none lost`, async () => {
    const f = await failover({ mode: 'ASYNC', messages, loss: 'process', dir: dir(), log });
    figures.push(`ASYNC_MASTER, process killed, store kept: ${f.acknowledged} acknowledged, ${f.lost} lost`);
    assert.equal(f.lost, 0);
    assert.equal(f.afterwards, Math.ceil(messages / 10));
  });

  it('a slave stopped while its master takes 512 MiB, and an empty slave against a 1.9 GiB master, catch up', async () => {
    const where = dir();
    const rawMBps = rawSequentialWrite(where, 512 * 1024 * 1024);
    const f = await slaveCatchUp({
      whileStoppedBytes: 512 * 1024 * 1024,
      masterBytes: 1.9 * 1024 * 1024 * 1024,
      dir: where,
      log,
    });
    const mbps = (c: { bytes: number; ms: number }) => (c.bytes / 1e6 / (c.ms / 1000)).toFixed(0);
    figures.push(
      `catch-up: a restarted slave copied ${(f.stopped.bytes / 1e6).toFixed(0)} MB in ${f.stopped.ms.toFixed(0)} ms (${mbps(f.stopped)} MB/s); ` +
        `an empty slave copied the newest segment of a ${(f.masterBytes / 1e9).toFixed(2)} GB master, ${(f.empty.bytes / 1e6).toFixed(0)} MB in ${f.empty.ms.toFixed(0)} ms (${mbps(f.empty)} MB/s); this disk's raw sequential write: ${rawMBps.toFixed(0)} MB/s`,
    );
    assert.ok(f.empty.bytes > 512 * 1024 * 1024);
  });

  for (const example of ['2m-2s-async', '2m-2s-sync'] as const) {
    it(`${example}: each broker in turn SIGKILLed and restarted for ${args['kill-seconds']} s; every acknowledged message is consumed`, async () => {
      const f = await killLoop({ example, seconds: Number(args['kill-seconds']), downMs: 3000, dir: dir(), log });
      figures.push(
        `${example} kill loop: ${f.kills} kills, ${f.acknowledged} acknowledged, ${f.failedSends} sends failed, longest time without an acknowledged send ${f.longestGapMs} ms, ${f.lost} lost, ${f.duplicates} consumed twice; last 5 s by broker ${JSON.stringify(f.lastSecondsByBroker)}`,
      );
      assert.equal(f.lost, 0);
      assert.ok((f.lastSecondsByBroker['broker-a'] ?? 0) > 0 && (f.lastSecondsByBroker['broker-b'] ?? 0) > 0);
    });
  }
});
