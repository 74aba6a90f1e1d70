/**
 * npm run test:disk: a broker on a real full disk, a tmpfs of 64 MiB mounted for the run (needs
 * root; never in CI). The broker, a `rocketnest` process, takes 32 KiB sends until the disk is
 * full, refuses them saying so, stops cleanly with the disk full, starts again on it (another
 * file keeps it full), opens read-only saying so, deletes its oldest segments as retention does
 * and names the group that had not consumed them, and takes writes again once space is freed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { RequestCode, ResponseCode } from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { RocketnestProcess } from '../support/local-cluster.js';
import { freeBrokerPort } from '../support/ports.js';
import { Requests } from '../support/requests.js';

const DISK_MB = 64;

function mountTmpfs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rocketnest-full-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MB}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`test:disk mounts a ${DISK_MB} MiB tmpfs and needs root: ${mounted.stderr.trim()}`);
  }
  after(() => {
    // Lazily: a broker still stopping may hold files there; the kernel frees it once they close.
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}-broker.conf`, { force: true });
  });
  return dir;
}

/** Fill the disk under dir to the last byte with a file of its own; returns its path. */
let fillers = 0;
function fill(dir: string): string {
  const path = join(dir, `filler-${fillers++}`);
  const { bavail, bsize } = statfsSync(dir);
  writeFileSync(path, Buffer.alloc(Number(bavail) * Number(bsize)));
  return path;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npm run test:disk: a broker on a real full disk', () => {
  it('refuses, stops cleanly, starts read-only, heals by retention and by freed space, naming what it deleted', async () => {
    const disk = mountTmpfs();
    const port = await freeBrokerPort(new Set());
    const conf = `${disk}-broker.conf`;
    writeFileSync(
      conf,
      [
        'brokerIP1=127.0.0.1',
        'bindAddress=127.0.0.1',
        `listenPort=${port}`,
        `storePathRootDir=${join(disk, 'store')}`,
        'mappedFileSizeCommitLog=4194304',
        'cleanResourceInterval=500',
        'maxMessageSize=1048576',
        '',
      ].join('\n'),
    );
    mkdirSync(join(disk, 'store'));
    const client = new RemotingClient({ logger: silentLogger });
    after(() => client.close());
    const requests = new Requests(client);
    const brokerAddr = `127.0.0.1:${port}`;
    const body = Buffer.alloc(32 * 1024, 'm');

    let broker = await RocketnestProcess.start(['broker', '-c', conf]);
    after(() => broker.stop());
    // A group that has consumed nothing.
    const commit = await requests.call(brokerAddr, RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: 'Laggard',
      topic: 'Filled',
      queueId: '0',
      commitOffset: '0',
    });
    assert.equal(commit.code, ResponseCode.SUCCESS);
    let acknowledged = 0;
    const send = async () => {
      const sent = await requests.send(brokerAddr, 'Filled', body, { queueId: 0 });
      if (sent.code === ResponseCode.SUCCESS) acknowledged++;
      return sent;
    };
    for (let i = 0; i < 300; i++) assert.equal((await send()).code, ResponseCode.SUCCESS);

    // Another file takes what is left. The next write meets ENOSPC: refused, saying so, and
    // retention runs at once, deleting the oldest segments (the disk is past 75%), which the
    // group had not consumed; writes are taken again.
    const filled = [fill(disk)];
    const refused = await send();
    assert.equal(refused.code, ResponseCode.SERVICE_NOT_AVAILABLE);
    assert.match(refused.remark!, /is full \(ENOSPC\); free space/);
    await until(async () => (await send()).code === ResponseCode.SUCCESS, 'writes taken again after retention');
    assert.match(broker.output, /retention deleted \d+ CommitLog segment\(s\) \(\d+.*\): the disk was 100\.0% full/);
    assert.match(broker.output, /groups had not consumed: Laggard \(Filled: \d+ messages\)/);

    // Full again, with nothing left to delete but the segment being written: read-only.
    // Each fill takes what retention just freed, until only the segment being written is left.
    let last;
    for (let i = 0; i < 20; i++) {
      filled.push(fill(disk));
      // A retention run (every cleanResourceInterval, 500 ms here) sees the disk full.
      await new Promise((resolve) => setTimeout(resolve, 700));
      last = await send();
      if (last.code !== ResponseCode.SUCCESS) break;
    }
    assert.equal(last!.code, ResponseCode.SERVICE_NOT_AVAILABLE);
    assert.equal(await broker.stop(), 0, `stopped cleanly with the disk full:\n${broker.output}`);
    assert.match(broker.output, /shutdown: .* failed \(ENOSPC/);

    broker = await RocketnestProcess.start(['broker', '-c', conf]);
    assert.match(broker.output, /refusing writes until it is below 90%/);
    const whileFull = await send();
    assert.equal(whileFull.code, ResponseCode.SERVICE_NOT_AVAILABLE);
    assert.match(whileFull.remark!, /100\.0% full \(limit diskSpaceWarningLevelRatio 90%\): free space/);

    for (const filler of filled) rmSync(filler);
    await until(async () => (await send()).code === ResponseCode.SUCCESS, 'writes taken again once space was freed');
    // No queue offset was lost or reused: the queue holds exactly the acknowledged messages.
    const maxOffset = await requests.call(brokerAddr, RequestCode.GET_MAX_OFFSET, { topic: 'Filled', queueId: '0' });
    assert.equal(maxOffset.extFields['offset'], String(acknowledged));
    assert.equal(await broker.stop(), 0);
    console.log(
      `  ${acknowledged} x 32 KiB acknowledged on a ${DISK_MB} MiB tmpfs; then:\n${broker.output
        .split('\n')
        .filter((line) => /retention|full|refusing|accepting/.test(line))
        .map((line) => `    ${line}`)
        .join('\n')}`,
    );
  });
});
