/**
 * The CDK stack's API: routes and their authorizers, invoke permissions, validation, throttling, tracing, WAF, and
 * the gateway responses. Template assertions for what the design requires.
 */
import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { apiMethods, templateForThisFile } from '../helpers/infra.js';

const stack = templateForThisFile();
const { ofType } = stack;

describe('API', () => {
  it('puts the authorizer on every route except the logins, GET /health, GET /server-key, GET /receipt-keys and the web apps', () => {
    const methods = apiMethods(stack.resources).map((m) => ({
      route: m.route,
      authorization: m.properties.AuthorizationType,
    }));
    const open = methods
      .filter((m) => m.authorization === 'NONE')
      .map((m) => m.route)
      .sort();
    expect(open).toEqual([
      'GET /console', // the web apps' pages and files (test/infra/web-apps.test.ts)
      'GET /console/{file}',
      'GET /health',
      'GET /portal',
      'GET /portal/{file}',
      'GET /receipt-keys',
      'GET /server-key',
      'POST /login',
      'POST /staff/login',
    ]);
    expect(methods.filter((m) => m.authorization === 'CUSTOM').length).toBe(methods.length - open.length);
    expect(methods.map((m) => m.route)).toEqual(
      expect.arrayContaining([
        'POST /orders',
        'GET /orders/{id}',
        'POST /admin/server-keys/rotate',
        'POST /admin/receipt-keys/rotate',
        'DELETE /admin/customers/{customerId}/keys/{keyId}',
      ]),
    );
  });

  it('grants API Gateway one invoke permission per function, and one per authorizer: routes do not grow resource policies', () => {
    const functionIds = ofType('AWS::Lambda::Function').map(([id]) => id);
    const authorizers = ofType('AWS::ApiGateway::Authorizer').length;
    expect(authorizers).toBe(2);
    const permissions = ofType('AWS::Lambda::Permission').map(([, permission]) => ({
      fn: (permission.Properties.FunctionName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
      principal: permission.Properties.Principal as string,
      source: JSON.stringify(permission.Properties.SourceArn),
    }));
    expect(permissions.every((permission) => functionIds.includes(permission.fn))).toBe(true);
    for (const fn of functionIds) {
      const mine = permissions.filter((permission) => permission.fn === fn);
      const fromApi = mine.filter((p) => p.principal === 'apigateway.amazonaws.com');
      const routes = fromApi.filter((p) => !p.source.includes('/authorizers/'));
      expect(routes.length, fn).toBeLessThanOrEqual(1);
      // The API's own execute-api ARN with every stage, method and path: `…:{apiId}/*/*/*`.
      for (const route of routes) expect(route.source, fn).toMatch(/"\/\*\/\*\/\*"\]\]\}$/);
      expect(fromApi.length - routes.length, fn).toBeLessThanOrEqual(authorizers);
      // Anything else: the schedule that runs the sweeper, at most one.
      expect(mine.length - fromApi.length, fn).toBeLessThanOrEqual(1);
    }
    expect(permissions.length).toBeLessThanOrEqual(functionIds.length + authorizers + 1);
  });

  it('checks sessions on every request (no authorizer cache), validates requests, throttles, logs access, traces', () => {
    stack.template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      AuthorizerResultTtlInSeconds: 0,
    });
    stack.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    stack.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: { Ref: 'ApiRateLimit' },
          ThrottlingBurstLimit: { Ref: 'ApiBurstLimit' },
          DataTraceEnabled: false,
        }),
      ],
    });
    // Traffic limits are parameters with production defaults (their bounds: see the next test).
    for (const [name, value] of [
      ['ApiRateLimit', 50],
      ['ApiBurstLimit', 100],
      ['WafRateLimit', 2000],
      ['WafLoginRateLimit', 20],
    ] as const)
      stack.template.hasParameter(name, { Type: 'Number', Default: value });
    stack.template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ FixedRate: 0.05, ReservoirSize: 1 }),
    });
    stack.template.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({
        properties: { envelope: { type: 'string', minLength: 1, maxLength: 32768 } }, // the envelope's 413 is the handler's
        additionalProperties: false,
      }),
    });
  });

  it('samples traces of this API’s stage only: the X-Ray rule names its service, type and ARN, not every API of the account', () => {
    const rules = ofType('AWS::XRay::SamplingRule');
    expect(rules).toHaveLength(1);
    const rule = (rules[0]![1].Properties as { SamplingRule: Record<string, unknown> }).SamplingRule;
    const apiId = ofType('AWS::ApiGateway::RestApi')[0]![0];
    const stage = ofType('AWS::ApiGateway::Stage')[0]![1].Properties.StageName as string;
    expect(rule).toMatchObject({
      FixedRate: 0.05,
      ReservoirSize: 1,
      ServiceName: `PurchaseOrders/${stage}`, // API Gateway's service name: {api-name}/{stage-name}
      ServiceType: 'AWS::ApiGateway::Stage',
      ResourceARN: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':apigateway:',
            { Ref: 'AWS::Region' },
            '::/restapis/',
            { Ref: apiId },
            `/stages/${stage}`,
          ],
        ],
      },
    });
    expect(stack.resources[apiId]!.Properties.Name).toBe('PurchaseOrders');
  });

  it('throttles each method on its own (the stage’s */* method settings), as docs/operations.md and the README say', () => {
    const [, stage] = ofType('AWS::ApiGateway::Stage')[0]!;
    expect(stage.Properties.MethodSettings).toEqual([
      expect.objectContaining({ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: { Ref: 'ApiRateLimit' } }),
    ]);
    const operations = readFileSync('docs/operations.md', 'utf8');
    expect(operations).toContain('| API Gateway throttle, per method |');
    for (const text of [operations, readFileSync('README.md', 'utf8')]) expect(text).not.toMatch(/stage\s+throttle/);
  });

  it('bounds every number parameter by what its service accepts: a WAF rate limit below 10 fails at the parameter', () => {
    const parameters = Object.entries(
      stack.template.toJSON().Parameters as Record<
        string,
        { Type: string; Default?: number; MinValue?: number; MaxValue?: number }
      >,
    ).filter(([, parameter]) => parameter.Type === 'Number');
    expect(parameters.map(([name]) => name).sort()).toEqual([
      'ApiBurstLimit',
      'ApiRateLimit',
      'SesSendRate',
      'WafLoginRateLimit',
      'WafRateLimit',
    ]);
    for (const [name, parameter] of parameters) {
      expect(parameter.MinValue, name).toBeGreaterThanOrEqual(1);
      expect(parameter.MaxValue, name).toBeGreaterThan(parameter.MinValue!);
      expect(parameter.Default, name).toBeGreaterThanOrEqual(parameter.MinValue!);
      expect(parameter.Default, name).toBeLessThanOrEqual(parameter.MaxValue!);
    }
    // WAF's rate-based statement takes 10 to 2,000,000,000 requests per window.
    for (const name of ['WafRateLimit', 'WafLoginRateLimit'])
      stack.template.hasParameter(name, { MinValue: 10, MaxValue: 2_000_000_000 });
    // API Gateway's account quota: 10,000 requests per second, burst 5,000.
    stack.template.hasParameter('ApiRateLimit', { MinValue: 1, MaxValue: 10_000 });
    stack.template.hasParameter('ApiBurstLimit', { MinValue: 1, MaxValue: 5_000 });
  });

  it.each(['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR'])(
    'answers authorizer failures (%s: a thrown authorizer is a configuration error) with 503 and Retry-After, not 500',
    (type) => {
      stack.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: '503',
        ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Retry-After': "'2'" }),
        ResponseTemplates: {
          'application/json': Match.serializedJson(
            Match.objectLike({ error: Match.objectLike({ code: 'service_unavailable' }) }),
          ),
        },
      });
    },
  );

  it('is protected by a WAF web ACL with a /login rate limit and AWS managed rules', () => {
    stack.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.anyValue(),
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebAcl'), 'Arn'] },
    });
    const acl = ofType('AWS::WAFv2::WebACL')[0]![1].Properties as {
      Rules: Array<{ Name: string; Statement: Record<string, unknown> }>;
    };
    const login = acl.Rules.find((r) => r.Name === 'LoginRateLimit')!;
    expect(login.Statement).toMatchObject({
      RateBasedStatement: {
        AggregateKeyType: 'IP',
        ScopeDownStatement: { ByteMatchStatement: { SearchString: '/login' } },
      },
    });
    expect(acl.Rules.map((r) => r.Name)).toEqual(
      expect.arrayContaining(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']),
    );
  });
});

