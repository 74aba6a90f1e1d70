import type { ExtFields } from './remoting-command.js';
import { ProtocolError } from './protocol-error.js';

/** The Java types a custom-header field is parsed into. */
export type FieldKind = 'string' | 'int' | 'long' | 'boolean' | 'double';

type KindValue = { string: string; int: number; long: number; boolean: boolean; double: number };

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
}

/** The value type of a header codec. */
export type HeaderOf<C> = C extends HeaderCodec<infer T> ? T : never;

const required = <K extends FieldKind>(kind: K): FieldSpec<K, true> => ({ kind, required: true });
const optional = <K extends FieldKind>(kind: K): FieldSpec<K, false> => ({ kind, required: false });

/** Field builders: `f.string`, `f.long`, ... are required; `f.opt.string` ... are optional. */
export const f = {
  string: required('string'),
  int: required('int'),
  long: required('long'),
  boolean: required('boolean'),
  double: required('double'),
  opt: {
    string: optional('string'),
    int: optional('int'),
    long: optional('long'),
    boolean: optional('boolean'),
    double: optional('double'),
  },
} as const;

const INTEGER = /^[+-]?\d{1,20}$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function parseField(header: string, name: string, kind: FieldKind, raw: string): unknown {
  const invalid = (expected: string) =>
    new ProtocolError(
      'HEADER_FIELD_INVALID',
      `${header}.${name} must be ${expected}, got ${JSON.stringify(raw)}`,
      name,
    );
  switch (kind) {
    case 'string':
      return raw;
    case 'int': {
      const value = INTEGER.test(raw) ? Number(raw) : NaN;
      if (!(value >= INT32_MIN && value <= INT32_MAX)) throw invalid('a 32-bit integer');
      return value;
    }
    case 'long': {
      if (!INTEGER.test(raw)) throw invalid('a 64-bit integer');
      const value = Number(raw);
      // Java sends Long.MAX_VALUE as "no upper bound" (QUERY_MESSAGE endTimestamp): keep such
      // values as the nearest double, but refuse what no Java long can hold.
      if (!Number.isSafeInteger(value)) {
        const exact = BigInt(raw);
        if (exact < LONG_MIN || exact > LONG_MAX) throw invalid('a 64-bit integer');
      }
      return value;
    }
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      throw invalid('true or false');
    }
    case 'double': {
      const value = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(value)) throw invalid('a number');
      return value;
    }
  }
}

function formatField(kind: FieldKind, value: unknown): string {
  if (kind === 'long' && typeof value === 'number' && !Number.isSafeInteger(value)) {
    // Print the integer a Java long would hold, clamped at the ends of its range.
    const exact = BigInt(Math.trunc(value));
    return String(exact > LONG_MAX ? LONG_MAX : exact < LONG_MIN ? LONG_MIN : exact);
  }
  return String(value);
}

/** A header codec from a schema. */
export function defineHeader<S extends HeaderSchema>(name: string, schema: S): HeaderCodec<HeaderValues<S>> {
  const fields = Object.entries(schema).map(([field, spec]) => ({ field, key: spec.key ?? field, spec }));
  return {
    name,
    schema,
    decode(extFields) {
      const value: Record<string, unknown> = {};
      for (const { field, key, spec } of fields) {
        const raw = Object.hasOwn(extFields, key) ? extFields[key] : undefined;
        if (raw === undefined) {
          if (spec.required) {
            throw new ProtocolError(
              'HEADER_FIELD_MISSING',
              `${name}.${field} is required but missing (ext field "${key}")`,
              field,
            );
          }
          continue;
        }
        value[field] = parseField(name, field, spec.kind, raw);
      }
      return value as HeaderValues<S>;
    },
    encode(value) {
      const extFields: ExtFields = {};
      const source = value as Record<string, unknown>;
      for (const { field, key, spec } of fields) {
        const fieldValue = source[field];
        if (fieldValue !== undefined && fieldValue !== null) extFields[key] = formatField(spec.kind, fieldValue);
      }
      return extFields;
    },
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
