import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { HAClient } from './ha-client.js';
import { encodeTransferHeader, latestReport } from './ha-frames.js';

/** A store stand-in that keeps what it is sent, in order, at the offsets it ends at. */
function slaveStore(start = 0) {
  const appended: [number, string][] = [];
  let end = start;
  return {
    appended,
    getMaxPhyOffset: () => end,
    appendReplica: async (offset: number, data: Buffer) => {
      if (offset !== end && end !== 0) throw new Error(`not at ${end}`);
      appended.push([offset, data.toString()]);
      end = offset + data.length;
    },
  };
}

/** A master's HA port stand-in: records what each connection reports, and lets a test send frames. */
async function fakeMaster() {
  const connections: { socket: Socket; reports: number[] }[] = [];
  const server = createServer((socket) => {
    const connection = { socket, reports: [] as number[] };
    connections.push(connection);
    let received = Buffer.alloc(0);
    socket.on('data', (data) => {
      received = Buffer.concat([received, data]);
      const report = latestReport(received);
      if (report !== undefined) connection.reports.push(report);
      received = received.subarray(received.length - (received.length % 8));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    for (const { socket } of connections) socket.destroy();
    server.close();
  });
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, connections };
}

const until = async (check: () => boolean, what: string, ms = 8000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('HAClient (slave side of the HA exchange)', () => {
  it('reports its offset at once, appends each chunk at its offset, reports after each, and skips heartbeats', async () => {
    const master = await fakeMaster();
    const store = slaveStore();
    const client = new HAClient(store, silentLogger);
    after(() => client.close());
    client.masterAt(master.address);
    client.start();
    await until(() => master.connections[0]?.reports[0] === 0, 'the first report');
    const socket = master.connections[0]!.socket;
    socket.write(Buffer.concat([encodeTransferHeader(0, 5), Buffer.from('hello')]));
    socket.write(encodeTransferHeader(5, 0)); // a heartbeat
    // A frame cut in two arrives whole.
    const frame = Buffer.concat([encodeTransferHeader(5, 6), Buffer.from(' world')]);
    socket.write(frame.subarray(0, 7));
    setTimeout(() => socket.write(frame.subarray(7)), 50);
    await until(() => store.appended.length === 2, 'two chunks');
    assert.deepEqual(store.appended, [
      [0, 'hello'],
      [5, ' world'],
    ]);
    await until(() => master.connections[0]!.reports.includes(11), 'a report of 11');
  });

  it('drops the connection when the master sends bytes at another offset than its log ends at, and connects again', async () => {
    const master = await fakeMaster();
    const store = slaveStore();
    await store.appendReplica(0, Buffer.from('0123456789'));
    const client = new HAClient(store, silentLogger);
    after(() => client.close());
    client.masterAt(master.address);
    client.start();
    await until(() => master.connections[0]?.reports[0] === 10, 'the first report');
    master.connections[0]!.socket.write(Buffer.concat([encodeTransferHeader(4, 2), Buffer.from('xx')]));
    await until(
      () => master.connections[0]!.socket.destroyed || master.connections[0]!.socket.readableEnded,
      'the drop',
    );
    await until(() => master.connections.length === 2, 'a new connection after 5 s', 8000);
    assert.equal(store.appended.length, 1);
  });
});
