/**
 * A refusal the page itself makes (no request was answered with it): a stable `code` and a message for people, shown
 * as the API's refusals are (web/common/view.ts `failure`).
 */
export class PageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PageError';
  }
}
