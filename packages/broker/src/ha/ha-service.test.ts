import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { HAService } from './ha-service.js';
import { encodeReport, latestReport, readTransferHeader } from './ha-frames.js';

/** A CommitLog stand-in: segments of 64 bytes, 200 bytes written, each byte its offset. */
const SEGMENT = 64;
const log = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
const store = {
  getMaxPhyOffset: () => log.length,
  readReplica: (offset: number, maxBytes: number) => {
    const segmentEnd = offset - (offset % SEGMENT) + SEGMENT;
    return log.subarray(offset, Math.min(log.length, offset + maxBytes, segmentEnd));
  },
};

async function slaveOf(service: HAService): Promise<{ socket: Socket; frames: () => Promise<[number, Buffer][]> }> {
  const port = await service.listen('127.0.0.1', 0);
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = Buffer.alloc(0);
  socket.on('data', (data) => (received = Buffer.concat([received, data])));
  const frames = async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const out: [number, Buffer][] = [];
    for (let at = 0; at + 12 <= received.length;) {
      const { offset, size } = readTransferHeader(received, at);
      out.push([offset, received.subarray(at + 12, at + 12 + size)]);
      at += 12 + size;
    }
    return out;
  };
  return { socket, frames };
}

describe('HAService (master side of the HA exchange)', () => {
  it('frames are RocketMQ 4.x bytes: an 8-byte report; a 12-byte header of offset and size', () => {
    assert.deepEqual([...encodeReport(0x0102030405)], [0, 0, 0, 1, 2, 3, 4, 5]);
    assert.equal(latestReport(Buffer.concat([encodeReport(7), encodeReport(9), Buffer.from([1, 2])])), 9);
    assert.equal(latestReport(Buffer.from([1, 2, 3])), undefined);
  });

  it('streams the log from a reported offset in chunks that never cross a segment', async () => {
    const service = new HAService(store, SEGMENT, silentLogger);
    const { socket, frames } = await slaveOf(service);
    socket.write(encodeReport(100));
    const got = await frames();
    assert.deepEqual(
      got.map(([offset, data]) => [offset, data.length]),
      [
        [100, 28],
        [128, 64],
        [192, 8],
      ],
    );
    assert.ok(Buffer.concat(got.map(([, data]) => data)).equals(log.subarray(100)));
    assert.equal(service.slaveAckOffset, 100);
    socket.destroy();
    await service.close();
  });

  it('starts a slave that reports 0 at the start of the newest segment, as RocketMQ does', async () => {
    const service = new HAService(store, SEGMENT, silentLogger);
    const { socket, frames } = await slaveOf(service);
    socket.write(encodeReport(0));
    const got = await frames();
    assert.equal(got[0]![0], 192);
    socket.destroy();
    await service.close();
  });

  it('SYNC_MASTER waits: ACKED once a slave reports the offset, TIMEOUT without, NOT_AVAILABLE without a near slave', async () => {
    const service = new HAService(store, SEGMENT, silentLogger);
    assert.equal(await service.waitForSlave(10, 1000, 1024, 200), 'NOT_AVAILABLE');
    const { socket } = await slaveOf(service);
    socket.write(encodeReport(100));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await service.waitForSlave(80, 1000, 1024, 200), 'ACKED');
    // Two sends wait for the same report.
    const waiting = [service.waitForSlave(150, 2000, 1024, 200), service.waitForSlave(160, 2000, 1024, 200)];
    socket.write(encodeReport(170));
    assert.deepEqual(await Promise.all(waiting), ['ACKED', 'ACKED']);
    assert.equal(await service.waitForSlave(200, 200, 1024, 200), 'TIMEOUT');
    assert.equal(await service.waitForSlave(200, 200, 16, 200), 'NOT_AVAILABLE', '30 bytes behind, 16 allowed');
    socket.destroy();
    await service.close();
  });
});
