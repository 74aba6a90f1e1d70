import {
  compileSql92,
  decodeStoredMessage,
  propertyValue,
  SUB_ALL,
  type Sql92Selector,
  type SubscriptionData,
} from '@rocketnest/protocol';
import type { MessageFilter } from '@rocketnest/store';

/** RocketMQ's words when enablePropertyFilter is off, and what to do. */
export const SQL92_DISABLED =
  'The broker does not support consumer to filter message by SQL92: set enablePropertyFilter=true in broker.conf';

/** Expressions compiled once per text: pulls of one subscription repeat it. */
const compiled = new Map<string, Sql92Selector>();
const MAX_CACHED = 1024;

/** The SQL92 selector of an expression; a malformed one throws SelectorParseError. */
export function sqlSelector(expression: string): Sql92Selector {
  let selector = compiled.get(expression);
  if (!selector) {
    selector = compileSql92(expression);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(expression, selector);
  }
  return selector;
}

/**
 * What a subscription lets through. Tags: by the ConsumeQueue's tag hash code only, as RocketMQ's
 * broker does (clients compare the tag strings themselves). SQL92: every entry is read and the
 * expression evaluated on the record's properties (ExpressionMessageFilter, without the bloom
 * filter bitmap).
 */
export function messageFilter(subscription: SubscriptionData): MessageFilter {
  if (subscription.expressionType === 'SQL92') {
    const selector = sqlSelector(subscription.subString);
    return {
      isMatchedByConsumeQueue: () => true,
      // Looked up by name as the expression asks: most selectors read one or two properties.
      isMatchedByCommitLog: (record) => {
        const { properties } = decodeStoredMessage(record);
        return selector.matches((name) => propertyValue(properties, name));
      },
    };
  }
  const codes = new Set(subscription.codeSet ?? []);
  const all = subscription.subString === SUB_ALL || codes.size === 0;
  return { isMatchedByConsumeQueue: (code) => all || codes.has(code) };
}
