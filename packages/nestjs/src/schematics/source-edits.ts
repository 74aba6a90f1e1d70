import { SchematicsException, type Tree } from '@angular-devkit/schematics';

/** 'order-events' from 'OrderEvents' or 'order events'. */
export function kebab(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[\s_]+/g, '-')
    .toLowerCase();
}

/** 'OrderEvents' from 'order-events'. */
export function classify(name: string): string {
  return kebab(name)
    .split('-')
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

export interface GeneratorOptions {
  name: string;
  /** Folder under sourceRoot (default: none). */
  path?: string;
  sourceRoot?: string;
  /** Put the file in sourceRoot/path instead of a folder of its own. */
  flat?: boolean;
  topic?: string;
  /** Module file to register the class in (default: sourceRoot/app.module.ts, when it exists). */
  module?: string;
  /** Write a spec beside the class (default: true, as Nest's own generators). */
  spec?: boolean;
}

/** Where a generated file goes, Nest's way: sourceRoot/path/name/name.kind.ts. */
export function generatedPath(options: GeneratorOptions, kind: string): string {
  const root = (options.sourceRoot ?? 'src').replace(/\/+$/, '');
  const dir = [root, options.path?.replace(/^\/+|\/+$/g, ''), options.flat ? undefined : kebab(options.name)]
    .filter((part) => part !== undefined && part !== '')
    .join('/');
  return `/${dir}/${kebab(options.name)}.${kind}.ts`.replace(/\/+/g, '/');
}

function relativeImport(from: string, to: string, withJs: boolean): string {
  const fromDir = from.split('/').slice(0, -1).filter(Boolean);
  const target = to.split('/').filter(Boolean);
  let common = 0;
  while (common < fromDir.length && fromDir[common] === target[common]) common++;
  const up = fromDir.length - common;
  const path = [...(up === 0 ? ['.'] : Array<string>(up).fill('..')), ...target.slice(common)].join('/');
  return path.replace(/\.ts$/, withJs ? '.js' : '');
}

/** Add `import { names } from 'source'` after the last import of a file, unless it is there. */
export function addImport(text: string, names: string[], source: string): string {
  if (new RegExp(`from ['"]${source.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]`).test(text)) return text;
  const line = `import { ${names.join(', ')} } from '${source}';\n`;
  const imports = [...text.matchAll(/^import[^;]*;\s*$/gm)];
  const last = imports.at(-1);
  if (!last) return line + text;
  const end = last.index! + last[0].length;
  return `${text.slice(0, end)}\n${line.trimEnd()}${text.slice(end)}`;
}

/** Add an entry to the @Module({ ... }) array named key (creating the array when missing). */
export function addToModuleArray(text: string, key: 'imports' | 'providers', entry: string): string {
  const array = new RegExp(`(${key}\\s*:\\s*\\[)([^\\]]*)(\\])`).exec(text);
  if (array) {
    if (array[2]!.includes(entry)) return text;
    const items = array[2]!.trim();
    const updated = items ? `${items.replace(/,\s*$/, '')}, ${entry}` : entry;
    return text.slice(0, array.index) + array[1] + updated + array[3] + text.slice(array.index + array[0].length);
  }
  const module = /@Module\(\s*\{/.exec(text);
  if (!module) throw new SchematicsException('no @Module({ ... }) found to register it in');
  const at = module.index + module[0].length;
  return `${text.slice(0, at)}\n  ${key}: [${entry}],${text.slice(at)}`;
}

/** Register a generated class in the app's module (providers), when there is one. */
export function registerProvider(tree: Tree, options: GeneratorOptions, file: string, className: string): void {
  const modulePath = options.module ?? `/${(options.sourceRoot ?? 'src').replace(/^\/+|\/+$/g, '')}/app.module.ts`;
  const text = tree.readText(modulePath.startsWith('/') ? modulePath : `/${modulePath}`);
  const withJs = /from '\.{1,2}\/[^']+\.js'/.test(text);
  let updated = addImport(text, [className], relativeImport(modulePath, file, withJs));
  updated = addToModuleArray(updated, 'providers', className);
  tree.overwrite(modulePath, updated);
}

export function moduleExists(tree: Tree, options: GeneratorOptions): boolean {
  return tree.exists(options.module ?? `/${(options.sourceRoot ?? 'src').replace(/^\/+|\/+$/g, '')}/app.module.ts`);
}

/** Call app.enableShutdownHooks() after `const app = await NestFactory.create(...)`, unless it is called. */
export function addShutdownHooks(text: string): string {
  if (text.includes('enableShutdownHooks(')) return text;
  const create = /^(\s*)const (\w+) = await NestFactory\.create[^;]*;/m.exec(text);
  if (!create) return text;
  const end = create.index + create[0].length;
  return `${text.slice(0, end)}\n${create[1]!.replace(/^\n+/, '')}${create[2]}.enableShutdownHooks();${text.slice(end)}`;
}
