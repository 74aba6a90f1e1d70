import type { ExtFields } from './remoting-command.js';
import { groupNameProblem, topicNameProblem } from './names.js';
import { ProtocolError } from './protocol-error.js';

/**
 * The Java types a custom-header field is parsed into; 'topic' and 'group' are strings that must
 * be valid names (names.ts), so that no request gets a bad name past its header's decode.
 */
export type FieldKind = 'string' | 'topic' | 'group' | 'int' | 'long' | 'boolean' | 'double';

type KindValue = {
  string: string;
  topic: string;
  group: string;
  int: number;
  long: number;
  boolean: boolean;
  double: number;
};

/** One field of a custom header: its Java type, whether Java marks it @CFNotNull, its wire key. */
export interface FieldSpec<K extends FieldKind = FieldKind, R extends boolean = boolean> {
  readonly kind: K;
  readonly required: R;
  /** The key on the wire when it differs from the field name (SEND_MESSAGE_V2's a..n). */
  readonly key?: string | undefined;
}

export type HeaderSchema = Record<string, FieldSpec>;

type RequiredKeys<S extends HeaderSchema> = {
  [K in keyof S]: S[K]['required'] extends true ? K : never;
}[keyof S];
type OptionalKeys<S extends HeaderSchema> = Exclude<keyof S, RequiredKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded value of a header: required fields present, optional ones possibly undefined. */
export type HeaderValues<S extends HeaderSchema> = Simplify<
  { [K in RequiredKeys<S>]: KindValue[S[K]['kind']] } & {
    [K in OptionalKeys<S>]?: KindValue[S[K]['kind']] | undefined;
  }
>;

/** Encode and decode of one custom-header class, both pure. */
export interface HeaderCodec<T> {
  /** The Java class name, used in error messages. */
  readonly name: string;
  readonly schema: HeaderSchema;
  /** Parse ext fields; a missing required or ill-typed field throws a ProtocolError naming it. */
  decode(extFields: ExtFields): T;
  /** Flatten to ext fields as Java does: one string per non-null field. */
  encode(value: T): ExtFields;
  /** The wire key of a field (SEND_MESSAGE_V2 writes queueId as "e"). */
  keyOf(field: keyof T & string): string;
}

/** The value type of a header codec. */
export type HeaderOf<C> = C extends HeaderCodec<infer T> ? T : never;

const required = <K extends FieldKind>(kind: K): FieldSpec<K, true> => ({ kind, required: true });
const optional = <K extends FieldKind>(kind: K): FieldSpec<K, false> => ({ kind, required: false });

/** Field builders: `f.string`, `f.long`, ... are required; `f.opt.string` ... are optional. */
export const f = {
  string: required('string'),
  topic: required('topic'),
  group: required('group'),
  int: required('int'),
  long: required('long'),
  boolean: required('boolean'),
  double: required('double'),
  opt: {
    string: optional('string'),
    topic: optional('topic'),
    group: optional('group'),
    int: optional('int'),
    long: optional('long'),
    boolean: optional('boolean'),
    double: optional('double'),
  },
} as const;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * The value of an optionally signed string of 1 to 20 decimal digits, else NaN. A loop over the
 * characters rather than a regular expression and Number(): headers are decoded for every
 * message, and most of their fields are integers.
 */
function parseDecimal(raw: string): number {
  const length = raw.length;
  let i = 0;
  const sign = raw.charCodeAt(0);
  if (sign === 43 || sign === 45) i = 1;
  if (length - i < 1 || length - i > 20) return NaN;
  let value = 0;
  for (; i < length; i++) {
    const digit = raw.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  // Past 2^53 the running sum rounds at each step; Number() rounds once, correctly.
  if (value > Number.MAX_SAFE_INTEGER) value = Math.abs(Number(raw));
  return sign === 45 ? -value : value;
}

function invalid(header: string, name: string, expected: string, raw: string): ProtocolError {
  return new ProtocolError(
    'HEADER_FIELD_INVALID',
    `${header}.${name} must be ${expected}, got ${JSON.stringify(raw)}`,
    name,
  );
}

function nameParser(problem: (raw: string) => string | undefined) {
  return (raw: string, header: string, field: string): string => {
    const why = problem(raw);
    if (why) throw new ProtocolError('HEADER_FIELD_INVALID', `${header}.${field}: ${why}`, field);
    return raw;
  };
}

const parsers: Record<FieldKind, (raw: string, header: string, name: string) => unknown> = {
  string: (raw) => raw,
  topic: nameParser(topicNameProblem),
  group: nameParser(groupNameProblem),
  int(raw, header, name) {
    const value = parseDecimal(raw);
    if (!(value >= INT32_MIN && value <= INT32_MAX)) throw invalid(header, name, 'a 32-bit integer', raw);
    return value;
  },
  long(raw, header, name) {
    const value = parseDecimal(raw);
    if (Number.isNaN(value)) throw invalid(header, name, 'a 64-bit integer', raw);
    // Java sends Long.MAX_VALUE as "no upper bound" (QUERY_MESSAGE endTimestamp): keep such
    // values as the nearest double, but refuse what no Java long can hold.
    if (!Number.isSafeInteger(value)) {
      const exact = BigInt(raw);
      if (exact < LONG_MIN || exact > LONG_MAX) throw invalid(header, name, 'a 64-bit integer', raw);
    }
    return value;
  },
  boolean(raw, header, name) {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    const lower = raw.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalid(header, name, 'true or false', raw);
  },
  double(raw, header, name) {
    const value = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(value)) throw invalid(header, name, 'a number', raw);
    return value;
  },
};

