/** Why the local stack could not start, with what to do about it. */
export class LocalStackError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
  ) {
    super(message);
  }
}

/** The error for a port something else already listens on; `remedy` says which option chooses another. */
export function portInUse(port: number, remedy: string): LocalStackError {
  return new LocalStackError(`port ${port} is already in use`, remedy);
}
