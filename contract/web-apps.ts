/**
 * The web apps: static pages served beside the API, from the same origin — the OPD console for staff at `/console/`
 * (web/console/) and the customer portal at `/portal/` (web/portal/). The local API (local/web-apps.ts) and, on AWS,
 * API Gateway from an S3 bucket (infra/constructs/web-apps.ts) serve the same files with the same headers, from here.
 *
 * Each page's only script and style sheet are files of its own origin: no inline script or style, no `eval`, and
 * Trusted Types required with no policy allowed, so that no string can ever become markup or code (the apps render
 * every text with `textContent`).
 */

/** The apps: where each lives under the API's base path, and its page's title. */
export const WEB_APPS = {
  console: { path: '/console', title: 'OPD console', needs: 'The OPD console needs JavaScript.' },
  portal: { path: '/portal', title: 'Purchase orders', needs: 'The purchase order portal needs JavaScript.' },
} as const;
export type WebAppName = keyof typeof WEB_APPS;
export const WEB_APP_NAMES = Object.keys(WEB_APPS) as WebAppName[];

/** An app's files besides its page (built into {@link webAppBuildDirectory} by scripts/build-web.mjs). */
export function webAppAssets(app: WebAppName): Readonly<Record<string, string>> {
  return {
    [`${app}.js`]: 'text/javascript; charset=utf-8',
    [`${app}.css`]: 'text/css; charset=utf-8',
    'favicon.svg': 'image/svg+xml',
  };
}

/** Where scripts/build-web.mjs writes an app's assets (relative to the repository). */
export function webAppBuildDirectory(app: WebAppName): string {
  return `dist/${app}`;
}

/** The Content-Security-Policy of every web app response. */
export const WEB_CSP = [
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

/** The headers of every web app response (the pages and their assets), besides its Content-Type. */
export const WEB_HEADERS = {
  'Content-Security-Policy': WEB_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  // Browsers ignore it over plain HTTP (the local stack); on AWS the API is HTTPS only.
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  // The pages name their assets without a version: a browser must ask again each time, never use a stale copy.
  'Cache-Control': 'no-cache',
} as const;

/**
 * An app's page. `base` is the app's absolute path with a trailing slash (`/console/` locally, `/prod/console/` on
 * AWS): the assets are named absolutely, so the page works at `…/console` and `…/console/` alike.
 */
export function webAppIndexHtml(app: WebAppName, base: string): string {
  if (!/^\/(?:[A-Za-z0-9_-]+\/)*$/.test(base)) throw new Error(`the app's base path is not a plain path: ${base}`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${WEB_APPS[app].title}</title>
    <link rel="icon" href="${base}favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="${base}${app}.css" />
    <script type="module" src="${base}${app}.js"></script>
  </head>
  <body>
    <noscript>${WEB_APPS[app].needs}</noscript>
    <div id="app"></div>
  </body>
</html>
`;
}
