import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

// Type OIDs fixed in PostgreSQL's pg_type catalog. pg-types 2.2 lists TEXT among its builtins but not NAME.
const NAME_TYPE_OID = 19;
const TEXT_TYPE_OID = 25;

/** Row description from the PostgreSQL wire protocol, reduced to what the type remapping reads. */
interface RowDescription {
  fields: Array<{ dataTypeID: number }>;
}

/**
 * A pg client that reports columns of PostgreSQL's `name` type (OID 19) as `text` (OID 25).
 *
 * @prisma/adapter-pg 6.19 rejects `name` columns ("Column type 'name' could not be deserialized"),
 * and the schema engine's catalog queries return them, so `prisma migrate deploy` fails without
 * this. Both types arrive as plain strings, so the values are unchanged. The listener is prepended
 * so it runs before the client hands the row description to the active query.
 */
class NameAsTextClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.connection.prependListener('rowDescription', (message: RowDescription) => {
      for (const field of message.fields) {
        if (field.dataTypeID === NAME_TYPE_OID) {
          field.dataTypeID = TEXT_TYPE_OID;
        }
      }
    });
  }
}

/**
 * Creates the Prisma driver adapter factory for the PostgreSQL database at `databaseUrl`. The
 * Prisma CLI (through prisma.config.ts) and the runtime client both use it.
 */
export function createPgAdapterFactory(databaseUrl: string): PrismaPg {
  return new PrismaPg({
    connectionString: databaseUrl,
    Client: NameAsTextClient,
    // Idle pooled connections do not keep Node.js running. The Prisma CLI never closes its pool,
    // so without this every command waits for the pool's 10 s idle timeout before it exits.
    allowExitOnIdle: true,
  });
}
