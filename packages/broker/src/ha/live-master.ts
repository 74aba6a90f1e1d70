import { connect } from 'node:net';
import {
  createRequest,
  MASTER_ID,
  parseJavaJson,
  RequestCode,
  ResponseCode,
  type ClusterInfo,
} from '@rocketnest/protocol';
import type { RemotingClient } from '@rocketnest/remoting';

/** How long a probe waits for an old master to answer before taking it for gone. */
const PROBE_TIMEOUT_MS = 3000;

export interface MasterWhereabouts {
  brokerName: string;
  /** The NameServers to ask which master they list for brokerName. */
  namesrvs: readonly string[];
  /** Remoting addresses the master was last known at (the one this slave copied tables from). */
  remoting: readonly (string | undefined)[];
  /** The HA address this slave replicated from. */
  ha: string | undefined;
}

/**
 * Why a slave must not become the master of its brokerName, or undefined when it may: a
 * NameServer still lists a master (a broker is dropped when its connection closes, or 120 s after
 * its last registration), or an address the master was known at still answers. Never two masters
 * for one brokerName: when in doubt, refuse.
 */
export async function masterStillThere(client: RemotingClient, where: MasterWhereabouts): Promise<string | undefined> {
  const remoting = new Set(where.remoting.filter((a): a is string => a !== undefined));
  for (const namesrv of where.namesrvs) {
    let listed: string | undefined;
    try {
      const response = await client.invoke(namesrv, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), {
        timeoutMs: PROBE_TIMEOUT_MS,
      });
      if (response.code !== ResponseCode.SUCCESS) throw new Error(`${response.code} ${response.remark ?? ''}`);
      const info = parseJavaJson(response.body?.toString('utf8') ?? '{}') as ClusterInfo;
      listed = info.brokerAddrTable[where.brokerName]?.brokerAddrs[String(MASTER_ID)];
    } catch (error) {
      return `the NameServer at ${namesrv} did not say whether ${where.brokerName} has a master (${(error as Error).message}): promote once every NameServer answers`;
    }
    if (listed) {
      return `the NameServer at ${namesrv} still lists ${listed} as the master of ${where.brokerName}: stop that broker, or wait until the NameServer drops it (120 s after its last registration)`;
    }
  }
  for (const address of remoting) {
    if (await remotingAnswers(client, address)) {
      return `the master of ${where.brokerName} at ${address} still answers: stop it first (never two masters for one brokerName)`;
    }
  }
  if (where.ha && (await tcpAnswers(where.ha))) {
    return `the HA port ${where.ha} this slave replicated from still accepts connections: stop that master first (never two masters for one brokerName)`;
  }
  return undefined;
}

async function remotingAnswers(client: RemotingClient, address: string): Promise<boolean> {
  try {
    await client.invoke(address, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), { timeoutMs: PROBE_TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}

function tcpAnswers(address: string): Promise<boolean> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
