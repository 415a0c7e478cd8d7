/**
 * The web apps' files (contract/web-apps.ts), served by the local API as API Gateway serves them from S3 on AWS
 * (infra/constructs/web-apps.ts): for each app, `GET /console` and `GET /console/` → its page, `GET /console/{file}` →
 * one of its assets, every answer with the apps' headers, anything else under the app's path a plain 404. The assets
 * are built from web/ when the local stack starts, so what is served is always the source as it is.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  WEB_APPS,
  WEB_APP_NAMES,
  WEB_HEADERS,
  webAppAssets,
  webAppBuildDirectory,
  webAppIndexHtml,
} from '../contract/web-apps.js';
import type { WebAppName } from '../contract/web-apps.js';

const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the apps' assets (scripts/build-web.mjs: esbuild, about a second). */
export function buildWebApps(): void {
  execFileSync(process.execPath, [join(REPOSITORY, 'scripts', 'build-web.mjs')], {
    cwd: REPOSITORY,
    stdio: 'inherit',
  });
}

/** A response of a web app: status, headers, body. */
export interface WebAppResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
}

/** The app `path` belongs to (its page or under it), if any. */
export function webAppOf(path: string): WebAppName | undefined {
  return WEB_APP_NAMES.find((app) => path === WEB_APPS[app].path || path.startsWith(`${WEB_APPS[app].path}/`));
}

/** The answer to `GET path` for a path of `app`. */
export function webAppResponse(app: WebAppName, path: string): WebAppResponse {
  const base = WEB_APPS[app].path;
  if (path === base || path === `${base}/`)
    return {
      status: 200,
      headers: { ...WEB_HEADERS, 'Content-Type': 'text/html; charset=utf-8' },
      body: webAppIndexHtml(app, `${base}/`),
    };
  const name = path.slice(base.length + 1);
  const assets = webAppAssets(app);
  if (Object.hasOwn(assets, name))
    return {
      status: 200,
      headers: { ...WEB_HEADERS, 'Content-Type': assets[name]! },
      body: readFileSync(join(REPOSITORY, webAppBuildDirectory(app), name)),
    };
  return {
    status: 404,
    headers: { ...WEB_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
    body: 'Not found\n',
  };
}
