/**
 * The OPD console: a static web app (web/console/) served beside the API, from the same origin, at `/console/` —
 * by the local API (local/api.ts) and, on AWS, by API Gateway from an S3 bucket (infra/constructs/console.ts). Both
 * serve the same files with the same headers, from here.
 *
 * The page's only script and style sheet are files of its own origin: no inline script or style, no `eval`, and
 * Trusted Types required with no policy allowed, so that no string can ever become markup or code (the app renders
 * every text with `textContent`).
 */

/** Where the console lives, under the API's base path. */
export const CONSOLE_PATH = '/console';

/** The console's files besides its page (built into {@link CONSOLE_BUILD_DIRECTORY} by scripts/build-console.mjs). */
export const CONSOLE_ASSETS = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
} as const;
export type ConsoleAsset = keyof typeof CONSOLE_ASSETS;

/** Where scripts/build-console.mjs writes the assets (relative to the repository). */
export const CONSOLE_BUILD_DIRECTORY = 'dist/console';

/** The Content-Security-Policy of every console response. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** The headers of every console response (the page and its assets), besides its Content-Type. */
export const CONSOLE_HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  // Browsers ignore it over plain HTTP (the local stack); on AWS the API is HTTPS only.
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  // The page names its assets without a version: a browser must ask again each time, never use a stale copy.
  'Cache-Control': 'no-cache',
} as const;

/**
 * The console's page. `base` is the console's absolute path with a trailing slash (`/console/` locally,
 * `/prod/console/` on AWS): the assets are named absolutely, so the page works at `…/console` and `…/console/` alike.
 */
export function consoleIndexHtml(base: string): string {
  if (!/^\/(?:[A-Za-z0-9_-]+\/)*$/.test(base)) throw new Error(`the console's base path is not a plain path: ${base}`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>OPD console</title>
    <link rel="icon" href="${base}favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="${base}console.css" />
    <script type="module" src="${base}console.js"></script>
  </head>
  <body>
    <noscript>The OPD console needs JavaScript.</noscript>
    <div id="app"></div>
  </body>
</html>
`;
}
