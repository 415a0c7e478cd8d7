/**
 * The console's files, served by the local API as API Gateway serves them from S3 on AWS (infra/constructs/console.ts):
 * `GET /console` and `GET /console/` → the page, `GET /console/{file}` → one of its assets, every answer with the
 * console's headers (contract/console.ts), anything else under `/console/` a plain 404. The assets are built from
 * web/console/ when the local stack starts, so what is served is always the source as it is.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONSOLE_ASSETS,
  CONSOLE_BUILD_DIRECTORY,
  CONSOLE_HEADERS,
  CONSOLE_PATH,
  consoleIndexHtml,
} from '../contract/console.js';
import type { ConsoleAsset } from '../contract/console.js';

const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the console's assets (scripts/build-console.mjs: esbuild, well under a second). */
export function buildConsole(): void {
  execFileSync(process.execPath, [join(REPOSITORY, 'scripts', 'build-console.mjs')], {
    cwd: REPOSITORY,
    stdio: 'inherit',
  });
}

/** A response of the console: status, headers, body. */
export interface ConsoleResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
}

/** Whether `path` is the console's (its page or under it). */
export function isConsolePath(path: string): boolean {
  return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
}

/** The answer to `GET path` for a console path. */
export function consoleResponse(path: string): ConsoleResponse {
  if (path === CONSOLE_PATH || path === `${CONSOLE_PATH}/`)
    return {
      status: 200,
      headers: { ...CONSOLE_HEADERS, 'Content-Type': 'text/html; charset=utf-8' },
      body: consoleIndexHtml(`${CONSOLE_PATH}/`),
    };
  const name = path.slice(CONSOLE_PATH.length + 1);
  if (Object.hasOwn(CONSOLE_ASSETS, name)) {
    const asset = name as ConsoleAsset;
    return {
      status: 200,
      headers: { ...CONSOLE_HEADERS, 'Content-Type': CONSOLE_ASSETS[asset] },
      body: readFileSync(join(REPOSITORY, CONSOLE_BUILD_DIRECTORY, asset)),
    };
  }
  return {
    status: 404,
    headers: { ...CONSOLE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
    body: 'Not found\n',
  };
}
