import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** UPDATE_AND_CREATE_ACL_CONFIG (50): one account; topicPerms and groupPerms are comma lists. */
export const CreateAccessConfigRequestHeader = defineHeader('CreateAccessConfigRequestHeader', {
  accessKey: f.string,
  secretKey: f.opt.string,
  whiteRemoteAddress: f.opt.string,
  admin: f.opt.boolean,
  defaultTopicPerm: f.opt.string,
  defaultGroupPerm: f.opt.string,
  topicPerms: f.opt.string,
  groupPerms: f.opt.string,
});
export type CreateAccessConfigRequestHeader = HeaderOf<typeof CreateAccessConfigRequestHeader>;

/** DELETE_ACL_CONFIG (51). */
export const DeleteAccessConfigRequestHeader = defineHeader('DeleteAccessConfigRequestHeader', {
  accessKey: f.string,
});
export type DeleteAccessConfigRequestHeader = HeaderOf<typeof DeleteAccessConfigRequestHeader>;

/** UPDATE_GLOBAL_WHITE_ADDRS_CONFIG (53): a comma list; blank aclFileFullPath is plain_acl.yml. */
export const UpdateGlobalWhiteAddrsConfigRequestHeader = defineHeader('UpdateGlobalWhiteAddrsConfigRequestHeader', {
  globalWhiteAddrs: f.opt.string,
  aclFileFullPath: f.opt.string,
});
export type UpdateGlobalWhiteAddrsConfigRequestHeader = HeaderOf<typeof UpdateGlobalWhiteAddrsConfigRequestHeader>;

/** GET_BROKER_CLUSTER_ACL_INFO (52) response: versions as DataVersion JSON. */
export const GetBrokerAclConfigResponseHeader = defineHeader('GetBrokerAclConfigResponseHeader', {
  version: f.string,
  allAclFileVersion: f.opt.string,
  brokerName: f.string,
  brokerAddr: f.string,
  clusterName: f.string,
});
export type GetBrokerAclConfigResponseHeader = HeaderOf<typeof GetBrokerAclConfigResponseHeader>;
