/** `po admin revoke-receipt-key <kid>`: revokes a receipt key that leaked; a new one takes over if it was signing. */
import type { Command } from 'commander';
import { announceKey, runAdmin } from '../../admin.js';
import { pathSegment } from '../../api.js';

/** Registers `po admin revoke-receipt-key`. */
export function registerAdminRevokeReceiptKey(admin: Command): void {
  admin
    .command('revoke-receipt-key')
    .description(
      'revoke a receipt key that leaked: it signs nothing more (a new one takes over) and is published as revoked',
    )
    .argument('<kid>', 'the receipt key ID (its fingerprint), as GET /receipt-keys lists it')
    .action((kid: string, _o: unknown, command: Command) => {
      // An ID no route can carry is refused first, before the profile and the session are read.
      pathSegment(kid);
      return runAdmin(
        command,
        (client) => client.revokeReceiptKey(kid),
        (revoked) =>
          [
            `receipt key ${revoked.kid} revoked at ${revoked.revokedAt}: no order function signs with it after ${revoked.signsNoMoreAfter}`,
            revoked.rotated ? announceKey('receipt', revoked.current) : '',
          ]
            .filter(Boolean)
            .join('\n'),
      );
    });
}
