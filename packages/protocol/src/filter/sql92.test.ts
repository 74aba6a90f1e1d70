import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSql92, SelectorParseError } from './sql92.js';

const matches = (expression: string, properties: Record<string, string>) =>
  compileSql92(expression).matches(new Map(Object.entries(properties)));

describe('SQL92 selector', () => {
  it('compares strings and numbers, with RocketMQ’s conversions', () => {
    const woman = { sex: 'female', age: '30', name: "o'hara" };
    assert.equal(matches("sex = 'female' AND age >= 18", woman), true);
    assert.equal(matches("sex = 'female' AND age >= 31", woman), false);
    assert.equal(matches("name = 'o''hara'", woman), true);
    assert.equal(matches('age > 29.5 AND age < 3.1e1', woman), true);
    assert.equal(matches('age <> 30', woman), false);
    assert.equal(matches('age = 30L', woman), true);
    assert.equal(matches('sex > 1', woman), false, 'a string that is not a number: not matched');
    assert.equal(matches("age > '7'", woman), true, 'two strings compare as numbers');
    assert.equal(matches('age > -5', woman), true);
    assert.equal(matches('-age < -29', woman), false, 'a property is a string: negating it is unknown');
  });

  it('supports BETWEEN, IN, IS NULL, NOT, TRUE and FALSE, and comments', () => {
    const order = { region: 'eu', amount: '120', vip: 'true' };
    assert.equal(matches('amount BETWEEN 100 AND 200', order), true);
    assert.equal(matches('amount NOT BETWEEN 100 AND 200', order), false);
    assert.equal(matches("region IN ('eu', 'us')", order), true);
    assert.equal(matches("region NOT IN ('eu', 'us')", order), false);
    assert.equal(matches('coupon IS NULL AND region IS NOT NULL', order), true);
    assert.equal(matches('vip = TRUE', order), true);
    assert.equal(matches('NOT (vip = FALSE) -- a comment', order), true);
    assert.equal(matches('/* block */ TRUE', order), true);
    assert.equal(matches('true and FALSE or True', order), true, 'keywords in any case');
  });

  it('treats a missing property as unknown: only an exactly TRUE expression matches', () => {
    assert.equal(matches('missing > 1', {}), false);
    assert.equal(matches('NOT (missing > 1)', {}), false, 'NOT unknown is unknown');
    assert.equal(matches('missing > 1 OR TRUE', {}), true);
    assert.equal(matches('missing > 1 AND FALSE', {}), false);
    assert.equal(matches("missing IN ('a')", {}), false);
    assert.equal(matches("missing NOT IN ('a')", {}), false);
    assert.equal(matches('missing = NULL', {}), true, 'both null are equal');
    assert.equal(matches("missing = 'x'", {}), false);
    assert.equal(matches("NOT (missing = 'x')", {}), false, 'left null is unknown');
  });

  it('refuses malformed expressions with the position of the error', () => {
    const error = (expression: string) => {
      try {
        compileSql92(expression);
      } catch (thrown) {
        assert.ok(thrown instanceof SelectorParseError);
        return thrown;
      }
      assert.fail(`"${expression}" was accepted`);
    };
    const missing = error("sex = 'female' AND");
    assert.equal(missing.position, 19);
    assert.match(
      missing.message,
      /expected a property, a literal or "\(" but found end of expression at line 1, column 19/,
    );
    assert.equal(error('age >= 18 18').column, 11);
    assert.match(error("sex = 'female").message, /unterminated string literal at line 1, column 7/);
    assert.match(error('a IN (1, 2)').message, /expected a string literal but found "1"/);
    assert.match(error("'x' IN ('a')").message, /IN needs a property name/);
    assert.match(error('a BETWEEN 5 AND 1').message, /lower bound is above the upper/);
    assert.match(error('a = 007').message, /not a decimal number/);
    assert.match(error('a # 1').message, /unexpected character "#" at line 1, column 3/);
    assert.match(error('').message, /expected an expression/);
    assert.equal(error('a = 1\nAND (b').line, 2);
  });
});
