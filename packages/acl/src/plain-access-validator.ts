import {
  AclField,
  aclSignature,
  aclSignedContent,
  decodeHeartbeatData,
  RequestCode,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { checkPermission, describeResource, groupResource, isGroupResource, Permission } from './permission.js';
import type { PlainPermissionManager } from './plain-permission-manager.js';

const TRACE_TOPIC = 'RMQ_SYS_TRACE_TOPIC';

/**
 * The topics and groups (as retry topics) a request touches, with the permission each needs
 * (PlainAccessValidator.parse). Sends to a retry topic need SUB on the sending group instead of
 * PUB on the topic. Batch sends, replies and offset queries are checked here as well, which
 * 4.9.4 leaves to the signature alone.
 */
export function neededPermissions(request: RemotingCommand): Map<string, number> {
  const fields = request.extFields;
  const needed = new Map<string, number>();
  const add = (resource: string | undefined, perm: number): void => {
    if (resource) needed.set(resource, perm);
  };
  const group = (name: string | undefined): string | undefined => name && groupResource(name);
  const send = (topic: string | undefined, producerGroup: string | undefined): void => {
    if (topic && isGroupResource(topic)) add(group(producerGroup), Permission.SUB);
    else add(topic, Permission.PUB);
  };
  switch (request.code) {
    case RequestCode.SEND_MESSAGE:
    case RequestCode.SEND_REPLY_MESSAGE:
      send(fields['topic'], fields['producerGroup']);
      break;
    case RequestCode.SEND_MESSAGE_V2:
    case RequestCode.SEND_BATCH_MESSAGE:
    case RequestCode.SEND_REPLY_MESSAGE_V2:
      send(fields['b'], fields['a']);
      break;
    case RequestCode.CONSUMER_SEND_MSG_BACK:
      add(group(fields['group']), Permission.SUB);
      break;
    case RequestCode.PULL_MESSAGE:
      add(fields['topic'], Permission.SUB);
      add(group(fields['consumerGroup']), Permission.SUB);
      break;
    case RequestCode.QUERY_MESSAGE:
      add(fields['topic'], Permission.SUB);
      break;
    case RequestCode.HEART_BEAT:
      for (const consumer of decodeHeartbeatData(request.body).consumerDataSet ?? []) {
        add(group(consumer.groupName), Permission.SUB);
        for (const subscription of consumer.subscriptionDataSet ?? []) add(subscription.topic, Permission.SUB);
      }
      break;
    case RequestCode.UNREGISTER_CLIENT:
    case RequestCode.GET_CONSUMER_LIST_BY_GROUP:
      add(group(fields['consumerGroup']), Permission.SUB);
      break;
    case RequestCode.UPDATE_CONSUMER_OFFSET:
    case RequestCode.QUERY_CONSUMER_OFFSET:
      add(group(fields['consumerGroup']), Permission.SUB);
      add(fields['topic'], Permission.SUB);
      break;
  }
  return needed;
}

/**
 * Checks each request against the accounts, in RocketMQ's order (PlainPermissionManager.validate):
 * a globally white address passes; else the request must name a known AccessKey; an account's
 * own white address passes; else the signature must match and the account must hold every
 * permission the request needs.
 */
export class PlainAccessValidator {
  /** adminCodes: the request codes only an admin account may send (BROKER_ADMIN_CODES, NAMESRV_ADMIN_CODES). */
  constructor(
    private readonly accounts: PlainPermissionManager,
    private readonly adminCodes: ReadonlySet<number>,
  ) {}

  /** Why the request is refused (RocketMQ's words, then what to do), or undefined if allowed. */
  refusal(request: RemotingCommand, host: string): string | undefined {
    if (this.accounts.inGlobalWhiteList(host)) return undefined;
    const accessKey = request.extFields[AclField.ACCESS_KEY];
    if (accessKey === undefined) {
      return `No accessKey is configured: this broker has ACL on; sign requests with an account of its plain_acl.yml (accessKey and secretKey)`;
    }
    const account = this.accounts.account(accessKey);
    if (!account) return `No acl config for ${accessKey}: the broker's ACL files have no such account`;
    if (account.whiteRemoteAddress(host)) return undefined;
    let needed: Map<string, number>;
    try {
      needed = neededPermissions(request);
    } catch (error) {
      return `the request cannot be checked: ${(error as Error).message}`;
    }
    const expected = aclSignature(aclSignedContent(request.extFields, request.body), account.config.secretKey);
    if (request.extFields[AclField.SIGNATURE] !== expected) {
      return `Check signature failed for accessKey=${accessKey}: the request was not signed with this account's secretKey, or was changed after signing`;
    }
    if (this.adminCodes.has(request.code) && !account.config.admin) {
      return `Need admin permission for request code=${request.code}, but accessKey=${accessKey} is not admin`;
    }
    // Trace data may always be written by a signed client, as RocketMQ allows.
    if (needed.size === 1 && needed.get(TRACE_TOPIC) === Permission.PUB) return undefined;
    if (account.config.admin && account.resourcePerms.size === 0) return undefined;
    for (const [resource, perm] of needed) {
      const owned =
        account.resourcePerms.get(resource) ??
        (isGroupResource(resource) ? account.defaultGroupPerm : account.defaultTopicPerm);
      if (!checkPermission(perm, owned)) {
        return `No default permission for ${describeResource(resource)}: accessKey=${accessKey} needs ${perm === Permission.PUB ? 'PUB' : 'SUB'} on it`;
      }
    }
    return undefined;
  }
}
