import { sql, type Kysely } from 'kysely';

/**
 * Web push subscriptions (ADR 0015): at most one per device, replaced when the device
 * subscribes again and gone with the device. The endpoint is a capability URL of the browser's
 * push service and the auth value a secret shared with the browser: both are kept because every
 * push is encrypted and addressed with them, and neither is ever logged. The server checks the
 * endpoint's host when it is stored and again before each send; the table only holds the
 * scheme and the length.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('push_subscriptions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('device_id', 'uuid', (c) =>
      c.notNull().unique().references('devices.id').onDelete('cascade'),
    )
    .addColumn('endpoint', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`length(endpoint) <= 2048 and (endpoint like 'https://%' or endpoint like 'http://%')`,
        ),
    )
    // The browser's P-256 public key (uncompressed point) and authentication secret (RFC 8291).
    .addColumn('p256dh', 'bytea', (c) => c.notNull().check(sql`length(p256dh) = 65`))
    .addColumn('auth', 'bytea', (c) => c.notNull().check(sql`length(auth) = 16`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_success_at', 'timestamptz')
    // Failed sends since the last success; 404 and 410 delete the row instead.
    .addColumn('failure_count', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`failure_count >= 0`),
    )
    .execute();
  // The cleanup after revocations goes by organization.
  await db.schema
    .createIndex('push_subscriptions_organization')
    .on('push_subscriptions')
    .columns(['organization_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('push_subscriptions').execute();
}
