/**
 * Progress for slow work on stderr: a spinner with elapsed time on a terminal, a start and an end line otherwise
 * (so logs of scripted runs still show what took the time).
 */

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Runs `work`, showing progress under `label`; with no label, runs it silently. */
export async function withProgress<T>(label: string | undefined, work: () => Promise<T>): Promise<T> {
  if (label === undefined) return work();
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const stderr = process.stderr;
  if (!stderr.isTTY) {
    stderr.write(`${label}…\n`);
    const result = await work();
    stderr.write(`${label}: done in ${elapsed()}\n`);
    return result;
  }
  let frame = 0;
  const timer = setInterval(() => {
    stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label}… ${elapsed()}`);
  }, 100);
  try {
    const result = await work();
    stderr.write(`\r✔ ${label}: done in ${elapsed()}\x1b[K\n`);
    return result;
  } catch (error) {
    stderr.write('\r\x1b[K');
    throw error;
  } finally {
    clearInterval(timer);
  }
}
