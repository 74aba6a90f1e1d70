/**
 * RocketMQ's SQL92 message selector (filter/.../parser/SelectorParser.jj, 4.9 grammar): parsed
 * once into a tree, evaluated on a message's properties with SQL's three-valued logic. A message
 * matches only when the expression is exactly TRUE; an evaluation error (a property that is not a
 * number compared with one) means "not matched", never a failure.
 */

/** A malformed expression: what was expected, what was found, and where (1-based). */
export class SelectorParseError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} at line ${line}, column ${column}`);
  }
}

type Value = string | number | boolean | null;
/** TRUE, FALSE or unknown (null). */
type Truth = boolean | null;
type Properties = (name: string) => string | undefined;

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'property'; name: string }
  | { kind: 'negate'; operand: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; op: '=' | '<>' | '>' | '>=' | '<' | '<='; left: Node; right: Node }
  | { kind: 'isNull'; operand: Node; negated: boolean }
  | { kind: 'in'; name: string; values: Set<string>; negated: boolean };

interface Token {
  type: 'string' | 'number' | 'identifier' | 'keyword' | 'symbol' | 'end';
  text: string;
  value?: Value;
  start: number;
}

const KEYWORDS = new Set(['NOT', 'AND', 'OR', 'BETWEEN', 'IN', 'TRUE', 'FALSE', 'NULL', 'IS']);
const SYMBOLS = ['<>', '>=', '<=', '=', '>', '<', '(', ')', ',', '+', '-'];

function tokenize(text: string, fail: (reason: string, at: number) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (text.startsWith('--', i)) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment', i);
      i = end + 2;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = '';
      for (i++; ; i++) {
        if (i >= text.length) fail('unterminated string literal', start);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i++;
          } else break;
        } else value += text[i];
      }
      i++;
      tokens.push({ type: 'string', text: text.slice(start, i), value, start });
      continue;
    }
    const number = /^(?:(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?|0|[1-9]\d*)([lL])?/.exec(text.slice(i));
    if (number && /[\d.]/.test(c) && (c !== '.' || /\d/.test(text[i + 1] ?? ''))) {
      const literal = number[0];
      const isFloat = /[.eE]/.test(literal);
      if (!isFloat && /^0\d/.test(literal)) fail(`"${literal}" is not a decimal number`, start);
      i += literal.length;
      tokens.push({ type: 'number', text: literal, value: Number(literal.replace(/[lL]$/, '')), start });
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      while (i < text.length && /[A-Za-z0-9_$]/.test(text[i]!)) i++;
      const word = text.slice(start, i);
      const upper = word.toUpperCase();
      tokens.push(
        KEYWORDS.has(upper) ? { type: 'keyword', text: upper, start } : { type: 'identifier', text: word, start },
      );
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
    if (!symbol) fail(`unexpected character "${c}"`, start);
    i += symbol.length;
    tokens.push({ type: 'symbol', text: symbol, start });
  }
  tokens.push({ type: 'end', text: 'end of expression', start: text.length });
  return tokens;
}

class Parser {
  private index = 0;
  private readonly tokens: Token[];

  constructor(private readonly text: string) {
    this.tokens = tokenize(text, (reason, at) => this.fail(reason, at));
  }

  fail(reason: string, at: number): never {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new SelectorParseError(reason, at + 1, line, column);
  }

  private get token(): Token {
    return this.tokens[this.index]!;
  }

  private accept(text: string): boolean {
    const token = this.token;
    if ((token.type === 'keyword' || token.type === 'symbol') && token.text === text) {
      this.index++;
      return true;
    }
    return false;
  }

  private expect(text: string, what = `"${text}"`): void {
    if (!this.accept(text)) this.unexpected(what);
  }

  private unexpected(expected: string): never {
    const token = this.token;
    const found = token.type === 'end' ? token.text : `"${token.text}"`;
    this.fail(`expected ${expected} but found ${found}`, token.start);
  }

  parse(): Node {
    if (this.atEnd()) this.unexpected('an expression');
    const node = this.or();
    if (!this.atEnd()) this.unexpected('AND, OR or the end of the expression');
    return node;
  }

  private atEnd(): boolean {
    return this.token.type === 'end';
  }

  private or(): Node {
    let node = this.and();
    while (this.accept('OR')) node = { kind: 'or', left: node, right: this.and() };
    return node;
  }

  private and(): Node {
    let node = this.equality();
    while (this.accept('AND')) node = { kind: 'and', left: node, right: this.equality() };
    return node;
  }

  private equality(): Node {
    let node = this.comparison();
    for (;;) {
      if (this.accept('=')) node = { kind: 'compare', op: '=', left: node, right: this.comparison() };
      else if (this.accept('<>')) node = { kind: 'compare', op: '<>', left: node, right: this.comparison() };
      else if (this.accept('IS')) {
        const negated = this.accept('NOT');
        this.expect('NULL', 'NULL');
        node = { kind: 'isNull', operand: node, negated };
      } else return node;
    }
  }

  private comparison(): Node {
    let node = this.unary();
    for (;;) {
      const op = (['>=', '<=', '>', '<'] as const).find((symbol) => this.accept(symbol));
      if (op) {
        node = { kind: 'compare', op, left: node, right: this.unary() };
        continue;
      }
      const at = this.index;
      const negated = this.accept('NOT');
      if (this.accept('BETWEEN')) {
        const low = this.unary();
        this.expect('AND', 'AND');
        const high = this.unary();
        if (
          low.kind === 'literal' &&
          high.kind === 'literal' &&
          typeof low.value === 'number' &&
          typeof high.value === 'number' &&
          low.value > high.value
        ) {
          this.fail(
            `BETWEEN ${low.value} AND ${high.value}: the lower bound is above the upper`,
            this.tokens[at]!.start,
          );
        }
        const within: Node = {
          kind: 'and',
          left: { kind: 'compare', op: '>=', left: node, right: low },
          right: { kind: 'compare', op: '<=', left: node, right: high },
        };
        node = negated ? { kind: 'not', operand: within } : within;
        continue;
      }
      if (this.accept('IN')) {
        if (node.kind !== 'property') this.fail('IN needs a property name on its left', this.tokens[at]!.start);
        this.expect('(');
        const values = new Set<string>();
        do {
          const token = this.token;
          if (token.type !== 'string') this.unexpected('a string literal');
          values.add(token.value as string);
          this.index++;
        } while (this.accept(','));
        this.expect(')', '"," or ")"');
        node = { kind: 'in', name: node.name, values, negated };
        continue;
      }
      if (negated) this.index = at;
      return node;
    }
  }

  private unary(): Node {
    if (this.accept('+')) return this.unary();
    if (this.accept('-')) return { kind: 'negate', operand: this.unary() };
    if (this.accept('NOT')) return { kind: 'not', operand: this.unary() };
    return this.primary();
  }

  private primary(): Node {
    const token = this.token;
    if (token.type === 'string' || token.type === 'number') {
      this.index++;
      return { kind: 'literal', value: token.value! };
    }
    if (token.type === 'identifier') {
      this.index++;
      return { kind: 'property', name: token.text };
    }
    if (this.accept('TRUE')) return { kind: 'literal', value: true };
    if (this.accept('FALSE')) return { kind: 'literal', value: false };
    if (this.accept('NULL')) return { kind: 'literal', value: null };
    if (this.accept('(')) {
      const node = this.or();
      this.expect(')');
      return node;
    }
    this.unexpected('a property, a literal or "("');
  }
}

/** Thrown while evaluating: the message is not matched. */
class EvaluationError extends Error {}

function toNumber(value: Value): number {
  if (typeof value === 'number') return value;
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (Number.isNaN(parsed)) throw new EvaluationError(`"${String(value)}" is not a number`);
  return parsed;
}

/** The two sides made comparable: a string meets a number as a number, a boolean as a boolean. */
function coerce(left: Value, right: Value): [Value, Value] {
  if (typeof left === typeof right) return [left, right];
  if (typeof left === 'number' || typeof right === 'number') {
    if (typeof left === 'boolean' || typeof right === 'boolean') return [left, right];
    return [toNumber(left), toNumber(right)];
  }
  if (typeof left === 'boolean' && typeof right === 'string') return [left, right.toLowerCase() === 'true'];
  if (typeof right === 'boolean' && typeof left === 'string') return [left.toLowerCase() === 'true', right];
  return [left, right];
}

function compare(op: string, left: Value, right: Value): Truth {
  if (op === '=' || op === '<>') {
    let equal: Truth;
    if (left === null && right === null) equal = true;
    else if (left === null) equal = null;
    else if (right === null) equal = false;
    else {
      const [l, r] = coerce(left, right);
      equal = l === r;
    }
    return op === '=' ? equal : equal === null ? null : !equal;
  }
  if (left === null || right === null) return null;
  const [l, r] =
    typeof left === 'string' && typeof right === 'string' ? [toNumber(left), toNumber(right)] : coerce(left, right);
  // Incomparable kinds (a boolean and a number) compare as "less than", as RocketMQ's do.
  const order = typeof l !== typeof r ? -1 : l! < r! ? -1 : l! > r! ? 1 : 0;
  switch (op) {
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    default:
      return order <= 0;
  }
}

function value(node: Node, properties: Properties): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'property':
      return properties(node.name) ?? null;
    case 'negate': {
      const operand = value(node.operand, properties);
      return typeof operand === 'number' ? -operand : null;
    }
    default:
      return truth(node, properties);
  }
}

function truth(node: Node, properties: Properties): Truth {
  switch (node.kind) {
    case 'and': {
      const left = truth(node.left, properties);
      if (left === false) return false;
      const right = truth(node.right, properties);
      if (right === false) return false;
      return left === null || right === null ? null : true;
    }
    case 'or': {
      const left = truth(node.left, properties);
      if (left === true) return true;
      const right = truth(node.right, properties);
      if (right === true) return true;
      return left === null || right === null ? null : false;
    }
    case 'not': {
      const operand = truth(node.operand, properties);
      return operand === null ? null : !operand;
    }
    case 'compare':
      return compare(node.op, value(node.left, properties), value(node.right, properties));
    case 'isNull': {
      const isNull = value(node.operand, properties) === null;
      return node.negated ? !isNull : isNull;
    }
    case 'in': {
      const property = properties(node.name);
      if (property === undefined) return null;
      return node.values.has(property) !== node.negated;
    }
    case 'literal':
      return typeof node.value === 'boolean' ? node.value : null;
    case 'property':
      // A property's value is a string, never a boolean: unknown when absent, else FALSE.
      return properties(node.name) === undefined ? null : false;
    case 'negate':
      return null;
  }
}

/** A compiled SQL92 selector. */
export interface Sql92Selector {
  readonly expression: string;
  /** Whether a message with these properties is selected (the expression is exactly TRUE). */
  matches(properties: Properties | ReadonlyMap<string, string>): boolean;
}

/** Parse an SQL92 selector; a malformed one throws SelectorParseError with its position. */
export function compileSql92(expression: string): Sql92Selector {
  const tree = new Parser(expression).parse();
  return {
    expression,
    matches(properties) {
      const lookup: Properties = typeof properties === 'function' ? properties : (name) => properties.get(name);
      try {
        return truth(tree, lookup) === true;
      } catch (error) {
        if (error instanceof EvaluationError) return false;
        throw error;
      }
    },
  };
}
