import { execFileSync } from 'node:child_process';

/** Builds dist/po.mjs and the web apps once before the suites, so CLI and browser tests exercise the current source. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
}
