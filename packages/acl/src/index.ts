export { accessChecked } from './access-checked.js';
export { buildAccount, parseAclFile, type AclFileContent, type PlainAccessConfig } from './plain-acl-config.js';
export { PlainAccessValidator } from './plain-access-validator.js';
export { PlainPermissionManager, type DataVersion } from './plain-permission-manager.js';
export { BROKER_ADMIN_CODES, NAMESRV_ADMIN_CODES } from './admin-codes.js';
export { startAccessControl } from './access-control.js';
