import { createResponse, PromoteToMasterRequestHeader, ResponseCode, type RemotingCommand } from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';

const MASTER_ROLES = ['ASYNC_MASTER', 'SYNC_MASTER'] as const;

/**
 * PROMOTE_TO_MASTER (RocketNest's own): a slave whose master is lost for good becomes the master
 * of its brokerName. The answer's remark says what was done, or why it was refused.
 */
export function promoteToMaster(broker: BrokerContext) {
  return async (request: RemotingCommand): Promise<RemotingCommand> => {
    const { brokerRole } = PromoteToMasterRequestHeader.decode(request.extFields);
    const role = MASTER_ROLES.find((r) => r === brokerRole);
    if (!role) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `brokerRole must be ASYNC_MASTER or SYNC_MASTER, got "${brokerRole}"`,
      });
    }
    try {
      return createResponse(request, ResponseCode.SUCCESS, { remark: await broker.promoteToMaster(role) });
    } catch (error) {
      broker.logger.warn(`promotion refused: ${(error as Error).message}`);
      return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: (error as Error).message });
    }
  };
}
