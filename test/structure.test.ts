/**
 * The shape of the tree, as docs/design.md ("Where things are") describes it: no import cycle, layers that point one
 * way (nothing in shared/ or contract/ reaches into infra/, functions/, cli/ or local/; functions never into one
 * another), `po` commands that never import one another, and source files short enough to read (under 300 lines).
 * Imports are read from the source text: every `from '…'`, `import '…'` and `import('…')` with a relative path.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const SOURCE_FOLDERS = ['shared', 'contract', 'functions', 'infra', 'cli', 'local', 'bench', 'scripts', 'web'];

/** Files longer than the limit, each with the reason it is one file. */
const LONG_FILE_EXCEPTIONS: Readonly<Record<string, string>> = {};
const MAX_LINES = 300;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return name === 'data' ? [] : sourceFiles(path);
    return /\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = SOURCE_FOLDERS.flatMap(sourceFiles).sort();
const testFiles = sourceFiles('test').sort();
/** Every file an import may land on: the tests too, so that an arrow into test/ is seen. */
const known = new Set([...files, ...testFiles]);

/** The project files `file` imports (relative imports only, `.js` read as the `.ts` it is built from). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
  const targets = specifiers.flatMap((specifier) => {
    const base = normalize(join(dirname(file), specifier));
    const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
    const found = candidates.find((candidate) => known.has(candidate));
    return found ? [found] : [];
  });
  return [...new Set(targets)];
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

/** The import cycles of the graph: its strongly connected components of more than one file, or a file importing itself. */
function cycles(): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    // Cycles are looked for among the source folders; a test file is only ever a target here.
    for (const next of (graph.get(file) ?? []).filter((target) => graph.has(target))) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || graph.get(file)!.includes(file)) found.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}

const folderOf = (file: string) => file.split('/')[0]!;

/** Which top-level folders each folder may import from (besides itself). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  shared: ['contract'],
  contract: ['shared'],
  functions: ['shared', 'contract'],
  infra: ['shared', 'contract'],
  cli: ['shared', 'contract'],
  // The local stack writes the demo's `po` profiles with po's own code.
  local: ['shared', 'contract', 'functions', 'cli'],
  bench: ['shared', 'contract', 'functions', 'local', 'cli'],
  // The test vectors are made with the tests' own keys (scripts/make-vectors.ts).
  scripts: ['shared', 'contract', 'functions', 'infra', 'local', 'cli', 'test'],
  // The browser's code: the project's rules, views and checks, never a Node or AWS module (web/tsconfig.json).
  web: ['shared', 'contract'],
};

describe('the tree', () => {
  it('reads every source folder', () => {
    expect(files.length).toBeGreaterThan(80);
    for (const folder of SOURCE_FOLDERS)
      expect(
        files.some((file) => file.startsWith(`${folder}/`)),
        folder,
      ).toBe(true);
  });

  it('has no import cycle', () => {
    expect(cycles()).toEqual([]);
  });

  it('has layers that point one way: shared/ and contract/ never reach into infra/, functions/, cli/ or local/', () => {
    const wrong = [...graph].flatMap(([file, imports]) =>
      imports
        .filter(
          (target) => folderOf(target) !== folderOf(file) && !MAY_IMPORT[folderOf(file)]!.includes(folderOf(target)),
        )
        .map((target) => `${file} → ${target}`),
    );
    expect(wrong).toEqual([]);
  });

  it('has functions that never import one another', () => {
    const wrong = [...graph].flatMap(([file, imports]) =>
      file.startsWith('functions/')
        ? imports
            .filter((target) => target.startsWith('functions/') && dirname(target) !== dirname(file))
            .map((target) => `${file} → ${target}`)
        : [],
    );
    expect(wrong).toEqual([]);
  });

  it('has po commands that never import one another (only the registry imports them)', () => {
    const isCommand = (file: string) => file.startsWith('cli/commands/') && !file.endsWith('/index.ts');
    const wrong = [...graph].flatMap(([file, imports]) =>
      isCommand(file) ? imports.filter(isCommand).map((target) => `${file} → ${target}`) : [],
    );
    expect(wrong).toEqual([]);
  });

  it(`has source files, tests included, under ${MAX_LINES} lines (or a stated reason)`, () => {
    const long = [...files, ...testFiles]
      .map((file) => ({ file, lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ file, lines }) => lines >= MAX_LINES && LONG_FILE_EXCEPTIONS[file] === undefined)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('has a stack that reads as a few constructs, each under 200 lines', () => {
    const constructs = files.filter((file) => file.startsWith('infra/constructs/') || file === 'infra/stack.ts');
    expect(constructs.length).toBeGreaterThanOrEqual(5);
    const long = constructs
      .map((file) => ({ file, lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines >= 200)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('names every exception that is still one', () => {
    for (const file of Object.keys(LONG_FILE_EXCEPTIONS)) expect(known.has(file), file).toBe(true);
  });
});

describe('docs/design.md, "Where things are"', () => {
  const section = readFileSync('docs/design.md', 'utf8').split('### Where things are')[1]!.split('\n\n**')[0]!;
  const rows = section
    .split('\n')
    .filter((line) => /^\| `[a-z]+\/`/.test(line))
    .map((line) => line.split(' | ').map((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!)));

  it('describes every source folder, with the imports the structure test allows it', () => {
    const described = Object.fromEntries(
      rows.map(([folders, , imports]) => [folders![0]!.replace(/\/$/, ''), imports]),
    );
    for (const folder of SOURCE_FOLDERS)
      expect([...(described[folder] ?? [])].map((target) => target.replace(/\/$/, '')).sort(), folder).toEqual(
        [...MAY_IMPORT[folder]!].sort(),
      );
  });

  it('names only files and folders that exist', () => {
    const missing = rows.flatMap(([folders, holds]) => {
      const folder = folders![0]!;
      return holds!
        .filter((name) => /\.ts$|\/$/.test(name))
        .map((name) => (SOURCE_FOLDERS.some((top) => name.startsWith(`${top}/`)) ? name : `${folder}${name}`))
        .filter((path) => !existsSync(path));
    });
    expect(missing).toEqual([]);
  });
});
