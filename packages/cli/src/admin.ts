import { parseArgs } from 'node:util';
import { Admin } from '@rocketnest/client';
import { connectionOptions, credentialsFrom, tlsFrom } from './connection-options.js';

export const ADMIN_USAGE = `  rocketnest admin promote -n host:port -b slave-host:port [--role ASYNC_MASTER|SYNC_MASTER]
      the slave becomes the master of its brokerName (brokerId 0) once its master is lost for
      good; refused while a NameServer lists a master for that brokerName or the old one answers`;

/** `rocketnest admin <command> ...` */
export async function runAdmin(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== 'promote') throw new Error(`unknown admin command "${command ?? ''}"; usage:\n${ADMIN_USAGE}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      namesrvAddr: { type: 'string', short: 'n', default: process.env['NAMESRV_ADDR'] },
      brokerAddr: { type: 'string', short: 'b' },
      role: { type: 'string', default: 'ASYNC_MASTER' },
      ...connectionOptions,
    },
    strict: true,
  });
  if (!values.brokerAddr) throw new Error(`promote needs the slave's address: -b host:port\n${ADMIN_USAGE}`);
  if (values.role !== 'ASYNC_MASTER' && values.role !== 'SYNC_MASTER') {
    throw new Error(`--role must be ASYNC_MASTER or SYNC_MASTER, got "${values.role}"`);
  }
  if (!values.namesrvAddr)
    throw new Error(`give the NameServers: -n host:port[;host:port] or NAMESRV_ADDR\n${ADMIN_USAGE}`);
  const admin = new Admin({
    namesrvAddr: values.namesrvAddr,
    credentials: credentialsFrom(values),
    tls: tlsFrom(values),
  });
  try {
    console.log(await admin.promoteToMaster(values.brokerAddr, values.role));
  } finally {
    await admin.shutdown();
  }
}
