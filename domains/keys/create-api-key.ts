import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { ulid } from 'ulidx';
import type { Actor } from '../../lib/events';
import type { Role } from '../../lib/run-spec';
import { hashKey, presentApiKey, type ApiKeyRow, type ApiKeyView } from './api-key-row';

/** Creates a key; the returned `key` is the only time anyone sees it (only its hash is stored). */
export async function createApiKey(
  db: Knex,
  input: { tenantId: string; name: string; role: Role; createdBy: Actor },
): Promise<{ key: string; apiKey: ApiKeyView }> {
  const key = `fd_${randomBytes(24).toString('base64url')}`;
  const [row] = await db<ApiKeyRow>('api_keys')
    .insert({
      id: `key_${ulid()}`,
      tenant_id: input.tenantId,
      name: input.name,
      role: input.role,
      key_hash: hashKey(key),
      created_by: JSON.stringify(input.createdBy) as unknown as Actor,
      created_at: new Date(),
    })
    .returning('*');
  return { key, apiKey: presentApiKey(row!) };
}