describe('gateway responses', () => {
  it('carry the same security headers as every handler response (nosniff, no-store, HSTS)', () => {
    for (const [, response] of ofType('AWS::ApiGateway::GatewayResponse'))
      expect(response.Properties.ResponseParameters).toMatchObject({
        'gatewayresponse.header.X-Content-Type-Options': "'nosniff'",
        'gatewayresponse.header.Cache-Control': "'no-store'",
        'gatewayresponse.header.Strict-Transport-Security': "'max-age=63072000; includeSubDomains'",
        'gatewayresponse.header.Content-Type': "'application/json; charset=utf-8'",
      });
  });

  it('a method and path no route has (API Gateway says "Missing Authentication Token") is 404 not_found, not 403', () => {
    stack.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: {
        'application/json': Match.serializedJson(Match.objectLike({ error: Match.objectLike({ code: 'not_found' }) })),
      },
    });
  });

  it('a credit without an Idempotency-Key is refused at the edge (a required header, validated), 400', () => {
    const credit = ofType('AWS::ApiGateway::Method').filter(
      ([, method]) =>
        method.Properties.HttpMethod === 'POST' && JSON.stringify(method.Properties.ResourceId).includes('credit'),
    );
    expect(credit).toHaveLength(1);
    expect(credit[0]![1].Properties).toMatchObject({
      RequestParameters: { 'method.request.header.Idempotency-Key': true },
      RequestValidatorId: { Ref: expect.stringMatching(/^Validator/) as unknown },
    });
    stack.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_PARAMETERS',
      StatusCode: '400',
    });
  });

  it('use registered error codes with the status the one error mapping gives them', async () => {
    const { HTTP_STATUS } = await import('../../shared/http.js');
    const responses = ofType('AWS::ApiGateway::GatewayResponse');
    expect(responses.length).toBeGreaterThanOrEqual(7);
    for (const [, response] of responses) {
      const template = (response.Properties.ResponseTemplates as Record<string, string>)['application/json']!;
      const { error } = JSON.parse(template) as { error: { code: keyof typeof HTTP_STATUS } };
      expect(HTTP_STATUS[error.code], error.code).toBeDefined();
      if (response.Properties.StatusCode !== undefined)
        expect(Number(response.Properties.StatusCode)).toBe(HTTP_STATUS[error.code]);
    }
  });
});
