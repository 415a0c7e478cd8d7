/**
 * Importing the route table and the evidence formats builds no zod schema: each is built when first used
 * (shared/lazy.ts). Every function imports them all, and building them — or zod's own `z.lazy` wrappers, schemas
 * themselves — at import cost each cold start's module init about 2 ms (`npm run bundles`). Every function of zod's
 * API is counted here; the count must stay at zero until a schema is used.
 */
import { describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ count: 0, names: new Set<string>() }));

vi.mock('zod/mini', async (importOriginal) => {
  const zod = await importOriginal<Record<string, unknown>>();
  const counted = (name: string, value: unknown) =>
    typeof value === 'function' && /^[a-z_]/.test(name)
      ? (...args: unknown[]) => {
          calls.count += 1;
          calls.names.add(name);
          return (value as (...args: unknown[]) => unknown)(...args);
        }
      : value;
  return Object.fromEntries(Object.entries(zod).map(([name, value]) => [name, counted(name, value)]));
});

describe('schemas are built on first use', () => {
  it('importing the routes, the request bodies, the claims and the evidence formats calls no zod function', async () => {
    const { ROUTES } = await import('../contract/routes.js');
    await import('../shared/envelope/claims.js');
    await import('../shared/receipts.js');
    await import('../shared/evidence-format.js');
    await import('../shared/signed-claims.js');
    await import('../shared/text.js');
    expect([...calls.names]).toEqual([]);

    // The count sees schemas being built (so zero above means none was): the first use builds, the second reuses.
    const order = ROUTES['POST /orders'].body;
    const schema = order();
    expect(calls.count).toBeGreaterThan(0);
    const built = calls.count;
    expect(order()).toBe(schema);
    expect(calls.count).toBe(built);
    expect(schema.safeParse({ envelope: 'a.b.c.d.e' }).success).toBe(true);
    expect(schema.safeParse({ envelope: 'a.b.c.d.e', extra: 1 }).success).toBe(false);
  });
});
