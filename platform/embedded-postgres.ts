// The embedded audit store: PGlite (PostgreSQL compiled to WebAssembly, in this process) served on
// a loopback socket by pglite-socket, so the same SQL and the same `pg` driver work against it as
// against a PostgreSQL server. It takes one connection at a time: open pools with one connection.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export type EmbeddedPostgres = { url: string; stop(): Promise<void> };

/** Starts PGlite (in memory, or persisted under `data_dir`) on 127.0.0.1, on a free port unless one is given. */
export async function startEmbeddedPostgres(
  options: { data_dir?: string; port?: number } = {},
): Promise<EmbeddedPostgres> {
  const database = await PGlite.create(options.data_dir === undefined ? undefined : { dataDir: options.data_dir });
  const server = new PGLiteSocketServer({ db: database, host: '127.0.0.1', port: options.port ?? 0 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres`,
    stop: async () => {
      await server.stop();
      await database.close();
    },
  };
}
