export type { Authenticator, Principal } from './principal';
export type { ApiKeyView } from './api-key-row';
export { createApiKey } from './create-api-key';
export { listApiKeys } from './list-api-keys';
export { revokeApiKey } from './revoke-api-key';
export { databaseAuthenticator } from './database-authenticator';
