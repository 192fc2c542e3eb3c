// The workshop's store a --progress-db names: a postgres:// URL is a
// PostgreSQL database that every server of the workshop reaches (pods on
// Kubernetes); anything else is an SQLite file on this host (':memory:'
// for one server's life). Opened before any VM starts, so a store the
// server cannot open stops it, saying why (a database on its way up is
// waited for a minute first).
import type { WorkshopStore } from './workshop-store.ts';

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(?:ql)?:\/\//.test(spec);
}

export async function openWorkshopStore(spec: string, log?: (message: string) => void): Promise<WorkshopStore> {
  if (isPostgresUrl(spec)) {
    const { PostgresStore } = await import('./postgres-store.ts');
    return PostgresStore.open(spec, { log });
  }
  const { SqliteStore } = await import('./sqlite-store.ts');
  return new SqliteStore(spec);
}
