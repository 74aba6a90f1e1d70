import { SUB_ALL, type SubscriptionData } from '@rocketnest/protocol';
import type { MessageFilter } from '@rocketnest/store';

/**
 * The ConsumeQueue filter of a tag subscription: by tag hash code only, as RocketMQ's broker
 * does (clients compare the tag strings themselves).
 */
export function tagFilter(subscription: SubscriptionData): MessageFilter {
  const codes = new Set(subscription.codeSet ?? []);
  const all = subscription.subString === SUB_ALL || codes.size === 0;
  return { isMatchedByConsumeQueue: (code) => all || codes.has(code) };
}
