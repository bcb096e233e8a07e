import { createHash } from 'node:crypto';
import type { Actor } from '../../lib/events';
import type { Role } from '../../lib/run-spec';

/** A row of `api_keys`: only the key's hash is stored. */
export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  key_hash: string;
  created_by: Actor | null;
  created_at: Date;
  revoked_at: Date | null;
}

export interface ApiKeyView {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
  createdBy: Actor | null;
}

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export const presentApiKey = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  role: row.role,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
  createdBy: row.created_by,
});
