import { ProtocolError } from './protocol-error.js';
import type { ExtFields, JsonHeaderLayout, RemotingCommand } from './remoting-command.js';

/** The header part of a command: everything but the body and the serialize type. */
export type CommandHeader = Pick<
  RemotingCommand,
  'code' | 'language' | 'version' | 'opaque' | 'flag' | 'remark' | 'extFields' | 'jsonLayout'
>;

/** Top-level keys the way fastjson writes them: sorted, with its serializeTypeCurrentRPC marker. */
const JAVA_KEYS = ['code', 'extFields', 'flag', 'language', 'opaque', 'remark', 'serializeTypeCurrentRPC', 'version'];
const KNOWN_KEYS = new Set(JAVA_KEYS);

/**
 * The JSON header text of a command. A command decoded from JSON is written back in the layout
 * it arrived in; any other is written as a Java peer writes it: keys sorted, ext field values as
 * strings, remark and extFields left out when empty.
 */
export function encodeJsonHeader(command: CommandHeader): string {
  const layout = command.jsonLayout;
  const keys = layout ? withMissingKeys(layout.keys, command) : JAVA_KEYS;
  let text = '{';
  for (const key of keys) {
    const value = jsonValue(key, command, layout);
    if (value === undefined) continue;
    if (text.length > 1) text += ',';
    text += `"${key}":${value}`;
  }
  return text + '}';
}

function withMissingKeys(keys: readonly string[], command: CommandHeader): readonly string[] {
  const missing = JAVA_KEYS.filter((key) => !keys.includes(key) && key !== 'serializeTypeCurrentRPC');
  const wanted = missing.filter((key) => jsonValue(key, command, undefined) !== undefined);
  return wanted.length === 0 ? keys : [...keys, ...wanted];
}

function jsonValue(key: string, command: CommandHeader, layout: JsonHeaderLayout | undefined): string | undefined {
  switch (key) {
    case 'code':
      return String(command.code);
    case 'flag':
      return String(command.flag);
    case 'opaque':
      return String(command.opaque);
    case 'version':
      return String(command.version);
    case 'language':
      return JSON.stringify(command.language);
    case 'remark':
      return command.remark === undefined || command.remark === null ? undefined : JSON.stringify(command.remark);
    case 'serializeTypeCurrentRPC':
      return layout ? JSON.stringify(layout.unknownValues?.[key] ?? 'JSON') : '"JSON"';
    case 'extFields':
      return extFieldsJson(command.extFields, layout);
    default:
      return layout?.unknownValues && Object.hasOwn(layout.unknownValues, key)
        ? JSON.stringify(layout.unknownValues[key])
        : undefined;
  }
}

function extFieldsJson(extFields: ExtFields, layout: JsonHeaderLayout | undefined): string | undefined {
  let text = '';
  for (const key in extFields) {
    const value = extFields[key]!;
    const literal = layout?.literalExtFields.has(key) === true;
    text += `${text === '' ? '' : ','}${JSON.stringify(key)}:${literal ? value : JSON.stringify(value)}`;
  }
  if (text === '') return layout?.keys.includes('extFields') ? '{}' : undefined;
  return `{${text}}`;
}

/**
 * Parse a JSON header. Lenient as the spec asks of a server: unknown keys are kept aside,
 * language may be any string, missing fields take Java's defaults, and ext field values that
 * arrive as numbers or booleans (ali-ons) become their Java string form.
 */
export function decodeJsonHeader(buffer: Buffer, start: number, end: number): CommandHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(buffer.toString('utf8', start, end));
  } catch (error) {
    throw new ProtocolError('HEADER_MALFORMED', `JSON header is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError('HEADER_MALFORMED', 'JSON header must be an object');
  }
  const header = parsed as Record<string, unknown>;
  const keys = Object.keys(header);
  let unknownValues: Record<string, unknown> | undefined;
  for (const key of keys) {
    if (!KNOWN_KEYS.has(key) || key === 'serializeTypeCurrentRPC') {
      unknownValues ??= Object.create(null) as Record<string, unknown>;
      unknownValues[key] = header[key];
    }
  }
  const literalExtFields = new Set<string>();
  return {
    code: intField(header, 'code', undefined),
    language: stringField(header, 'language') ?? 'JAVA',
    version: intField(header, 'version', 0),
    opaque: intField(header, 'opaque', 0),
    flag: intField(header, 'flag', 0),
    remark: stringField(header, 'remark'),
    extFields: extFieldsOf(header['extFields'], literalExtFields),
    jsonLayout: { keys, literalExtFields, unknownValues },
  };
}

function intField(header: Record<string, unknown>, key: string, fallback: number | undefined): number {
  const value = header[key];
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new ProtocolError('HEADER_FIELD_MISSING', `JSON header has no "${key}"`, key);
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
    throw new ProtocolError(
      'HEADER_FIELD_INVALID',
      `JSON header "${key}" must be a 32-bit integer, got ${JSON.stringify(value)}`,
      key,
    );
  }
  // Read as Java's int: values written unsigned wrap to their signed form.
  return value | 0;
}

function stringField(header: Record<string, unknown>, key: string): string | undefined {
  const value = header[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ProtocolError(
      'HEADER_FIELD_INVALID',
      `JSON header "${key}" must be a string, got ${JSON.stringify(value)}`,
      key,
    );
  }
  return value;
}

function extFieldsOf(value: unknown, literalExtFields: Set<string>): ExtFields {
  // A null prototype, so that a key such as "__proto__" or "constructor" is just a key.
  const extFields: ExtFields = Object.create(null) as ExtFields;
  if (value === undefined || value === null) return extFields;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError('HEADER_FIELD_INVALID', 'JSON header "extFields" must be an object', 'extFields');
  }
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (typeof field === 'string') {
      extFields[key] = field;
    } else if (typeof field === 'number' || typeof field === 'boolean') {
      extFields[key] = String(field);
      literalExtFields.add(key);
    } else if (field !== null) {
      throw new ProtocolError(
        'HEADER_FIELD_INVALID',
        `JSON header ext field "${key}" must be a string, number or boolean`,
        `extFields.${key}`,
      );
    }
  }
  return extFields;
}
