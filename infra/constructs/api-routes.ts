/**
 * The API's methods, one per route of contract/routes.ts: the session authorizers, request validation (body models,
 * required path parameters and headers), and Lambda integrations that give each function one invoke permission for
 * the whole API.
 *
 * Adds its resources to the stack itself, not to a nested construct (see infra/constructs/data.ts).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { HandlerName } from '../../contract/handlers.js';
import { AUTHORIZATION_HEADER_PATTERN } from '../../contract/gateway.js';
import { AUTHORIZER_CACHE_SECONDS, GATEWAY_MODELS, ROUTE_LIST, pathParameters } from '../../contract/routes.js';

/** Adds every route's method to `api`, served by `functions`. */
export function addRoutes(
  stack: Stack,
  api: apigw.RestApi,
  functions: Readonly<Record<HandlerName, NodejsFunction>>,
): void {
  // Sessions are checked on every call (no authorizer cache): a password change revokes tokens at once. Placing an
  // order is the exception (contract/routes.ts, `cached-session`): its transaction re-checks the session at commit.
  const authorizers = {
    session: new apigw.TokenAuthorizer(stack, 'SessionAuthorizer', {
      handler: functions.authorizer,
      resultsCacheTtl: Duration.seconds(0),
      validationRegex: AUTHORIZATION_HEADER_PATTERN.source,
    }),
    'cached-session': new apigw.TokenAuthorizer(stack, 'OrderSessionAuthorizer', {
      handler: functions.authorizer,
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
      validationRegex: AUTHORIZATION_HEADER_PATTERN.source,
    }),
  };
  const validator = new apigw.RequestValidator(stack, 'Validator', {
    restApi: api,
    validateRequestBody: true,
    validateRequestParameters: true,
  });
  const model = (name: string, properties: Record<string, apigw.JsonSchema>) =>
    api.addModel(name, {
      contentType: 'application/json',
      schema: {
        type: apigw.JsonSchemaType.OBJECT,
        required: Object.keys(properties),
        properties,
        additionalProperties: false,
      },
    });
  const string = (maxLength: number): apigw.JsonSchema => ({
    type: apigw.JsonSchemaType.STRING,
    minLength: 1,
    maxLength,
  });

  // One invoke permission per function for the whole API (its execute-api ARN, any stage, method and path), not one
  // per method and stage: those filled the admin function's resource policy (34 statements, about 15 KB of Lambda's
  // 20 KB) and a few more routes would have failed the deploy.
  const integration = (name: HandlerName) =>
    new apigw.LambdaIntegration(functions[name], { scopePermissionToMethod: false });
  const open = (resource: apigw.IResource, method: string, fn: HandlerName, body?: apigw.IModel) => {
    const created = resource.addMethod(method, integration(fn), {
      authorizationType: apigw.AuthorizationType.NONE,
      requestValidator: validator,
      ...(body ? { requestModels: { 'application/json': body } } : {}),
    });
    Validations.of(created).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'Public by design: login issues the session; health, the server key and the receipt keys need none.',
    });
    Validations.of(created).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Public by design (see APIG4); no Cognito: sessions are the project’s own tokens.',
    });
    return created;
  };
  const secured = (
    resource: apigw.IResource,
    method: string,
    fn: HandlerName,
    authorizer: apigw.IAuthorizer,
    options: { body?: apigw.IModel; parameters?: string[]; headers?: readonly string[] } = {},
  ) => {
    const created = resource.addMethod(method, integration(fn), {
      authorizer,
      authorizationType: apigw.AuthorizationType.CUSTOM,
      requestValidator: validator,
      requestParameters: Object.fromEntries([
        ...(options.parameters ?? []).map((p) => [`method.request.path.${p}`, true] as const),
        ...(options.headers ?? []).map((h) => [`method.request.header.${h}`, true] as const),
      ]),
      ...(options.body ? { requestModels: { 'application/json': options.body } } : {}),
    });
    Validations.of(created).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Authorized by the Lambda authorizer (session tokens with revocation by token version), not Cognito.',
    });
    return created;
  };

  // Each model from its entry in the contract: exactly these members, strings of at most so many characters.
  const models: Partial<Record<string, apigw.IModel>> = Object.fromEntries(
    Object.entries(GATEWAY_MODELS).map(([name, members]) => [
      name,
      model(name, Object.fromEntries(Object.entries(members).map(([member, most]) => [member, string(most)]))),
    ]),
  );
  for (const route of ROUTE_LIST) {
    const resource = api.root.resourceForPath(route.path);
    const body = route.model ? models[route.model] : undefined;
    if (route.auth === 'none') open(resource, route.method, route.handler, body);
    else
      secured(resource, route.method, route.handler, authorizers[route.auth], {
        ...(body ? { body } : {}),
        parameters: pathParameters(route.path),
        headers: route.headers ?? [],
      });
  }
}
