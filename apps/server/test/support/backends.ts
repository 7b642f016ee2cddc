import { describe } from 'vitest';
import { postgresAvailability } from './postgres.js';
import type { Backend } from './test-server.js';

// In CI postgresAvailability() throws when PostgreSQL is unreachable, so the run fails there.
const availability = await postgresAvailability();

/** Why the PostgreSQL half cannot run here (one line), or null when it can. */
export const POSTGRES_SKIP_REASON: string | null = availability.isAvailable
  ? null
  : availability.reason.replace(/\s+/g, ' ');
if (POSTGRES_SKIP_REASON !== null) {
  console.warn(`PostgreSQL suites skipped: ${POSTGRES_SKIP_REASON}`);
}

export const BACKENDS: readonly Backend[] = ['pglite', 'postgres'];

export function skipReasonOf(backend: Backend): string | null {
  return backend === 'postgres' ? POSTGRES_SKIP_REASON : null;
}

/**
 * Declares the same suite once per storage backend, so both report identical test names
 * ("… on pglite", "… on postgres"). A backend that cannot run here is skipped with its reason
 * in the suite title.
 */
export function describeOnEachBackend(title: string, body: (backend: Backend) => void): void {
  for (const backend of BACKENDS) {
    const reason = skipReasonOf(backend);
    const name =
      reason === null ? `${title} on ${backend}` : `${title} on ${backend} (skipped: ${reason})`;
    describe.skipIf(reason !== null)(name, () => {
      body(backend);
    });
  }
}
