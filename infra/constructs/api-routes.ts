/**
 * The API's methods, one per route of infra/routes.ts: the session authorizers, request validation (body models,
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
import { MAX_BODY_BYTES } from '../../shared/http.js';
import { AUTHORIZATION_HEADER_PATTERN, AUTHORIZER_CACHE_SECONDS, ROUTES, pathParameters } from '../routes.js';

/** Adds every route's method to `api`, served by `functions`. */
export function addRoutes(
  stack: Stack,
  api: apigw.RestApi,
  functions: Readonly<Record<HandlerName, NodejsFunction>>,
): void {
  // Sessions are checked on every call (no authorizer cache): a password change revokes tokens at once. Placing an
  // order is the exception (infra/routes.ts, `cached-session`): its transaction re-checks the session at commit.
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

  const models = {
    LoginRequest: model('LoginRequest', { customerId: string(128), password: string(1024) }),
    PasswordRequest: model('PasswordRequest', { oldPassword: string(1024), newPassword: string(1024) }),
    // Bounded by the body limit only: the envelope's own bound is the handler's, with its own code (413).
    OrderRequest: model('OrderRequest', { envelope: string(MAX_BODY_BYTES) }),
  };
  for (const route of ROUTES) {
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
