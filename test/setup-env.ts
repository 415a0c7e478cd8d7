/** Environment for every test file: the config the handlers validate, fake credentials, Powertools quiet. */
Object.assign(process.env, {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  CUSTOMERS_TABLE: 'customers',
  INVENTORY_TABLE: 'inventory',
  ORDERS_TABLE: 'orders',
  KEYS_TABLE: 'keys',
  LEDGER_TABLE: 'ledger',
  IDEMPOTENCY_TABLE: 'idempotency',
  KMS_KEY_ID: 'alias/purchase-orders',
  SES_SENDER: 'orders@opd.example',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_SERVICE_NAME: 'purchase-orders-test',
});
