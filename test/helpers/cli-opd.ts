/**
 * `po` against the real functions: the local API (local/api.ts, the same gateway emulation `npm start` runs) in this
 * process, serving the login, password, read and admin functions and the authorizer of the staff suites' world
 * (./handlers/staff.ts: in-memory tables, re-made before each test), and `po` run in-process against it with a
 * configuration directory of its own. For the CLI tests of the staff and account commands.
 */
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, expect } from 'vitest';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { startLocalApi } from '../../local/api.js';
import { tempDir } from './openssl.js';
import { poInProcess } from './po-in-process.js';
import type { PoResult } from './po.js';
import * as staffWorld from './handlers/staff.js';

type Proxy = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The test's `po` and the local API's URL. */
export interface CliOpd {
  /** Runs `po --profile <profile> …args` with standard input `input`. */
  po(profile: string, args: readonly string[], input?: string): Promise<PoResult>;
  /** Configures `profile` for staff member (or customer) `id` and logs it in with `password`. */
  loggedIn(profile: string, id: string, password?: string, kind?: 'staff' | 'customer'): Promise<void>;
  readonly url: () => string;
}

/** Starts the local API for the calling file (its beforeAll/afterAll); the world is the staff suites'. */
export function cliOpdForThisFile(): CliOpd {
  staffWorld.coldStartBeforeEach();
  let server: Server | undefined;
  let url = '';
  const home = tempDir('po-cli-staff-');
  const env = { PO_CONFIG_DIR: join(home, 'config') };
  // The handlers are the world's live bindings: each test's freshly imported functions answer.
  const live =
    (name: 'admin' | 'loginHandler' | 'passwordHandler'): Proxy =>
    (event, context) =>
      staffWorld[name](event, context);
  beforeAll(async () => {
    const read: Proxy = async (event, context) =>
      (await import('../../functions/read/index.js')).handler(event, context);
    ({ server, url } = await startLocalApi(
      {
        handlers: { admin: live('admin'), login: live('loginHandler'), password: live('passwordHandler'), read },
        authorizer: (event) => staffWorld.authorize(event),
      },
      0,
    ));
  });
  afterAll(() => {
    server?.close();
  });
  const po = (profile: string, args: readonly string[], input?: string) =>
    poInProcess(['--profile', profile, ...args], { env, ...(input === undefined ? {} : { input }) });
  return {
    po,
    url: () => url,
    async loggedIn(profile, id, password = staffWorld.PASSWORD, kind = 'staff') {
      expect((await po(profile, ['config', '--api', url, `--${kind}`, id])).code).toBe(0);
      const login = await po(profile, ['login', '--password-stdin'], `${password}\n`);
      expect(login.code, login.stderr).toBe(0);
    },
  };
}
