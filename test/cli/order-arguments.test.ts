/** `po order`, `po orders show` and `--limit` refuse bad arguments in words, before anything is read or sent. */
import { describe, expect, it } from 'vitest';
import { expectLineError } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { po } from '../helpers/po.js';

describe('po order without a terminal', () => {
  it('refuses to order without --yes, before anything is read or sent (exit 2)', async () => {
    const result = await po(['--profile', 'nobody', 'order', 'WIDGET-1:1'], {
      env: { PO_CONFIG_DIR: tempDir('po-cli-no-tty-') },
    });
    expectLineError(result, 'usage', 2, /asks for confirmation on a terminal; without one, pass --yes/);
  });

  it.each([
    [['WIDGET-1:0'], '"WIDGET-1:0" — quantity must be at least 1'],
    [['WIDGET-1:-2'], '"WIDGET-1:-2" — quantity must be at least 1'],
    [['WIDGET-1:1.5'], '"WIDGET-1:1.5" — quantity must be a whole number, like WIDGET-1:3'],
    [['WIDGET-1:1e3'], '"WIDGET-1:1e3" — quantity must be a whole number, like WIDGET-1:3'],
    [['WIDGET-1:10001'], '"WIDGET-1:10001" — quantity must be at most 10,000'],
    [['WIDGET-1'], '"WIDGET-1" — an order line is SKU:QTY, for example WIDGET-1:3'],
    [['WIDGET-1:'], '"WIDGET-1:" — the quantity is missing after the ":"'],
    [[':3'], '":3" — the SKU is missing before the ":"'],
    [['WID GET:3'], '"WID GET:3" — a SKU is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit'],
    [['\u202eWIDGET-1:3'], '"\u202eWIDGET-1:3" — a SKU is 1 to 64 letters'],
    [
      ['WIDGET-1:2', 'GADGET-2:1', 'WIDGET-1:3'],
      'WIDGET-1 appears on two lines — put the whole quantity on one line (WIDGET-1:5)',
    ],
    [
      Array.from({ length: 51 }, (_, i) => `SKU-${i}:1`),
      'an order has at most 50 lines, not 51; split it into several orders',
    ],
  ])('po order %j: refused before anything is read or sent, in words (exit 2)', async (lines, message) => {
    const result = await po(['--json', 'order', ...lines, '--yes'], { env: { PO_CONFIG_DIR: tempDir('po-lines-') } });
    expect(result.code).toBe(2);
    const error = (JSON.parse(result.stderr.trim()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('usage');
    expect(error.message).toContain(message);
    expect(error.message).not.toMatch(/items\.|\^|\[A-Z/); // no JSON path, no regular expression
  });

  it.each(['x', 'A'.repeat(10_000), '%2e%2e%2f', '\u202eAAAAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAA AAAAAA'])(
    'po orders show with a hostile order ID %#: refused in words before anything is sent (exit 2)',
    async (id) => {
      const result = await po(['orders', 'show', '--', id], { env: { PO_CONFIG_DIR: tempDir('po-ids-') } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('an order ID is 22 to 86 letters, digits, "-" and "_" (po orders lists yours).');
      expect(result.stderr.length).toBeLessThan(400); // the 10 KB ID is not echoed back
    },
  );

  it.each(['0', '101', '-1', '2.5', 'ten'])('--limit %s is a usage error in words (exit 2)', async (limit) => {
    const result = await po(['account', '--limit', limit], { env: { PO_CONFIG_DIR: tempDir('po-limit-') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `argument '${limit}' is invalid. --limit is how many to show at once: a whole number from 1 to 100.`,
    );
  });
});
