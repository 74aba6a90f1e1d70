/** LanguageCode.java: the name travels in JSON headers, the byte in binary ones. */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;

export type LanguageName = keyof typeof LanguageCode;

const languageNames: LanguageName[] = [];
for (const name of Object.keys(LanguageCode) as LanguageName[]) languageNames[LanguageCode[name]] = name;

/** The byte of a language name; a name this table lacks travels as OTHER. */
export function languageByte(name: string): number {
  return (LanguageCode as Record<string, number>)[name] ?? LanguageCode.OTHER;
}

/** The name of a language byte; a byte this table lacks reads as OTHER. */
export function languageName(byte: number): LanguageName {
  return languageNames[byte] ?? 'OTHER';
}
