import {
  createResponse,
  CreateAccessConfigRequestHeader,
  DeleteAccessConfigRequestHeader,
  encodeJsonBody,
  GetBrokerAclConfigResponseHeader,
  ResponseCode,
  UpdateGlobalWhiteAddrsConfigRequestHeader,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';
import type { PlainPermissionManager } from '@rocketnest/acl';

/** The ACL admin requests of 4.9's AdminBrokerProcessor, which mqadmin's ACL commands send. */

const NOT_ENABLED = 'The broker does not enable acl: set aclEnable=true in broker.conf to manage accounts';

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** Run change against the ACL, answering failedCode with what went wrong (the file is untouched then). */
function change(
  broker: BrokerContext,
  request: RemotingCommand,
  failedCode: number,
  change: (acl: PlainPermissionManager) => void,
): RemotingCommand {
  if (!broker.acl) return createResponse(request, failedCode, { remark: NOT_ENABLED });
  try {
    change(broker.acl);
  } catch (error) {
    return createResponse(request, failedCode, { remark: (error as Error).message });
  }
  return createResponse(request, ResponseCode.SUCCESS);
}

/** UPDATE_AND_CREATE_ACL_CONFIG (50): add or replace an account (mqadmin updateAclConfig). */
export function updateAclConfig(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const header = CreateAccessConfigRequestHeader.decode(request.extFields);
    return change(broker, request, ResponseCode.UPDATE_AND_CREATE_ACL_CONFIG_FAILED, (acl) =>
      acl.updateAccount({
        accessKey: header.accessKey,
        secretKey: header.secretKey ?? '',
        whiteRemoteAddress: header.whiteRemoteAddress,
        admin: header.admin ?? false,
        defaultTopicPerm: header.defaultTopicPerm,
        defaultGroupPerm: header.defaultGroupPerm,
        topicPerms: commaList(header.topicPerms),
        groupPerms: commaList(header.groupPerms),
      }),
    );
  };
}

/** DELETE_ACL_CONFIG (51) (mqadmin deleteAclConfig). */
export function deleteAclConfig(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { accessKey } = DeleteAccessConfigRequestHeader.decode(request.extFields);
    return change(broker, request, ResponseCode.DELETE_ACL_CONFIG_FAILED, (acl) => acl.deleteAccount(accessKey));
  };
}

/** UPDATE_GLOBAL_WHITE_ADDRS_CONFIG (53) (mqadmin updateGlobalWhiteAddr). */
export function updateGlobalWhiteAddrs(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const header = UpdateGlobalWhiteAddrsConfigRequestHeader.decode(request.extFields);
    return change(broker, request, ResponseCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED, (acl) =>
      acl.updateGlobalWhiteAddresses(commaList(header.globalWhiteAddrs), header.aclFileFullPath || undefined),
    );
  };
}

/** GET_BROKER_CLUSTER_ACL_INFO (52): the ACL files' versions (mqadmin clusterAclConfigVersion). */
export function getBrokerAclInfo(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    if (!broker.acl) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: NOT_ENABLED });
    const extFields = GetBrokerAclConfigResponseHeader.encode({
      version: JSON.stringify(broker.acl.version()),
      allAclFileVersion: JSON.stringify(broker.acl.allVersions()),
      brokerName: broker.config.brokerName,
      brokerAddr: broker.storeHost,
      clusterName: broker.config.brokerClusterName,
    });
    return createResponse(request, ResponseCode.SUCCESS, { extFields });
  };
}

/** GET_BROKER_CLUSTER_ACL_CONFIG (54): every account and white address (mqadmin getAclConfig; admin only). */
export function getBrokerAclConfig(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    if (!broker.acl) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: NOT_ENABLED });
    return createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody(broker.acl.allConfig()) });
  };
}
