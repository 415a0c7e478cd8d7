/**
 * Retrying an order or cancellation transaction that lost a race, within a budget. Races end: each round, one
 * contender commits; a budget bounds the rest, so that a request answers 503 rather than waiting on for ever.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceUnavailable } from '../errors.js';
import { ORDER_DATABASE } from '../aws/orders-table.js';

/**
 * How long to keep retrying a transaction that lost a race (another transaction held an item, or another change to
 * the same account committed first) before answering 503.
 */
const RETRY_BUDGET_MS = 8_000;
/** Most `TransactionConflict`s (another transaction held an item) to back off from before answering 503. */
const MAX_CONFLICTS = 10;

/**
 * How a round ended without an answer: another change to the account committed first (`account_moved`: go again at
 * once, from the state it left), split stock moved under an order and its takes were planned again (`stock_moved`:
 * go again after a pause of up to 20 ms), another transaction held an item (`conflict`: back off, then go again), or DynamoDB throttled
 * (`throttled`: answer 503).
 */
export type LostRound = 'account_moved' | 'stock_moved' | 'conflict' | 'throttled';

/**
 * Runs the rounds of one transaction until one answers. A round builds the transaction from the state it last saw
 * and commits it; it returns `{ answer }`, throws a refusal, or says how it lost ({@link LostRound}). After a
 * conflict it backs off (full jitter, capped at 200 ms; at most {@link MAX_CONFLICTS} times), and it gives up once
 * {@link RETRY_BUDGET_MS} have passed.
 * @throws ApiError `service_unavailable` when throttled, after too many conflicts, or once the time is spent
 */
export async function retryRounds<T>(round: () => Promise<{ readonly answer: T } | LostRound>): Promise<T> {
  const deadline = Date.now() + RETRY_BUDGET_MS;
  let conflicts = 0;
  for (;;) {
    const ended = await round();
    if (ended === 'throttled') throw serviceUnavailable(ORDER_DATABASE);
    if (ended === 'conflict') {
      if (++conflicts >= MAX_CONFLICTS) throw serviceUnavailable(ORDER_DATABASE, 1);
      await sleep(Math.floor(Math.random() * Math.min(200, 25 * 2 ** conflicts)));
    } else if (ended === 'stock_moved') {
      // Others are replanning the same shards: a short random pause spreads their next tries.
      await sleep(Math.floor(Math.random() * 20));
    } else if (ended !== 'account_moved') return ended.answer;
    if (Date.now() > deadline) throw serviceUnavailable(ORDER_DATABASE, 1);
  }
}
