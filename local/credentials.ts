/**
 * The region and credentials of every client the local stack and the benchmark make. DynamoDB Local, the local KMS
 * and the SES emulator accept any signature, but the SDK signs every request, so it needs some region and keys.
 */
export const LOCAL_REGION = 'eu-west-1';

/** Placeholder keys: nothing local checks them, and they reach no AWS account. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
