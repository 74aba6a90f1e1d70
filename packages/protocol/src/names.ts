import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from './message/system-topics.js';
import { ProtocolError } from './protocol-error.js';

/**
 * RocketMQ's rules for the names of topics and groups (TopicValidator, Validators.checkGroup):
 * one to 127 (topics) or 255 (groups) of the characters [%|a-zA-Z0-9_-]. Topics and groups
 * become directory names in the store and keys in its config files, so these rules keep a name
 * from the network from ever naming anything but itself: no "/", "\", "." or control character
 * gets through. Each check answers why a name is refused, or undefined when it is fine.
 */

/** Longest plain topic name (TopicValidator.TOPIC_MAX_LENGTH; one signed byte in a V1 record). */
export const TOPIC_MAX_LENGTH = 127;
/** Longest group name (Validators.CHARACTER_MAX_LENGTH). */
export const GROUP_MAX_LENGTH = 255;
/**
 * Longest %RETRY% or %DLQ% topic (RocketMQ 5's limit, and the longest file name): the topics of
 * a group whose name is longer than 248 characters do not fit.
 */
export const GROUP_TOPIC_MAX_LENGTH = 255;

const RULE = "only letters, digits, '%', '|', '-' and '_' (RocketMQ's ^[%|a-zA-Z0-9_-]+$)";

const allowed = new Uint8Array(128);
for (const range of ['09', 'AZ', 'az']) {
  for (let code = range.charCodeAt(0); code <= range.charCodeAt(1); code++) allowed[code] = 1;
}
for (const character of '%|-_') allowed[character.charCodeAt(0)] = 1;

/** A name as a remark may show it: quoted with control characters escaped, and cut short. */
export function quoteName(name: string): string {
  return JSON.stringify(name.length > 48 ? `${name.slice(0, 48)}...` : name);
}

function nameProblem(what: string, name: unknown, maxLength: number, why = "RocketMQ's limit"): string | undefined {
  if (typeof name !== 'string') return `the ${what} name must be a string, got ${typeof name}`;
  const length = name.length;
  if (length === 0) return `the ${what} name is empty`;
  for (let i = 0; i < length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 128 || allowed[code] === 0) {
      return `the ${what} name ${quoteName(name)} has ${JSON.stringify(name[i])} at position ${i}: ${what} names may have ${RULE}`;
    }
  }
  if (length > maxLength) {
    return `the ${what} name ${quoteName(name)} is ${length} characters long; ${what} names may have at most ${maxLength} (${why})`;
  }
  return undefined;
}

/**
 * Names found valid lately, by kind. Requests carry the same few names over and over, and a
 * set lookup costs a fraction of walking the name's characters, on the path every send takes.
 * Only valid names are kept, at most 4096 of each kind.
 */
const validGroups = new Set<string>();
const validTopics = new Set<string>();

function remember(valid: Set<string>, name: string): undefined {
  if (valid.size >= 4096) valid.clear();
  valid.add(name);
  return undefined;
}

/** Why a consumer or producer group name is refused, or undefined. */
export function groupNameProblem(group: unknown): string | undefined {
  if (typeof group === 'string' && validGroups.has(group)) return undefined;
  return nameProblem('group', group, GROUP_MAX_LENGTH) ?? remember(validGroups, group as string);
}

/**
 * Why a topic name is refused, or undefined. A %RETRY% or %DLQ% topic is valid when the rest of
 * it is a valid group name and the whole fits a file name (as RocketMQ 5 allows up to 255).
 */
export function topicNameProblem(topic: unknown): string | undefined {
  if (typeof topic === 'string') {
    if (validTopics.has(topic)) return undefined;
    const prefix = topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)
      ? RETRY_GROUP_TOPIC_PREFIX
      : topic.startsWith(DLQ_GROUP_TOPIC_PREFIX)
        ? DLQ_GROUP_TOPIC_PREFIX
        : undefined;
    if (prefix) {
      const groupProblem = groupNameProblem(topic.slice(prefix.length));
      if (groupProblem) return `the topic name ${quoteName(topic)} is not ${prefix} and a group name: ${groupProblem}`;
      const why = `a file name's limit: the group of a ${prefix} topic may have at most ${GROUP_TOPIC_MAX_LENGTH - prefix.length}`;
      return nameProblem('topic', topic, GROUP_TOPIC_MAX_LENGTH, why) ?? remember(validTopics, topic);
    }
  }
  return nameProblem('topic', topic, TOPIC_MAX_LENGTH) ?? remember(validTopics, topic as string);
}

/**
 * Why a broker or cluster name is refused, or undefined: a broker makes a topic of each (RocketMQ's
 * broker and cluster topics), so they follow the rule of topic names.
 */
export function brokerNameProblem(name: unknown, what: 'broker' | 'cluster'): string | undefined {
  return nameProblem(what, name, TOPIC_MAX_LENGTH);
}

/**
 * Why a broker address is refused, or undefined: "host:port" with a host name, an IPv4 address
 * or a bracketed IPv6 address, and a port of 1 to 65535 in decimal digits.
 */
export function brokerAddressProblem(address: unknown): string | undefined {
  if (typeof address !== 'string') return `the address must be a string "host:port", got ${typeof address}`;
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = address.slice(at + 1);
  const hostOk = /^\[[0-9a-fA-F:.]+\]$/.test(host) || /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,252}[a-zA-Z0-9])?$/.test(host);
  if (at <= 0 || !hostOk || !/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return `the address ${quoteName(address)} is not host:port (a host name or IP address, and a port of 1 to 65535)`;
  }
  return undefined;
}

/**
 * Check a topic or group name found in a request body: a name that breaks its rule throws a
 * ProtocolError that says where it was found (`HeartbeatData.consumerDataSet[0].groupName`).
 */
export function checkBodyName(kind: 'topic' | 'group', name: unknown, where: string): void {
  const problem = kind === 'topic' ? topicNameProblem(name) : groupNameProblem(name);
  if (problem) throw new ProtocolError('BODY_FIELD_INVALID', `${where}: ${problem}`, where);
}
