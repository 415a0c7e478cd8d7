/**
 * The staff member a request is served for, carried through the request's asynchronous work (AsyncLocalStorage), so
 * that every transaction a staff request commits checks, at commit, that its caller may still act
 * (shared/aws/transactions.ts): a role change, a disable or ended sessions that land while the request is in flight
 * stop its write, as the order transaction stops a customer's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A staff member as the authorizer saw them for this request: who, at which token version. */
export interface StaffCaller {
  readonly staffId: string;
  readonly tokenVersion: number;
}

const storage = new AsyncLocalStorage<StaffCaller>();

/** Runs `work` as served for `caller`. */
export function asStaffCaller<T>(caller: StaffCaller, work: () => Promise<T>): Promise<T> {
  return storage.run(caller, work);
}

/** The staff member the current request is served for, if it is a staff request. */
export function currentStaffCaller(): StaffCaller | undefined {
  return storage.getStore();
}
