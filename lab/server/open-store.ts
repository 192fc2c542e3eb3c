// The workshop's store a --progress-db names: a postgres:// URL is a
// PostgreSQL database that every server of the workshop reaches (pods on
// Kubernetes); anything else is an SQLite file on this host (':memory:'
// for one server's life). Opened before any VM starts, so a store the
// server cannot open stops it at once, saying why.
import type { WorkshopStore } from './workshop-store.ts';

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(?:ql)?:\/\//.test(spec);
}

export async function openWorkshopStore(spec: string): Promise<WorkshopStore> {
  if (isPostgresUrl(spec)) {
    const { PostgresStore } = await import('./postgres-store.ts');
    return PostgresStore.open(spec);
  }
  const { SqliteStore } = await import('./sqlite-store.ts');
  return new SqliteStore(spec);
}
