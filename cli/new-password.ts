/**
 * A new account's initial password, as `po admin customers add` and `po admin staff add` take it: from standard input
 * (`--password-stdin`), or asked twice without echo; either way checked against the OPD's policy before anything is
 * sent, so that a refused password is said at once (and asked again, up to three times, at a terminal).
 */
import { InputError } from '../shared/errors.js';
import { checkPasswordPolicy } from '../shared/passwords.js';
import { PASSWORD_LENGTH_RULE } from '../shared/rules.js';
import { promptHidden, readStdinLines } from './prompt.js';

/** What the password policy says of `password` for account `id`, or undefined when it passes. */
function policyProblem(password: string, id: string): string | undefined {
  try {
    checkPasswordPolicy(password, { customerId: id });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.replace('the new password', 'the password') : 'not accepted';
  }
}

/** Asks for `id`'s initial password without echo, twice, until the policy accepts it (3 tries). */
async function askInitialPassword(id: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const password = await promptHidden(`Initial password for ${id} (${PASSWORD_LENGTH_RULE}): `);
    const problem =
      policyProblem(password, id) ??
      ((await promptHidden('The same password again: ')) === password ? undefined : 'the two passwords differ');
    if (problem === undefined) return password;
    if (attempt === 3) throw new InputError('usage', `${problem}; nothing was created`);
    process.stderr.write(`po: ${problem}; try again\n`);
  }
}

/**
 * The initial password of account `id`: the first line of standard input with `fromStdin`, else asked.
 * @throws InputError `usage` when the policy refuses it (nothing is sent)
 */
export async function initialPassword(id: string, fromStdin: boolean | undefined): Promise<string> {
  if (!fromStdin) return askInitialPassword(id);
  const password = (await readStdinLines(1))[0]!;
  const problem = policyProblem(password, id);
  if (problem) throw new InputError('usage', `${problem}; nothing was created`);
  return password;
}