const formatters: Record<FieldKind, (value: unknown) => string> = {
  string: String,
  topic: String,
  group: String,
  int: String,
  boolean: String,
  double: String,
  long(value) {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      // Print the integer a Java long would hold, clamped at the ends of its range.
      const exact = BigInt(Math.trunc(value));
      return String(exact > LONG_MAX ? LONG_MAX : exact < LONG_MIN ? LONG_MIN : exact);
    }
    return String(value);
  },
};

interface CompiledField {
  field: string;
  key: string;
  spec: FieldSpec;
}

/**
 * A decoder compiled for one schema: every key is a constant in its code, so that its loads and
 * stores stay monomorphic. A loop over the schema's keys, with a load and a store whose key changes
 * at each step, is megamorphic, and every send decodes a header.
 * Only own string values count: a key such as "constructor" does not find Object.prototype's.
 * An optional topic or group sent empty is absent, as the processors read "" (no group).
 */
function compileDecode(name: string, fields: readonly CompiledField[]): (extFields: ExtFields) => unknown {
  const lines = fields.map(({ field, key, spec }, i) => {
    const k = JSON.stringify(key);
    const absent = spec.required ? `throw missing(${i});` : '';
    const empty = !spec.required && (spec.kind === 'topic' || spec.kind === 'group') ? ` || raw === ''` : '';
    return (
      `let v${i}; { const raw = ext[${k}]; if (typeof raw !== 'string'${empty} || !hasOwn(ext, ${k})) { ${absent} } ` +
      `else v${i} = parse.${spec.kind}(raw, name, ${JSON.stringify(field)}); }`
    );
  });
  const required = fields.flatMap(({ field, spec }, i) => (spec.required ? [`${JSON.stringify(field)}: v${i}`] : []));
  const optional = fields.flatMap(({ field, spec }, i) =>
    spec.required ? [] : [`if (v${i} !== undefined) value[${JSON.stringify(field)}] = v${i};`],
  );
  const missing = (i: number) => {
    const { field, key } = fields[i]!;
    return new ProtocolError(
      'HEADER_FIELD_MISSING',
      `${name}.${field} is required but missing (ext field "${key}")`,
      field,
    );
  };
  const code = `return function decode(ext) { ${lines.join('\n')}\nconst value = { ${required.join(', ')} };\n${optional.join('\n')}\nreturn value; };`;
  return new Function('parse', 'name', 'missing', 'hasOwn', code)(parsers, name, missing, Object.hasOwn) as (
    extFields: ExtFields,
  ) => unknown;
}

/** An encoder compiled for one schema, for the same reason as its decoder; fields in schema order. */
function compileEncode(fields: readonly CompiledField[]): (value: unknown) => ExtFields {
  const lines = fields.map(({ field, key, spec }) => {
    const at = `value[${JSON.stringify(field)}]`;
    return `x = ${at}; if (x !== undefined && x !== null) ext[${JSON.stringify(key)}] = format.${spec.kind}(x);`;
  });
  const code = `return function encode(value) { const ext = {}; let x;\n${lines.join('\n')}\nreturn ext; };`;
  return new Function('format', code)(formatters) as (value: unknown) => ExtFields;
}

/** A header codec from a schema. */
export function defineHeader<S extends HeaderSchema>(name: string, schema: S): HeaderCodec<HeaderValues<S>> {
  const fields = Object.entries(schema).map(([field, spec]) => ({ field, key: spec.key ?? field, spec }));
  return {
    name,
    schema,
    decode: compileDecode(name, fields) as (extFields: ExtFields) => HeaderValues<S>,
    encode: compileEncode(fields),
    keyOf: (field) => schema[field]?.key ?? field,
  };
}

/** The same header under other wire keys (SEND_MESSAGE_V2 renames SEND_MESSAGE's fields a..n). */
export function renameHeader<S extends HeaderSchema>(
  name: string,
  schema: S,
  keys: { [K in keyof S]: string },
): HeaderCodec<HeaderValues<S>> {
  const renamed: Record<string, FieldSpec> = {};
  for (const field of Object.keys(schema)) renamed[field] = { ...schema[field]!, key: keys[field] };
  return defineHeader(name, renamed as S);
}
