/** CDK entry point (cdk.json): the stack, checked by cdk-nag's AwsSolutions pack on every synth. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PurchaseOrdersStack } from './stack.js';

const app = new App();
new PurchaseOrdersStack(app, 'PurchaseOrders', {
  description: 'Secure purchase orders: signed, encrypted orders processed serverlessly',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
