import type { BrokerMember } from '@rocketnest/client';
import { html, lineChart, table, type Html } from '../html.js';

/** Brokers: role, address, version, TPS in and out, disk use, replication lag; a TPS chart per broker. */
export function clusterPage(brokers: BrokerMember[], history: Map<string, [number, number, number][]>): Html {
  const rows = brokers.map((b) => {
    const runtime = b.runtime ?? {};
    const first = (name: string) => runtime[name]?.split(' ')[0] ?? '';
    const disk = runtime['commitLogDiskRatio'] ? `${(Number(runtime['commitLogDiskRatio']) * 100).toFixed(1)}%` : '';
    return [
      b.cluster,
      b.brokerName,
      b.brokerId,
      b.address,
      b.error ? html`<span class="bad">unreachable: ${b.error}</span>` : b.role,
      runtime['brokerVersionDesc'],
      first('putTps'),
      first('getTransferedTps'),
      disk,
      b.brokerId > 0 ? `${b.replicationLagBytes ?? 0} bytes` : '',
    ];
  });
  const charts = [...history].map(([address, samples]) =>
    lineChart(`${address} messages/s`, [
      { name: 'in', points: samples.map(([t, tin]) => [t, tin]) },
      { name: 'out', points: samples.map(([t, , tout]) => [t, tout]) },
    ]),
  );
  return html`${table(['cluster', 'broker', 'id', 'address', 'role', 'version', 'TPS in', 'TPS out', 'disk used', 'replication lag'], rows, 'no broker is registered with the NameServers')}
    <h2>Traffic</h2>
    ${charts}`;
}
