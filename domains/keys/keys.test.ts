import type { Knex } from 'knex';
import { createDb } from '../../lib/db';
import { AppError } from '../../lib/errors';
import { createApiKey, databaseAuthenticator, listApiKeys, revokeApiKey } from '.';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  );

/** The key use cases over the test run's migrated Postgres, without HTTP. */
describe('keys domain', () => {
  let db: Knex;
  const tenantId = `keys-domain-${process.pid}-${Date.now()}`;
  const otherTenant = `${tenantId}-other`;
  const createdBy = { type: 'api_key' as const, id: 'admin', role: 'admin' };

  beforeAll(() => {
    db = createDb(process.env.DATABASE_URL!);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('creates, lists and revokes a key within its tenant; revoking twice keeps the first revocation', async () => {
    const { key, apiKey } = await createApiKey(db, { tenantId, name: 'ci', role: 'viewer', createdBy });
    expect(apiKey).toMatchObject({ tenantId, name: 'ci', role: 'viewer', revokedAt: null, createdBy });
    expect(await listApiKeys(db, tenantId)).toEqual([apiKey]);
    expect(await listApiKeys(db, otherTenant)).toEqual([]);

    const authenticator = databaseAuthenticator(db, { adminKey: 'bootstrap-key-0123456789', tenantId });
    expect(await authenticator.authenticate(key)).toEqual({
      tenantId,
      role: 'viewer',
      superAdmin: false,
      actor: { type: 'api_key', id: apiKey.id, name: 'ci', role: 'viewer' },
    });

    expect(await codeOf(revokeApiKey(db, otherTenant, apiKey.id))).toBe('not_found');
    const revoked = await revokeApiKey(db, tenantId, apiKey.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect((await revokeApiKey(db, tenantId, apiKey.id)).revokedAt).toBe(revoked.revokedAt);
    expect(await listApiKeys(db, tenantId)).toEqual([revoked]);

    authenticator.invalidate();
    expect(await codeOf(authenticator.authenticate(key))).toBe('unauthenticated');
  });

  it('keeps a valid key cached however many unknown tokens are tried', async () => {
    const { key, apiKey } = await createApiKey(db, { tenantId, name: 'cached', role: 'viewer', createdBy });
    const authenticator = databaseAuthenticator(db, { adminKey: 'bootstrap-key-0123456789', tenantId });
    // Time stands still, so the entry cannot expire while the junk is tried (the cache keeps keys 5 s).
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    expect((await authenticator.authenticate(key)).actor.id).toBe(apiKey.id);
    for (let batch = 0; batch < 11; batch++) {
      const junk = Array.from({ length: 1_000 }, (_, index) => `fd_junk_${batch}_${index}`);
      expect(new Set(await Promise.all(junk.map((token) => codeOf(authenticator.authenticate(token)))))).toEqual(new Set(['unauthenticated']));
    }
    // Revoked behind the authenticator's back: only a key still cached is accepted now.
    await db('api_keys').where({ id: apiKey.id }).update({ revoked_at: new Date() });
    try {
      expect((await authenticator.authenticate(key)).actor.id).toBe(apiKey.id);
    } finally {
      clock.mockRestore();
    }
  }, 120_000);
});
