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

/** A path parameter that must match `pattern`. @throws ApiError `invalid_request` */
export function pathParameter(event: APIGatewayProxyEvent, name: string, pattern: RegExp): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || !pattern.test(value)) throw new ApiError('invalid_request', `invalid ${name} in the path`);
  return value;
}
