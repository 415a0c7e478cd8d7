/**
 * The stack's CloudFormation parameters, all of them: the mail sender and the SES rate the sweeper may use, the
 * catalogue's currency, the OPD's name, and the traffic limits. Their values are tokens (references CloudFormation resolves at deploy time).
 */
import { CfnParameter } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { CURRENCY_PATTERN } from '../shared/money.js';
import { OPD_ID_PATTERN } from '../shared/rules.js';

/** A WAF rate-based rule's limit: WAF refuses fewer than 10 requests per evaluation window, or more than 2·10⁹. */
const WAF_RATE_BOUNDS = { min: 10, max: 2_000_000_000 } as const;

/**
 * API Gateway's throttle: a method's limits cannot usefully exceed the account's regional quota (10,000 requests per
 * second, burst 5,000, unless AWS raised them on request: then raise these too).
 */
const API_THROTTLE_BOUNDS = { rate: { min: 1, max: 10_000 }, burst: { min: 1, max: 5_000 } } as const;

/**
 * The SES rate the mail sweeper may use, in emails per second: at least SES's sandbox rate (1/s), at most what a
 * production account is given on request; 14/s is a new production account's quota.
 */
const SES_SEND_RATE = { default: 14, min: 1, max: 10_000 } as const;

/** Traffic limits: API Gateway's throttle of each method, and WAF's per-IP rate limits (per 5 minutes). */
export interface TrafficLimits {
  readonly apiRate: number;
  readonly apiBurst: number;
  readonly wafPerIp: number;
  readonly wafLoginPerIp: number;
}

/** What each deployment sets (or leaves at its default). */
export interface DeploymentParameters {
  /** The verified SES identity (an email address) mail is sent from. */
  readonly sesSender: string;
  /** Emails per second the sweeper may send (a number, as the environment carries it). */
  readonly sesSendRate: string;
  /** The catalogue's ISO 4217 currency. */
  readonly currency: string;
  /** The OPD's name in the receipts it signs. */
  readonly opdId: string;
  readonly limits: TrafficLimits;
}

/** Adds the parameters to `stack`. */
export function addParameters(stack: Stack): DeploymentParameters {
  const sesSender = new CfnParameter(stack, 'SesSender', {
    type: 'String',
    description: 'Verified SES identity (email address) that order confirmations are sent from',
    allowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
    constraintDescription: 'an email address verified in SES',
  });
  const sesSendRate = new CfnParameter(stack, 'SesSendRate', {
    type: 'Number',
    default: SES_SEND_RATE.default,
    minValue: SES_SEND_RATE.min,
    maxValue: SES_SEND_RATE.max,
    description:
      `Emails per second the mail sweeper may send: the share of the account's SES maximum send rate it may use ` +
      `(${SES_SEND_RATE.min}–${SES_SEND_RATE.max}; 14 is a new production account's quota)`,
  });

  const currency = new CfnParameter(stack, 'Currency', {
    type: 'String',
    default: 'USD',
    description: 'ISO 4217 code of the catalogue (two minor digits): prices, signed orders and receipts use it',
    allowedPattern: CURRENCY_PATTERN.source,
  });
  const opdId = new CfnParameter(stack, 'OpdId', {
    type: 'String',
    default: 'opd',
    description: "The OPD's name in the receipts it signs (their iss), as customers and third parties will read it",
    allowedPattern: OPD_ID_PATTERN.source,
  });

  // Traffic limits: production defaults, tunable per deployment without a code change (README: Deploying). Each is
  // bounded by what the service accepts or can use, so a typo fails at the parameter, before anything changes.
  const limit = (id: string, defaultValue: number, bounds: { min: number; max: number }, description: string) =>
    new CfnParameter(stack, id, {
      type: 'Number',
      default: defaultValue,
      minValue: bounds.min,
      maxValue: bounds.max,
      description: `${description} (${bounds.min}–${bounds.max})`,
    }).valueAsNumber;
  const limits = {
    apiRate: limit(
      'ApiRateLimit',
      50,
      API_THROTTLE_BOUNDS.rate,
      'API Gateway throttle of each method (route): steady requests per second',
    ),
    apiBurst: limit(
      'ApiBurstLimit',
      100,
      API_THROTTLE_BOUNDS.burst,
      'API Gateway throttle of each method (route): burst',
    ),
    wafPerIp: limit('WafRateLimit', 2000, WAF_RATE_BOUNDS, 'WAF: requests per IP per 5 minutes, every route'),
    wafLoginPerIp: limit(
      'WafLoginRateLimit',
      20,
      WAF_RATE_BOUNDS,
      'WAF: POST /login per IP per 5 minutes (password guessing)',
    ),
  };

  return {
    sesSender: sesSender.valueAsString,
    sesSendRate: sesSendRate.valueAsString,
    currency: currency.valueAsString,
    opdId: opdId.valueAsString,
    limits,
  };
}
