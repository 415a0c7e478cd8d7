/**
 * The CDK stack as the tests under test/infra/ see it, synthesized once per test file.
 *
 * A complete synthesis, as `cdk synth` and infra/app.ts do it, takes about 9 s of CPU here: bundling the nine
 * functions (about 5 s), CDK's built-in CloudFormation template validation (about 3.5 s) and cdk-nag's AwsSolutions
 * checks (about 1 s) are nearly all of it. One file makes it (test/infra/synth.test.ts: that it succeeds, the bundles,
 * cdk-nag's report). The others read only the template, and synthesize it without those three: CDK's
 * `aws:cdk:bundling-stacks` context, empty, skips bundling, and validations only read a template. Their template is
 * the same but for the functions' asset hashes (their S3 keys), which they do not read.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { expect } from 'vitest';
import { madeBeforeAll } from './before-all.js';
import { PurchaseOrdersStack } from '../../infra/stack.js';

/** The template's resources by logical ID. */
export type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/**
 * Synthesizes what `build` adds to a new app completely, with cdk-nag's AwsSolutions checks.
 * @returns cdk-nag's report (if it wrote one), what synthesis threw (if it did), and the cloud assembly's directory
 */
export function synthWithNag(build: (app: App) => void): { report: unknown; error: unknown; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'po-cdk-'));
  const app = new App({ outdir });
  build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown;
  try {
    app.synth();
  } catch (caught) {
    error = caught;
  }
  const reportFile = join(outdir, 'policy-validation-report.json');
  return {
    report: existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined,
    error,
    outdir,
  };
}

/** The PurchaseOrders stack, synthesized completely (with cdk-nag's report and the bundled functions' assets). */
export interface CompleteSynthesis {
  readonly template: Template;
  readonly resources: Resources;
  /** cdk-nag's report, if it wrote one. */
  readonly nagReport: unknown;
  /** The cloud assembly's directory, with the bundled functions' assets. */
  readonly outdir: string;
}

/** Synthesizes the PurchaseOrders stack completely; fails the calling hook if synthesis throws. */
export function synthesizeStackCompletely(): CompleteSynthesis {
  let stack!: PurchaseOrdersStack;
  const { report, error, outdir } = synthWithNag((app) => {
    stack = new PurchaseOrdersStack(app, 'PurchaseOrders');
  });
  expect(error, String(error)).toBeUndefined();
  const template = Template.fromStack(stack);
  return { template, resources: template.toJSON().Resources as Resources, nagReport: report, outdir };
}

/**
 * Synthesizes the PurchaseOrders stack's template only: no bundling, no validation (see above).
 * @returns the template, its resources, and the cloud assembly's directory (the assets that need no bundling)
 */
export function synthesizeTemplate(): { template: Template; resources: Resources; outdir: string } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const template = Template.fromStack(new PurchaseOrdersStack(app, 'PurchaseOrders'));
  return { template, resources: template.toJSON().Resources as Resources, outdir: app.outdir };
}

/** The resources of that CloudFormation type, as [logical ID, resource] pairs. */
export const resourcesOfType = (resources: Resources, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** One API Gateway method of the template, with its route as contract/routes.ts spells it (`GET /orders/{id}`). */
export interface ApiMethod {
  readonly route: string;
  readonly id: string;
  readonly properties: Record<string, unknown>;
}

/** The template's API Gateway methods, each with its full path resolved from the resources' PathPart/ParentId tree. */
export function apiMethods(resources: Resources): ApiMethod[] {
  const byId = new Map(resourcesOfType(resources, 'AWS::ApiGateway::Resource'));
  const pathOf = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    const resource = id === undefined ? undefined : byId.get(id);
    if (!resource) return ''; // the API's root
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart as string}`;
  };
  return resourcesOfType(resources, 'AWS::ApiGateway::Method').map(([id, method]) => ({
    route: `${method.Properties.HttpMethod as string} ${pathOf(method.Properties.ResourceId) || '/'}`,
    id,
    properties: method.Properties,
  }));
}

/** The template of {@link synthesizeTemplate}, made in the calling test file's `beforeAll`; read it inside tests. */
export interface SynthesizedTemplate {
  readonly template: Template;
  readonly resources: Resources;
  /** The cloud assembly's directory: the staged assets that need no bundling (the functions' code is not there). */
  readonly outdir: string;
  /** The resources of that CloudFormation type, as [logical ID, resource] pairs. */
  readonly ofType: (type: string) => Array<[string, Resources[string]]>;
}

/** Synthesizes the template once for the calling test file (in its `beforeAll`). */
export function templateForThisFile(): SynthesizedTemplate {
  const made = madeBeforeAll('the template', synthesizeTemplate, { timeoutMs: 120_000 });
  return {
    get template() {
      return made().template;
    },
    get resources() {
      return made().resources;
    },
    get outdir() {
      return made().outdir;
    },
    ofType: (type) => resourcesOfType(made().resources, type),
  };
}
