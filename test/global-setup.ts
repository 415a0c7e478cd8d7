import { execFileSync } from 'node:child_process';

/** Builds dist/po.mjs once before the suites, so CLI tests exercise the current source. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' });
}
