/** A tiny router for handlers that serve several API Gateway resources: `METHOD /resource/{param}` → function. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ApiError } from './errors.js';

export type Route = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Dispatches on `httpMethod` and `resource` (the route template API Gateway matched, e.g. `/orders/{id}`). */
export function router(routes: Readonly<Record<string, Route>>) {
  return (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const route = routes[`${event.httpMethod} ${event.resource}`];
    if (!route) throw new ApiError('not_found', `no route ${event.httpMethod} ${event.resource}`);
    return route(event, context);
  };
}

/** How a path parameter is called in an error, in the words of the people who typed it. */
const PARAMETER_NAMES: Readonly<Record<string, string>> = {
  id: 'order ID',
  sku: 'SKU',
  customerId: 'customer ID',
  keyId: 'key ID',
};

/** A path parameter that must match `pattern`. @throws ApiError `invalid_request` */
export function pathParameter(event: APIGatewayProxyEvent, name: string, pattern: RegExp): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || !pattern.test(value))
    throw new ApiError('invalid_request', `the ${PARAMETER_NAMES[name] ?? name} in the URL is not a valid one`);
  return value;
}
