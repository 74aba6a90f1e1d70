import {
  createResponse,
  EndTransactionRequestHeader,
  ResponseCode,
  TransactionState,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { RequestContext } from '@rocketnest/remoting';
import type { BrokerContext } from '../broker-context.js';
import { EndTransactionError, type TransactionalMessageService } from '../transaction/transactional-message-service.js';

/** END_TRANSACTION (37): a producer commits or rolls back a half message; unknown is ignored. */
export function endTransaction(broker: BrokerContext, transactions: TransactionalMessageService) {
  return async (request: RemotingCommand, { connection }: RequestContext): Promise<RemotingCommand | null> => {
    if (broker.config.brokerRole === 'SLAVE') {
      return createResponse(request, ResponseCode.SLAVE_NOT_AVAILABLE, {
        remark: 'a slave broker does not end transactions: send END_TRANSACTION to the master',
      });
    }
    const header = EndTransactionRequestHeader.decode(request.extFields);
    if (header.commitOrRollback === TransactionState.UNKNOWN) return null;
    if (header.commitOrRollback !== TransactionState.COMMIT && header.commitOrRollback !== TransactionState.ROLLBACK) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `commitOrRollback must be 0, 8 or 12, got ${header.commitOrRollback}`,
      });
    }
    try {
      await transactions.end(header);
      return createResponse(request);
    } catch (error) {
      if (!(error instanceof EndTransactionError)) throw error;
      broker.logger.warn(
        `END_TRANSACTION of ${header.msgId} from ${connection.remoteAddress} (group ${header.producerGroup}): ${error.message}`,
      );
      return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: error.message });
    }
  };
}
