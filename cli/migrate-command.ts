// `keel migrate [--directory DIR]`: brings the PostgreSQL schema at DATABASE_URL up to date.
import { createPool, defaultMigrationsDirectory, migrate } from '../platform/postgres.js';
import type { CommandContext } from './command.js';

export const migrate_usage = `keel migrate [--directory DIR]

Applies to the database at DATABASE_URL every migration (DIR/NNNN_name.sql, default the project's
migrations/) that it has not applied yet, in order, each in its own transaction, and prints which
were applied and which were already there, as JSON. Running it again applies nothing. An applied
migration whose file has changed since is refused (migrations are forward-only). Several runners
at once take turns.

  --directory DIR  where the migration files are (default: migrations/ of this installation)`;

export async function migrateCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({ directory: { type: 'string' } });
  const directory = values.directory ?? defaultMigrationsDirectory();
  const pool = createPool(context.config.database.url, { max_connections: 1, application_name: 'keel-migrate' });
  try {
    const report = await migrate(pool, directory);
    for (const name of report.applied) context.progress(`keel migrate: applied ${name}`);
    context.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    await pool.end();
  }
}
