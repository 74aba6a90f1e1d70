/**
 * JSON as fastjson writes it (remoting-protocol.md §9): standard JSON, except that map keys that
 * are not strings come unquoted (`{0:"127.0.0.1:10911"}`) or as objects
 * (`{{"brokerName":"b","queueId":0,"topic":"T"}:{...}}`).
 */

/**
 * Parse a body written by a Java peer. Standard JSON goes to JSON.parse; the fastjson dialect
 * is parsed leniently: a number key becomes its text, an object key the standard JSON text of
 * that object.
 */
export function parseJavaJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return new LenientParser(text).parseDocument();
  }
}

/** Decode a JSON body; a missing or malformed one is a TypeError naming what was expected. */
export function decodeJsonBody<T>(body: Uint8Array | undefined, what: string): T {
  if (!body || body.length === 0) throw new TypeError(`${what} is missing: the request has no body`);
  try {
    return parseJavaJson(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8')) as T;
  } catch (error) {
    throw new TypeError(`${what} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Encode a body as standard JSON. */
export function encodeJsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

class LenientParser {
  private at = 0;

  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.value();
    this.space();
    if (this.at < this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  private value(): unknown {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    return this.number();
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.at++;
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return result;
    }
    for (;;) {
      this.space();
      const c = this.text[this.at];
      const key = c === '"' ? this.string() : c === '{' ? JSON.stringify(this.object()) : String(this.number());
      this.space();
      this.expect(':');
      result[key] = this.value();
      this.space();
      if (this.text[this.at] === ',') {
        this.at++;
        continue;
      }
      this.expect('}');
      return result;
    }
  }

  private array(): unknown[] {
    const result: unknown[] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.space();
      if (this.text[this.at] === ',') {
        this.at++;
        continue;
      }
      this.expect(']');
      return result;
    }
  }

  private string(): string {
    const start = this.at;
    this.at++;
    while (this.at < this.text.length && this.text[this.at] !== '"') this.at += this.text[this.at] === '\\' ? 2 : 1;
    if (this.at >= this.text.length) this.fail('unterminated string');
    this.at++;
    return JSON.parse(this.text.slice(start, this.at)) as string;
  }

  private number(): number {
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.at, this.at + 40));
    if (!match) this.fail('expected a value');
    this.at += match![0].length;
    return Number(match![0]);
  }

  private space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  private expect(c: string): void {
    if (this.text[this.at] !== c) this.fail(`expected "${c}"`);
    this.at++;
  }

  private fail(why: string): never {
    throw new SyntaxError(`${why} at position ${this.at}`);
  }
}

/** A map whose keys are objects (a MessageQueue, say): fastjson writes each key inline. */
export class ObjectKeyMap {
  constructor(readonly entries: readonly (readonly [object, unknown])[]) {}
}

/**
 * Encode as fastjson does for bodies Java tools read: object keys in alphabetical order, and
 * ObjectKeyMap keys written as objects (`{{"brokerName":"b","queueId":0,"topic":"T"}:5}`).
 * Only for bodies whose Java type needs it; everything else is standard JSON.
 */
export function encodeJavaJson(value: unknown): string {
  if (value instanceof ObjectKeyMap) {
    return `{${value.entries.map(([key, entry]) => `${encodeJavaJson(key)}:${encodeJavaJson(entry)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map((entry) => encodeJavaJson(entry)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value)
      .filter(([, entry]) => entry !== undefined && entry !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${fields.map(([key, entry]) => `${JSON.stringify(key)}:${encodeJavaJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
