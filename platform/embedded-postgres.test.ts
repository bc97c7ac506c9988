import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { createPool, migrate, readMigrations } from './postgres.js';
import { join } from 'node:path';

describe('embedded PostgreSQL (PGlite behind its socket)', () => {
  it('runs the project migrations and answers the pg driver like a server', async () => {
    const embedded = await startEmbeddedPostgres();
    const pool = createPool(embedded.url, { max_connections: 1 });
    try {
      const directory = join(import.meta.dirname, '..', 'migrations');
      const applied = await migrate(pool, directory);
      expect(applied).toMatchObject({ applied: readMigrations(directory).map((migration) => migration.name) });
      const { rows } = await pool.query<{ total: string }>('select (1.1 + 2.2)::numeric::text as total');
      expect(rows).toEqual([{ total: '3.3' }]);
      await expect(pool.query('delete from audit_log')).rejects.toThrow(/KEEL_ERR_AUDIT_LOG_APPEND_ONLY/);
    } finally {
      await pool.end();
      await embedded.stop();
    }
  });
});
