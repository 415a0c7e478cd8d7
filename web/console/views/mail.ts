/** Mail: emails owed to customers (not yet sent) and failed ones, paged; `emails:retry` sends a failed one again. */
import type { MailPage, MailRetry } from '../../../contract/admin-api.js';
import { call, query, segment } from '../api.js';
import { failure, show } from '../view.js';
import type { ConsoleContext } from '../view.js';
import { field, h, notice, replace, table } from '../../common/dom.js';
import { orderLink, time, withQuery } from '../../common/format.js';

export async function mailView(context: ConsoleContext): Promise<void> {
  const status = context.params.get('status') === 'failed' ? 'failed' : 'owed';
  const cursor = context.params.get('cursor') ?? undefined;
  const page = await call<MailPage>('GET', `/admin/emails${query({ status, cursor })}`);
  const outcome = h('div', { 'aria-live': 'polite' });
  const select = h(
    'select',
    { id: 'mail-status', name: 'status' },
    (['owed', 'failed'] as const).map((value) =>
      h('option', { value, ...(value === status ? { selected: true } : {}) }, value),
    ),
  );
  const filters = h(
    'form',
    { class: 'filters', 'aria-label': 'Which emails' },
    field('Emails', select),
    h('button', { type: 'submit' }, 'Show'),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/mail?status=${select.value}`;
  });
  const retry = status === 'failed' && context.can('emails:retry');
  show(
    context,
    'Mail',
    filters,
    outcome,
    table(
      status === 'failed' ? 'Emails the mail service refused' : 'Emails owed to customers, oldest first',
      ['Order', 'Customer', 'Kind', 'Since', 'Status', 'Why', ...(retry ? ['Action'] : [])],
      page.emails.map((mail) => [
        orderLink(mail.orderId, mail.customerId),
        mail.customerId,
        mail.kind,
        time(mail.since),
        mail.status,
        mail.failure ?? '',
        ...(retry
          ? [
              h(
                'button',
                {
                  type: 'button',
                  'aria-label': `Send the email of order ${mail.orderId} again`,
                  onclick: (event) =>
                    void again(event.currentTarget as HTMLButtonElement, mail.orderId, mail.customerId),
                },
                'Retry',
              ),
            ]
          : []),
      ]),
      status === 'failed' ? 'No failed emails.' : 'No email is owed: all sent.',
    ),
    h(
      'p',
      { class: 'paging' },
      cursor && withQuery('mail', { status }, 'First page'),
      ' ',
      page.next && withQuery('mail', { status, cursor: page.next }, 'Next page'),
    ),
  );

  async function again(button: HTMLButtonElement, orderId: string, customerId: string): Promise<void> {
    if (button.disabled) return;
    button.disabled = true;
    try {
      const result = await call<MailRetry>(
        'POST',
        `/admin/emails/${segment(orderId)}/retry${query({ customer: customerId })}`,
      );
      replace(
        outcome,
        notice(
          'ok',
          `Order ${orderId}: ${result.retried.map((one) => `${one.kind} ${one.outcome}, now ${one.status ?? 'unknown'}`).join('; ')}.`,
        ),
      );
    } catch (error) {
      button.disabled = false;
      replace(outcome, failure(error));
    }
  }
}
