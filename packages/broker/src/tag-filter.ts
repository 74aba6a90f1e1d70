import { tagsCode, type SubscriptionData } from '@rocketnest/protocol';
import type { MessageFilter } from '@rocketnest/store';

/** '*' or an empty expression: every message. */
export const SUB_ALL = '*';

/** The tags of a TAG expression ('TagA || TagB'); empty for '*'. */
export function parseTags(expression: string): string[] {
  const text = expression.trim();
  if (text === '' || text === SUB_ALL) return [];
  return text
    .split('||')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/** A subscription built from a pull request's own expression (PullSysFlag.SUBSCRIPTION). */
export function subscriptionOf(topic: string, expression: string, subVersion: number): SubscriptionData {
  const tags = parseTags(expression);
  return {
    topic,
    subString: tags.length === 0 ? SUB_ALL : expression,
    tagsSet: tags,
    codeSet: tags.map((tag) => tagsCode(tag)),
    subVersion,
    expressionType: 'TAG',
  };
}

/**
 * The ConsumeQueue filter of a tag subscription: by tag hash code only, as RocketMQ's broker
 * does (clients compare the tag strings themselves).
 */
export function tagFilter(subscription: SubscriptionData): MessageFilter {
  const codes = new Set(subscription.codeSet ?? []);
  const all = subscription.subString === SUB_ALL || codes.size === 0;
  return { isMatchedByConsumeQueue: (code) => all || codes.has(code) };
}
