/**
 * DynamoDB's condition and update expressions, evaluated on plain items as DynamoDB would: enough of the grammar for
 * what the project writes, so that the in-memory tables (./tables.ts) apply a conditional write exactly when DynamoDB
 * would. Conditions: comparisons (`= <> < <= > >=`) and `BETWEEN` of paths, values and `size(path)`; `AND`, `OR`,
 * `NOT`, parentheses; `attribute_exists`, `attribute_not_exists`. Updates: `SET` (values, paths, `a + :b`, `a - :b`,
 * `if_not_exists`), `REMOVE`, `ADD` (numbers). Paths are map paths (`#keys.#kid.#status`); list indexes are not read.
 * Anything outside that grammar throws: a test must not pass on an expression nobody evaluated.
 */
import { isDeepStrictEqual } from 'node:util';

/** An item as stored: attribute names to plain values (maps as objects). */
export type Item = Record<string, unknown>;

/** What an expression refers to: `#names` and `:values`. */
export interface Bindings {
  readonly names?: Readonly<Record<string, string>> | undefined;
  readonly values?: Readonly<Record<string, unknown>> | undefined;
}

/** An error as DynamoDB raises it for a request it refuses (`ValidationException`). */
export const validationError = (message: string) =>
  Object.assign(new Error(message), { name: 'ValidationException', $fault: 'client', $metadata: {} });

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
  /** Whether the next token is the keyword `word` (keywords are read in any case; function names are not). */
  sees(word: string): boolean {
    return this.peek()?.toUpperCase() === word;
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

/** The value at `path` in `item` (own map entries only), or undefined. */
export function valueAt(item: Item | undefined, path: readonly string[]): unknown {
  let value: unknown = item;
  for (const name of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name))
      return undefined;
    value = (value as Item)[name];
  }
  return value;
}

const comparable = (a: unknown, b: unknown) =>
  (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
const COMPARATORS: Readonly<Record<string, (a: unknown, b: unknown) => boolean>> = {
  '=': (a, b) => a !== undefined && isDeepStrictEqual(a, b),
  '<>': (a, b) => a === undefined || !isDeepStrictEqual(a, b),
  '<': (a, b) => comparable(a, b) && (a as number) < (b as number),
  '<=': (a, b) => comparable(a, b) && (a as number) <= (b as number),
  '>': (a, b) => comparable(a, b) && (a as number) > (b as number),
  '>=': (a, b) => comparable(a, b) && (a as number) >= (b as number),
};

/** Whether `item` (undefined: there is none) meets `expression` (undefined: no condition, always met). */
export function meets(item: Item | undefined, expression: string | undefined, bindings: Bindings): boolean {
  if (expression === undefined) return true;
  const reader = new Reader(tokenize(expression), bindings);
  const operand = (): unknown => {
    const token = reader.peek()!;
    if (token.startsWith(':')) return reader.value(reader.next());
    if (token !== 'size') return valueAt(item, reader.path());
    reader.next();
    reader.expect('(');
    const value = valueAt(item, reader.path());
    reader.expect(')');
    if (typeof value === 'string' || Array.isArray(value)) return value.length;
    return typeof value === 'object' && value !== null ? Object.keys(value).length : undefined;
  };
  const primary = (): boolean => {
    const token = reader.peek();
    if (token === '(') {
      reader.next();
      const inner = or();
      reader.expect(')');
      return inner;
    }
    if (reader.sees('NOT')) {
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
    if (reader.sees('BETWEEN')) {
      reader.next();
      const low = operand();
      reader.expect('AND');
      const high = operand();
      return COMPARATORS['>=']!(left, low) && COMPARATORS['<=']!(left, high);
    }
    const comparator = COMPARATORS[reader.next()];
    if (!comparator) throw new Error(`unknown comparator in ${expression}`);
    return comparator(left, operand());
  };
  const and = (): boolean => {
    let result = primary();
    while (reader.sees('AND')) {
      reader.next();
      result = primary() && result;
    }
    return result;
  };
  const or = (): boolean => {
    let result = and();
    while (reader.sees('OR')) {
      reader.next();
      result = and() || result;
    }
    return result;
  };
  const result = or();
  if (!reader.done()) throw new Error(`unread tokens in ${expression}`);
  return result;
}

/** Sets (undefined: removes) the attribute at `path`, in a map that must exist (DynamoDB creates no parent). */
function setAt(item: Item, path: readonly string[], value: unknown): void {
  const parent = path.length === 1 ? item : valueAt(item, path.slice(0, -1));
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent))
    throw validationError('The document path provided in the update expression is invalid for update');
  if (value === undefined) delete (parent as Item)[path.at(-1)!];
  else (parent as Item)[path.at(-1)!] = structuredClone(value);
}

/**
 * `item` (a copy of it; `item` is left as it was) after `expression`, every operand read from `item` as it was. The
 * paths the update writes (SET, ADD) and removes (REMOVE) are pushed to `touched`, if given.
 */
export function updated(
  item: Item,
  expression: string,
  bindings: Bindings,
  touched?: { written: string[][]; removed: string[][] },
): Item {
  const result = structuredClone(item);
  const reader = new Reader(tokenize(expression), bindings);
  const term = (): unknown => {
    const token = reader.peek()!;
    if (token === 'if_not_exists') {
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
    if (typeof left !== 'number' || typeof right !== 'number')
      throw validationError(`An operand in the update expression has an incorrect data type: ${expression}`);
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
        if (typeof current !== 'number' || typeof delta !== 'number')
          throw validationError(`An operand in the update expression has an incorrect data type: ${expression}`);
        setAt(result, path, current + delta);
      } else if (clause === 'REMOVE') setAt(result, path, undefined);
      else throw new Error(`unknown clause ${clause}`);
      touched?.[clause === 'REMOVE' ? 'removed' : 'written'].push(path);
    } while (reader.peek() === ',');
  }
  return result;
}
