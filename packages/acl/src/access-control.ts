import type { Logger } from '@rocketnest/common';
import { exposureWarning } from '@rocketnest/remoting';
import type { PlainPermissionManager } from './plain-permission-manager.js';

/**
 * Once a server listens: with ACL on, keep its accounts current; without, say loudly when it is
 * bound beyond loopback, and what anyone who reaches it can do (anyoneCan).
 */
export function startAccessControl(
  acl: PlainPermissionManager | undefined,
  logger: Logger,
  listening: { host: string; port: number; anyoneCan: string },
): void {
  if (acl) return acl.start();
  const exposed = exposureWarning(listening.host, listening.port, listening.anyoneCan);
  if (exposed) logger.warn(exposed);
}
