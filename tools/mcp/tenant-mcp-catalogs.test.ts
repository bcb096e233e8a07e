import pino from 'pino';
import { TenantMcpCatalogs } from './tenant-mcp-catalogs';

describe('TenantMcpCatalogs', () => {
  it('drops a tenant nothing used for the idle period, and keeps one in use', async () => {
    let now = 0;
    const loaded: string[] = [];
    const catalogs = new TenantMcpCatalogs({
      loadServers: async (tenantId) => {
        loaded.push(tenantId);
        return [];
      },
      log: pino({ level: 'silent' }),
      maxResultBytes: 1024,
      fetch: () => Promise.reject(new Error('no server in this test')),
      idleMs: 60_000,
      now: () => now,
    });
    const idle = catalogs.providerFor('idle');
    const busy = catalogs.providerFor('busy');
    await idle.refresh();
    now = 50_000;
    expect(catalogs.providerFor('busy')).toBe(busy);
    now = 100_000;
    // "idle" was last used at 0, "busy" at 50 s: only "idle" has been unused for a minute.
    expect(catalogs.providerFor('busy')).toBe(busy);
    expect(catalogs.size).toBe(1);
    const again = catalogs.providerFor('idle');
    expect(again).not.toBe(idle);
    await again.refresh();
    expect(loaded).toEqual(['idle', 'idle']);
    await catalogs.close();
    expect(catalogs.size).toBe(0);
  });
});
