import { isMap, isSeq, parseDocument, YAMLSeq, type Document } from 'yaml';
import { addressMatcher, type AddressMatcher } from './remote-address.js';
import { parsePermission, parseResourcePerms } from './permission.js';

/** An account as plain_acl.yml and the ACL admin requests give it (PlainAccessConfig.java). */
export interface PlainAccessConfig {
  accessKey: string;
  secretKey: string;
  whiteRemoteAddress?: string | undefined;
  admin: boolean;
  defaultTopicPerm?: string | undefined;
  defaultGroupPerm?: string | undefined;
  topicPerms: string[];
  groupPerms: string[];
}

/** What one ACL file says, read and checked. */
export interface AclFileContent {
  globalWhiteRemoteAddresses: string[];
  accounts: PlainAccessConfig[];
}

/** An account ready to check requests against: its patterns and permissions parsed. */
export interface PlainAccount {
  config: PlainAccessConfig;
  /** The file that holds it, which updates of it rewrite. */
  file: string;
  whiteRemoteAddress: AddressMatcher;
  defaultTopicPerm: number;
  defaultGroupPerm: number;
  /** Topics by name and groups by their retry topic, to their permission bits. */
  resourcePerms: Map<string, number>;
}

const MIN_KEY_LENGTH = 6;

/** A value YAML read as a number or boolean (secretKey: 12345678) is the text it was written as. */
function text(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return String(value);
}

function stringList(value: unknown, key: string): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${key} must be a list`);
  return value.map((entry) => String(entry));
}

/** Check an account as RocketMQ does before it keeps one, throwing what is wrong with it. */
export function checkAccount(config: PlainAccessConfig): void {
  if (!config.accessKey || config.accessKey.length < MIN_KEY_LENGTH) {
    throw new Error(`The accessKey=${config.accessKey} cannot be null and length should longer than 6`);
  }
  if (!config.secretKey || config.secretKey.length < MIN_KEY_LENGTH) {
    throw new Error(`The secretKey=${config.secretKey} value length should longer than 6`);
  }
}

function readAccount(raw: unknown, index: number): PlainAccessConfig {
  if (typeof raw !== 'object' || raw === null) throw new Error(`accounts[${index}] must be a map of settings`);
  const entry = raw as Record<string, unknown>;
  const config: PlainAccessConfig = {
    accessKey: text(entry['accessKey']) ?? '',
    secretKey: text(entry['secretKey']) ?? '',
    whiteRemoteAddress: text(entry['whiteRemoteAddress']),
    admin: entry['admin'] === true || entry['admin'] === 'true',
    defaultTopicPerm: text(entry['defaultTopicPerm']),
    defaultGroupPerm: text(entry['defaultGroupPerm']),
    topicPerms: stringList(entry['topicPerms'], `accounts[${index}].topicPerms`),
    groupPerms: stringList(entry['groupPerms'], `accounts[${index}].groupPerms`),
  };
  try {
    checkAccount(config);
  } catch (error) {
    throw new Error(`accounts[${index}]: ${(error as Error).message}`, { cause: error });
  }
  return config;
}

/** Read the text of an ACL file; throws what is wrong and where, never half-reads. */
export function parseAclFile(source: string): AclFileContent {
  const document = parseDocument(source);
  if (document.errors.length > 0) throw new Error(`not YAML: ${document.errors[0]!.message}`);
  let data: Record<string, unknown>;
  try {
    // An alias without its anchor (*name) passes the parse and fails here, as a ReferenceError.
    data = (document.toJS() ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`not YAML: ${(error as Error).message}`, { cause: error });
  }
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error('must be a map with accounts');
  const accounts = data['accounts'] ?? [];
  if (!Array.isArray(accounts)) throw new Error('accounts must be a list');
  return {
    globalWhiteRemoteAddresses: stringList(data['globalWhiteRemoteAddresses'], 'globalWhiteRemoteAddresses'),
    accounts: accounts.map(readAccount),
  };
}

/** The account's patterns and permissions parsed; throws naming what cannot be read. */
export function buildAccount(config: PlainAccessConfig, file: string): PlainAccount {
  const resourcePerms = new Map([
    ...parseResourcePerms(config.topicPerms, 'topic'),
    ...parseResourcePerms(config.groupPerms, 'group'),
  ]);
  return {
    config,
    file,
    whiteRemoteAddress: addressMatcher(config.whiteRemoteAddress),
    defaultTopicPerm: parsePermission(config.defaultTopicPerm),
    defaultGroupPerm: parsePermission(config.defaultGroupPerm),
    resourcePerms,
  };
}

/** The accounts list of a document, made if missing. */
function accountsOf(document: Document): YAMLSeq {
  const accounts = document.get('accounts');
  if (isSeq(accounts)) return accounts;
  const created = new YAMLSeq();
  document.set('accounts', created);
  return created;
}

function indexOfAccount(accounts: YAMLSeq, accessKey: string): number {
  return accounts.items.findIndex((item) => isMap(item) && text(item.get('accessKey')) === accessKey);
}

/**
 * The file's text with the account added or replaced, keeping the rest (and its comments) as
 * written. Unset settings are left out, as RocketMQ writes them.
 */
export function withAccount(source: string, config: PlainAccessConfig): string {
  const document = parseDocument(source);
  const accounts = accountsOf(document);
  const entry: Record<string, unknown> = { accessKey: config.accessKey, secretKey: config.secretKey };
  if (config.whiteRemoteAddress) entry['whiteRemoteAddress'] = config.whiteRemoteAddress;
  entry['admin'] = config.admin;
  if (config.defaultTopicPerm) entry['defaultTopicPerm'] = config.defaultTopicPerm;
  if (config.defaultGroupPerm) entry['defaultGroupPerm'] = config.defaultGroupPerm;
  if (config.topicPerms.length > 0) entry['topicPerms'] = config.topicPerms;
  if (config.groupPerms.length > 0) entry['groupPerms'] = config.groupPerms;
  const node = document.createNode(entry);
  const at = indexOfAccount(accounts, config.accessKey);
  if (at >= 0) accounts.items[at] = node;
  else accounts.items.push(node);
  return document.toString();
}

/** The file's text without the account, or undefined when it holds none by that key. */
export function withoutAccount(source: string, accessKey: string): string | undefined {
  const document = parseDocument(source);
  const accounts = accountsOf(document);
  const at = indexOfAccount(accounts, accessKey);
  if (at < 0) return undefined;
  accounts.items.splice(at, 1);
  return document.toString();
}

/** The file's text with its globalWhiteRemoteAddresses replaced. */
export function withGlobalWhiteAddresses(source: string, addresses: string[]): string {
  const document = parseDocument(source);
  document.set('globalWhiteRemoteAddresses', document.createNode(addresses));
  return document.toString();
}
