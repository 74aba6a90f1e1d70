import { createResponse, ResponseCode } from '@rocketnest/protocol';
import type { RequestProcessor } from '@rocketnest/remoting';
import type { PlainAccessValidator } from './plain-access-validator.js';

/**
 * The processor behind an ACL check, as RocketMQ's broker runs its validator as an RPC hook
 * before every processor: a refused request gets SYSTEM_ERROR with the reason as remark, as
 * 4.9.4 answers (its remark is the AclException's text), and never reaches the processor.
 */
export function accessChecked(validator: PlainAccessValidator, processor: RequestProcessor): RequestProcessor {
  return (request, context) => {
    const refusal = validator.refusal(request, context.connection.remoteHost);
    if (refusal === undefined) return processor(request, context);
    return createResponse(request, ResponseCode.SYSTEM_ERROR, {
      remark: `org.apache.rocketmq.acl.common.AclException: ${refusal}`,
    });
  };
}
