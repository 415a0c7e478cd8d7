/**
 * DynamoDB's condition and update expressions, evaluated on in-memory items as DynamoDB would, for the subset the
 * project writes: conditions of `AND`, `OR`, `NOT`, parentheses, `attribute_exists`, `attribute_not_exists`,
 * comparisons (`= <> < <= > >=`) of paths, values and `size(path)`; updates of `SET` (values, `+`/`-`,
 * `if_not_exists`), `REMOVE` and `ADD` (numbers). Paths are map paths (`#keys.#kid.#status`). Anything else throws, so
 * that a test never passes on an expression the fake does not understand.
 */

/** An item as stored: attribute names to plain values (maps as objects). */
export type Item = Record<string, unknown>;

/** The names and values an expression refers to. */
export interface ExpressionContext {
  readonly names?: Readonly<Record<string, string>> | undefined;
  readonly values?: Readonly<Record<string, unknown>> | undefined;
}

const TOKEN = /\s*(<>|<=|>=|[()=<>,+-]|[#:]?[A-Za-z0-9_]+(?:\.[#:]?[A-Za-z0-9_]+)*)/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(expression);
    if (!match) throw new Error(`expression fake: cannot read "${expression.slice(TOKEN.lastIndex)}"`);
    tokens.push(match[1]!);
  }
  return tokens;
}

/** A reader over an expression's tokens. */
class Reader {
  private at = 0;
  constructor(
    private readonly tokens: string[],
    private readonly context: ExpressionContext,
  ) {}
  peek(): string | undefined {
    return this.tokens[this.at];
  }
  next(): string {
    const token = this.tokens[this.at++];
    if (token === undefined) throw new Error('expression fake: unexpected end');
    return token;
  }
  expect(token: string): void {
    const got = this.next();
    if (got.toUpperCase() !== token) throw new Error(`expression fake: expected ${token}, got ${got}`);
  }
  done(): boolean {
    return this.at >= this.tokens.length;
  }
  /** A path token as attribute names. */
  path(token = this.next()): string[] {
    return token.split('.').map((part) => {
      if (part.startsWith(':')) throw new Error(`expression fake: ${part} is a value, not a path`);
      if (!part.startsWith('#')) return part;
      const name = this.context.names?.[part];
      if (name === undefined) throw new Error(`expression fake: no name ${part}`);
      return name;
    });
  }
  value(token: string): unknown {
    if (!(this.context.values && token in this.context.values)) throw new Error(`expression fake: no value ${token}`);
    return this.context.values[token];
  }
}

/** The value at `path` in `item`, or undefined. */
export function valueAt(item: Item | undefined, path: readonly string[]): unknown {
  let value: unknown = item;
  for (const name of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, name)) return undefined;
    value = (value as Item)[name];
  }
  return value;
}

function compare(left: unknown, operator: string, right: unknown): boolean {
  if (operator === '=') return JSON.stringify(left) === JSON.stringify(right) && left !== undefined;
  if (operator === '<>') return JSON.stringify(left) !== JSON.stringify(right) && left !== undefined;
  const comparable =
    (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  const [a, b] = [left, right] as [number | string, number | string];
  return operator === '<' ? a < b : operator === '<=' ? a <= b : operator === '>' ? a > b : a >= b;
}

/** Whether `expression` holds for `item` (absent: the item does not exist). No expression always holds. */
export function conditionHolds(
  item: Item | undefined,
  expression: string | undefined,
  context: ExpressionContext,
): boolean {
  if (expression === undefined) return true;
  const reader = new Reader(tokenize(expression), context);
  const operand = (): unknown => {
    const token = reader.next();
    if (token.startsWith(':')) return reader.value(token);
    if (token === 'size') {
      reader.expect('(');
      const value = valueAt(item, reader.path());
      reader.expect(')');
      if (typeof value === 'string' || Array.isArray(value)) return value.length;
      return typeof value === 'object' && value !== null ? Object.keys(value).length : undefined;
    }
    return valueAt(item, reader.path(token));
  };
  const primary = (): boolean => {
    const token = reader.peek();
    if (token === '(') {
      reader.next();
      const inner = or();
      reader.expect(')');
      return inner;
    }
    if (token === 'attribute_exists' || token === 'attribute_not_exists') {
      reader.next();
      reader.expect('(');
      const exists = valueAt(item, reader.path()) !== undefined;
      reader.expect(')');
      return token === 'attribute_exists' ? exists : !exists;
    }
    const left = operand();
    const operator = reader.next();
    if (!['=', '<>', '<', '<=', '>', '>='].includes(operator))
      throw new Error(`expression fake: unknown comparison ${operator}`);
    return compare(left, operator, operand());
  };
  const not = (): boolean => (reader.peek()?.toUpperCase() === 'NOT' ? (reader.next(), !not()) : primary());
  const and = (): boolean => {
    let holds = not();
    while (reader.peek()?.toUpperCase() === 'AND') {
      reader.next();
      holds = not() && holds;
    }
    return holds;
  };
  const or = (): boolean => {
    let holds = and();
    while (reader.peek()?.toUpperCase() === 'OR') {
      reader.next();
      holds = and() || holds;
    }
    return holds;
  };
  const result = or();
  if (!reader.done()) throw new Error(`expression fake: unread "${reader.peek()}" in ${expression}`);
  return result;
}

/** The map that holds the last name of `path` in `item`, created for top-level attributes only (as DynamoDB does). */
function parentOf(item: Item, path: readonly string[]): Item {
  const parent = path.length === 1 ? item : valueAt(item, path.slice(0, -1));
  if (typeof parent !== 'object' || parent === null)
    throw Object.assign(new Error('The document path provided in the update expression is invalid for update'), {
      name: 'ValidationException',
    });
  return parent as Item;
}

/** `item` (absent: a new one holding `key`) with `expression` applied: a new object, `item` is left as it was. */
export function applyUpdate(item: Item | undefined, key: Item, expression: string, context: ExpressionContext): Item {
  const updated: Item = structuredClone(item ?? key);
  const reader = new Reader(tokenize(expression), context);
  const term = (): unknown => {
    const token = reader.next();
    if (token.startsWith(':')) return reader.value(token);
    if (token === 'if_not_exists') {
      reader.expect('(');
      const current = valueAt(item, reader.path());
      reader.expect(',');
      const fallback = term();
      reader.expect(')');
      return current ?? fallback;
    }
    return valueAt(item, reader.path(token));
  };
  let clause = '';
  while (!reader.done()) {
    const token = reader.peek()!.toUpperCase();
    if (['SET', 'REMOVE', 'ADD'].includes(token)) {
      clause = token;
      reader.next();
    } else if (token === ',') reader.next();
    const path = reader.path();
    const parent = parentOf(updated, path);
    const name = path.at(-1)!;
    if (clause === 'REMOVE') delete parent[name];
    else if (clause === 'ADD') parent[name] = ((parent[name] as number | undefined) ?? 0) + (term() as number);
    else if (clause === 'SET') {
      reader.expect('=');
      let value = term();
      const operator = reader.peek();
      if (operator === '+' || operator === '-') {
        reader.next();
        const right = term() as number;
        value = operator === '+' ? (value as number) + right : (value as number) - right;
      }
      parent[name] = structuredClone(value);
    } else throw new Error(`expression fake: no clause before ${token}`);
  }
  return updated;
}
