import type { Admin } from './admin.js';

/** One broker of the cluster (Admin.brokers). */
export interface BrokerMember {
  cluster: string;
  brokerName: string;
  brokerId: number;
  address: string;
  /** ASYNC_MASTER, SYNC_MASTER or SLAVE (MASTER or SLAVE for brokers that do not say). */
  role?: string;
  maxOffset?: number;
  /** For a slave, bytes of its master's CommitLog it does not have yet; 0 for a master. */
  replicationLagBytes?: number;
  /** Why it did not answer. */
  error?: string;
  /** Its GET_BROKER_RUNTIME_INFO table (brokerVersionDesc, putTps, getTransferedTps, commitLogDiskRatio...). */
  runtime?: Record<string, string>;
}

/**
 * Every broker the NameServer lists, masters and slaves, with its role and how far its CommitLog
 * is behind its master's (replication lag in bytes; 0 for a master). A broker that does not
 * answer is listed with the error.
 */
export async function brokerMembers(admin: Admin): Promise<BrokerMember[]> {
  const info = await admin.clusterInfo();
  const members: BrokerMember[] = [];
  for (const [brokerName, data] of Object.entries(info.brokerAddrTable).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const ids = Object.keys(data.brokerAddrs)
      .map(Number)
      .sort((a, b) => a - b);
    const answers = await Promise.all(
      ids.map((id) => admin.brokerRuntimeInfo(data.brokerAddrs[String(id)]!).catch((error: unknown) => error as Error)),
    );
    const master = answers[ids.indexOf(0)];
    const masterEnd = master && !(master instanceof Error) ? Number(master['commitLogMaxOffset']) : undefined;
    for (const [i, brokerId] of ids.entries()) {
      const answer = answers[i]!;
      const member = { cluster: data.cluster, brokerName, brokerId, address: data.brokerAddrs[String(brokerId)]! };
      if (answer instanceof Error) {
        members.push({ ...member, error: answer.message });
        continue;
      }
      const maxOffset = Number(answer['commitLogMaxOffset']);
      members.push({
        ...member,
        // RocketMQ's brokers do not say their role: a brokerId above 0 is a slave.
        role: answer['brokerRole'] ?? (brokerId === 0 ? 'MASTER' : 'SLAVE'),
        maxOffset,
        replicationLagBytes: brokerId === 0 || masterEnd === undefined ? 0 : Math.max(0, masterEnd - maxOffset),
        runtime: answer,
      });
    }
  }
  return members;
}
