/**
 * DynamoDB's condition and update expressions, evaluated on plain items as DynamoDB would: enough of the grammar for
 * what the project writes (comparisons, AND / OR / NOT, parentheses, attribute_exists / attribute_not_exists, nested
 * paths; SET with `a + :b` and if_not_exists, ADD, REMOVE), so that the in-memory tables (./tables.ts) apply a
 * conditional write exactly when DynamoDB would. Anything outside that grammar throws: a test must not pass on a
 * condition nobody evaluated.
 */
import { isDeepStrictEqual } from 'node:util';

export type Item = Record<string, unknown>;

/** What an expression refers to: `#names` and `:values`. */
export interface Bindings {
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, unknown>>;
}

const TOKEN = /\s*(<>|<=|>=|[=<>()+,-]|[#:]?[A-Za-z_][A-Za-z0-9_]*(?:\.[#]?[A-Za-z_][A-Za-z0-9_]*)*)/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(expression);
    if (!match) throw new Error(`cannot read the expression at "${expression.slice(TOKEN.lastIndex)}"`);
    tokens.push(match[1]!);
  }
  return tokens;
}

/** A reader of one expression's tokens. */
class Reader {
  private at = 0;
  constructor(
    private readonly tokens: string[],
    private readonly bindings: Bindings,
  ) {}
  peek(): string | undefined {
    return this.tokens[this.at];
  }
  next(): string {
    const token = this.tokens[this.at++];
    if (token === undefined) throw new Error('the expression ends too soon');
    return token;
  }
  expect(token: string): void {
    const read = this.next();
    if (read.toUpperCase() !== token) throw new Error(`expected ${token}, read ${read}`);
  }
  done(): boolean {
    return this.at >= this.tokens.length;
  }
  /** An attribute path's names, `#aliases` resolved. */
  path(): string[] {
    const token = this.next();
    if (token.startsWith(':') || !/^[#A-Za-z_]/.test(token)) throw new Error(`expected a path, read ${token}`);
    return token.split('.').map((part) => {
      if (!part.startsWith('#')) return part;
      const name = this.bindings.names?.[part];
      if (name === undefined) throw new Error(`no name for ${part}`);
      return name;
    });
  }
  value(token: string): unknown {
    if (!Object.hasOwn(this.bindings.values ?? {}, token)) throw new Error(`no value for ${token}`);
    return this.bindings.values![token];
  }
}

/** The value at `path` in `item`, or undefined. */
export function valueAt(item: Item | undefined, path: readonly string[]): unknown {
  let value: unknown = item;
  for (const name of path) value = (value as Item | undefined)?.[name];
  return value;
}

const COMPARATORS: Readonly<Record<string, (a: unknown, b: unknown) => boolean>> = {
  '=': (a, b) => a !== undefined && isDeepStrictEqual(a, b),
  '<>': (a, b) => a === undefined || !isDeepStrictEqual(a, b),
  '<': (a, b) => comparable(a, b) && (a as number) < (b as number),
  '<=': (a, b) => comparable(a, b) && (a as number) <= (b as number),
  '>': (a, b) => comparable(a, b) && (a as number) > (b as number),
  '>=': (a, b) => comparable(a, b) && (a as number) >= (b as number),
};
const comparable = (a: unknown, b: unknown) =>
  (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');

/** Whether `item` (undefined: there is none) meets `expression`. */
export function meets(item: Item | undefined, expression: string, bindings: Bindings): boolean {
  const reader = new Reader(tokenize(expression), bindings);
  const operand = (): unknown => {
    const token = reader.peek()!;
    return token.startsWith(':') ? reader.value(reader.next()) : valueAt(item, reader.path());
  };
  const primary = (): boolean => {
    const token = reader.peek()?.toLowerCase();
    if (token === '(') {
      reader.next();
      const inner = or();
      reader.expect(')');
      return inner;
    }
    if (token === 'not') {
      reader.next();
      return !primary();
    }
    if (token === 'attribute_exists' || token === 'attribute_not_exists') {
      reader.next();
      reader.expect('(');
      const exists = valueAt(item, reader.path()) !== undefined;
      reader.expect(')');
      return token === 'attribute_exists' ? exists : !exists;
    }
    const left = operand();
    const comparator = COMPARATORS[reader.next()];
    if (!comparator) throw new Error(`unknown comparator in ${expression}`);
    return comparator(left, operand());
  };
  const and = (): boolean => {
    let result = primary();
    while (reader.peek()?.toUpperCase() === 'AND') {
      reader.next();
      result = primary() && result;
    }
    return result;
  };
  const or = (): boolean => {
    let result = and();
    while (reader.peek()?.toUpperCase() === 'OR') {
      reader.next();
      result = and() || result;
    }
    return result;
  };
  const result = or();
  if (!reader.done()) throw new Error(`unread tokens in ${expression}`);
  return result;
}

function setAt(item: Item, path: readonly string[], value: unknown): void {
  let parent = item;
  for (const name of path.slice(0, -1)) {
    const child = parent[name];
    if (typeof child !== 'object' || child === null) throw new Error(`no map at ${path.join('.')}`);
    parent = child as Item;
  }
  if (value === undefined) delete parent[path.at(-1)!];
  else parent[path.at(-1)!] = value;
}

/** `item` (a copy of it) after `expression`. */
export function updated(item: Item, expression: string, bindings: Bindings): Item {
  const result = structuredClone(item);
  const reader = new Reader(tokenize(expression), bindings);
  const term = (): unknown => {
    const token = reader.peek()!;
    if (token.toLowerCase() === 'if_not_exists') {
      reader.next();
      reader.expect('(');
      const present = valueAt(item, reader.path());
      reader.expect(',');
      const fallback = term();
      reader.expect(')');
      return present ?? fallback;
    }
    return token.startsWith(':') ? reader.value(reader.next()) : valueAt(item, reader.path());
  };
  const sum = (): unknown => {
    const left = term();
    const operator = reader.peek();
    if (operator !== '+' && operator !== '-') return left;
    reader.next();
    const right = term();
    if (typeof left !== 'number' || typeof right !== 'number') throw new Error(`not numbers in ${expression}`);
    return operator === '+' ? left + right : left - right;
  };
  while (!reader.done()) {
    const clause = reader.next().toUpperCase();
    do {
      if (reader.peek() === ',') reader.next();
      const path = reader.path();
      if (clause === 'SET') {
        reader.expect('=');
        setAt(result, path, sum());
      } else if (clause === 'ADD') {
        const delta = reader.value(reader.next());
        const current = valueAt(item, path) ?? 0;
        if (typeof current !== 'number' || typeof delta !== 'number') throw new Error(`ADD of non-numbers`);
        setAt(result, path, current + delta);
      } else if (clause === 'REMOVE') setAt(result, path, undefined);
      else throw new Error(`unknown clause ${clause}`);
    } while (reader.peek() === ',');
  }
  return result;
}
