import { after } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { createRequest, type RemotingCommand } from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { NamesrvController } from '../namesrv-controller.js';
import type { NamesrvConfig } from '../namesrv-config.js';

/** A NameServer on 127.0.0.1 and a free port, and a client to send it raw requests; both stop after the test. */
export async function startTestNamesrv(config: Partial<NamesrvConfig> = {}) {
  const namesrv = new NamesrvController(
    { listenPort: 0, bindAddress: '127.0.0.1', ...config },
    { logger: silentLogger, remotingLogger: silentLogger },
  );
  await namesrv.start();
  const client = new RemotingClient({ logger: silentLogger });
  after(async () => {
    client.close();
    await namesrv.shutdown();
  });
  const call = (code: number, extFields: Record<string, string> = {}, body?: Buffer): Promise<RemotingCommand> =>
    client.invoke(namesrv.address, createRequest(code, { extFields, body }), { timeoutMs: 5000 });
  return { namesrv, client, call };
}

/** A response's JSON body. */
export function json<T>(response: RemotingCommand): T {
  return JSON.parse(response.body!.toString('utf8')) as T;
}
