import { RequestCode } from '@rocketnest/protocol';

/**
 * Requests to a broker only an admin account may make. RocketMQ 4.9.4's list
 * (Permission.ADMIN_CODE) is the first five; it lets any signed account change the ACL itself,
 * read every secret key, reset another group's offsets or take over a broker, so those are
 * admin-only here too.
 */
export const BROKER_ADMIN_CODES: ReadonlySet<number> = new Set<number>([
  RequestCode.UPDATE_AND_CREATE_TOPIC,
  RequestCode.UPDATE_BROKER_CONFIG,
  RequestCode.DELETE_TOPIC_IN_BROKER,
  RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
  RequestCode.DELETE_SUBSCRIPTIONGROUP,
  RequestCode.UPDATE_AND_CREATE_ACL_CONFIG,
  RequestCode.DELETE_ACL_CONFIG,
  RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG,
  RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG,
  RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
  RequestCode.PROMOTE_TO_MASTER,
  // RocketNest's own: deleting files, or setting one group's offsets from another's, is an operator's decision.
  RequestCode.CLONE_GROUP_OFFSET,
  RequestCode.CLEAN_UNUSED_TOPIC,
  RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE,
  RequestCode.DELETE_EXPIRED_COMMITLOG,
  // Makes a consumer's listener run on any stored message, whatever the group's topics.
  RequestCode.CONSUME_MESSAGE_DIRECTLY,
]);

/**
 * Requests that change what a NameServer tells clients: who serves a topic, a broker's write
 * permission, KV config. RocketMQ 4.9.4's NameServer checks nothing; with aclEnable on ours,
 * these need an admin account (or a global white address) and every other request stays open.
 */
export const NAMESRV_ADMIN_CODES: ReadonlySet<number> = new Set<number>([
  RequestCode.REGISTER_BROKER,
  RequestCode.UNREGISTER_BROKER,
  RequestCode.WIPE_WRITE_PERM_OF_BROKER,
  RequestCode.ADD_WRITE_PERM_OF_BROKER,
  RequestCode.DELETE_TOPIC_IN_NAMESRV,
  RequestCode.REGISTER_TOPIC_IN_NAMESRV,
  RequestCode.PUT_KV_CONFIG,
  RequestCode.DELETE_KV_CONFIG,
  RequestCode.UPDATE_NAMESRV_CONFIG,
]);
