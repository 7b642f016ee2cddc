import { sql, type Kysely } from 'kysely';
import type { ConversationEventRow, Database, WelcomeRow } from '../storage/schema.js';
import { asBytes } from './bytes.js';
import type { RoutedEvent } from './delivery.js';
import { recipientsQuery } from './routing-store.js';

/* Queries on the per-conversation event log, welcomes and device cursors. */

export async function insertEvent(db: Kysely<Database>, row: ConversationEventRow): Promise<void> {
  await db.insertInto('conversation_events').values(row).execute();
}

export interface MessageToStore {
  readonly organizationId: string;
  readonly conversationId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly messageId: string;
  readonly epoch: number;
  readonly intent: 'post' | 'response';
  readonly data: Uint8Array;
  readonly sentAt: Date;
}

/**
 * Stores an application message in ONE statement when everything allows it: the conversation
 * is the organization's and at the message's epoch, the user a current member allowed to post
 * it (channels: owners and posters, anyone responds), the device routed, live and its user
 * active. The conversation's last_seq moves on and the event is inserted atomically; its row
 * lock orders it with commits as the checked transaction does. Returns the seq and the devices
 * to push it to (listRecipients, in the same statement), or null when a condition does not
 * hold (the caller then finds out which, in the checked transaction). A message id stored
 * before raises the unique violation of conversation_events_message.
 *
 * The recipients are read in the statement's snapshot. That is as true as reading them after
 * it: a commit that changes the membership holds the conversation's row lock and moves the
 * epoch, so a message racing it waits for the lock and is then refused for its epoch.
 */
export async function insertMessageIfAllowed(
  db: Kysely<Database>,
  message: MessageToStore,
): Promise<StoredNewMessage | null> {
  const result = await sql<{ seq: number; recipients: string[] }>`
    with advanced as (
      update conversations c set last_seq = c.last_seq + 1
      where c.id = ${message.conversationId}
        and c.organization_id = ${message.organizationId}
        and c.epoch = ${message.epoch}
        and exists (
          select 1 from conversation_members m
          where m.conversation_id = c.id and m.user_id = ${message.userId}
            and m.removed_at is null
            and (c.kind <> 'channel' or ${message.intent}::text = 'response'
              or m.role in ('owner', 'poster')))
        and exists (
          select 1 from conversation_devices cd
          join devices d on d.id = cd.device_id
          join users u on u.id = d.user_id
          where cd.conversation_id = c.id and cd.device_id = ${message.deviceId}
            and cd.until_seq is null and d.revoked_at is null and u.status = 'active')
      returning c.last_seq
    ), inserted as (
      insert into conversation_events
        (conversation_id, seq, type, epoch, sender_device_id, message_id, data, sent_at, intent)
      select ${message.conversationId}::uuid, advanced.last_seq, 'message', ${message.epoch}::bigint,
        ${message.deviceId}::uuid, ${message.messageId}::uuid, ${message.data}::bytea,
        ${message.sentAt}::timestamptz, ${message.intent}::text
      from advanced
      returning seq
    )
    select i.seq, array(${recipientsQuery(message.conversationId, sql`i.seq`, message.deviceId)})
      as recipients
    from inserted i`.execute(db);
  const row = result.rows[0];
  return row === undefined ? null : { seq: row.seq, recipients: row.recipients };
}

export interface StoredNewMessage {
  readonly seq: number;
  /** The connected or not devices routed at seq, except the sender's. */
  readonly recipients: readonly string[];
}

export interface StoredMessage {
  readonly seq: number;
  readonly sentAt: Date;
  readonly senderDeviceId: string;
}

/** A message already stored under this id, for idempotent resends. */
export async function findMessage(
  db: Kysely<Database>,
  organizationId: string,
  conversationId: string,
  messageId: string,
): Promise<StoredMessage | undefined> {
  const row = await db
    .selectFrom('conversation_events as e')
    .innerJoin('conversations as c', 'c.id', 'e.conversation_id')
    .select(['e.seq', 'e.sent_at', 'e.sender_device_id'])
    .where('c.id', '=', conversationId)
    .where('c.organization_id', '=', organizationId)
    .where('e.message_id', '=', messageId)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { seq: row.seq, sentAt: row.sent_at, senderDeviceId: row.sender_device_id };
}

export async function insertWelcome(
  db: Kysely<Database>,
  welcome: WelcomeRow,
  deviceIds: readonly string[],
): Promise<void> {
  await db.insertInto('welcomes').values(welcome).execute();
  await db
    .insertInto('welcome_recipients')
    .values(deviceIds.map((deviceId) => ({ device_id: deviceId, welcome_id: welcome.id })))
    .execute();
}

interface StreamRow {
  readonly type: RoutedEvent['type'];
  readonly conversation_id: string;
  readonly seq: number;
  readonly epoch: number;
  readonly sender_device_id: string;
  readonly message_id: string | null;
  readonly intent: RoutedEvent['intent'];
  readonly sent_at: Date;
  readonly data: Uint8Array;
  readonly ratchet_tree: Uint8Array | null;
}

/**
 * The device's pending stream: its welcomes not yet consumed and the events after its cursor
 * within its routing interval and outside its routing gaps, ordered by (conversation, seq),
 * welcomes first. One query.
 */
export async function readStream(
  db: Kysely<Database>,
  deviceId: string,
  limit: number,
): Promise<RoutedEvent[]> {
  const { rows } = await sql<StreamRow & { readonly rank: number }>`
    select * from (
      select 'welcome' as type, w.conversation_id, w.seq, w.epoch, w.sender_device_id,
        null::uuid as message_id, null::text as intent, w.created_at as sent_at, w.data,
        w.ratchet_tree, 0 as rank
      from welcome_recipients r
      join welcomes w on w.id = r.welcome_id
      where r.device_id = ${deviceId}
      union all
      select e.type, e.conversation_id, e.seq, e.epoch, e.sender_device_id,
        e.message_id, e.intent, e.sent_at, e.data, null::bytea as ratchet_tree, 1 as rank
      from conversation_devices cd
      join conversation_events e on e.conversation_id = cd.conversation_id
        and e.seq > greatest(cd.acked_seq, cd.from_seq)
        and (cd.until_seq is null or e.seq <= cd.until_seq)
        and not exists (
          select 1 from routing_gaps g
          where g.conversation_id = cd.conversation_id and g.device_id = cd.device_id
            and e.seq > g.after_seq and e.seq <= g.until_seq
        )
      where cd.device_id = ${deviceId}
    ) stream
    order by conversation_id, seq, rank
    limit ${limit}
  `.execute(db);
  return rows.map((r) => ({
    type: r.type,
    conversationId: r.conversation_id,
    seq: r.seq,
    epoch: r.epoch,
    senderDeviceId: r.sender_device_id,
    messageId: r.message_id,
    intent: r.intent,
    sentAt: r.sent_at,
    data: asBytes(r.data),
    ratchetTree: r.ratchet_tree === null ? null : asBytes(r.ratchet_tree),
  }));
}

export interface Cursor {
  readonly conversationId: string;
  readonly seq: number;
}

const cursorValues = (cursors: readonly Cursor[]) =>
  sql.join(cursors.map((c) => sql`(${c.conversationId}::uuid, ${c.seq}::bigint)`));

export interface DeviceCursor extends Cursor {
  readonly deviceId: string;
}

/**
 * Moves devices' cursors forward, never back and never past the conversation's newest event;
 * conversations a device was never routed in are left alone. One statement for any number of
 * devices (the arrays keep its text the same, so PostgreSQL plans it once per connection); a
 * (device, conversation) pair must appear once. Returns the given devices that have a welcome
 * waiting.
 */
export async function advanceCursors(
  db: Kysely<Database>,
  cursors: readonly DeviceCursor[],
): Promise<Set<string>> {
  if (cursors.length === 0) return new Set();
  const { rows } = await sql<{ device_id: string }>`
    with v as (
      select * from unnest(
        ${cursors.map((c) => c.deviceId)}::uuid[],
        ${cursors.map((c) => c.conversationId)}::uuid[],
        ${cursors.map((c) => c.seq)}::bigint[]
      ) as v(device_id, conversation_id, seq)
    ), moved as (
      update conversation_devices cd
      set acked_seq = greatest(cd.acked_seq, least(v.seq, c.last_seq))
      from v, conversations c
      where cd.device_id = v.device_id
        and cd.conversation_id = v.conversation_id
        and c.id = cd.conversation_id
    )
    select distinct r.device_id::text as device_id
    from welcome_recipients r
    where r.device_id in (select device_id from v)
  `.execute(db);
  return new Set(rows.map((r) => r.device_id));
}

/**
 * Deletes the device's welcomes up to the acknowledged positions, and each welcome that no
 * device is waiting for any more. The welcome rows are locked first so two devices consuming
 * the same welcome at once cannot both leave it behind.
 */
export async function consumeWelcomes(
  db: Kysely<Database>,
  deviceId: string,
  cursors: readonly Cursor[],
): Promise<void> {
  if (cursors.length === 0) return;
  const { rows } = await sql<{ id: string }>`
    select w.id from welcomes w
    join welcome_recipients r on r.welcome_id = w.id and r.device_id = ${deviceId}
    join (values ${cursorValues(cursors)}) as v(conversation_id, seq)
      on v.conversation_id = w.conversation_id and w.seq <= v.seq
    for update of w
  `.execute(db);
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return;
  await db
    .deleteFrom('welcome_recipients')
    .where('device_id', '=', deviceId)
    .where('welcome_id', 'in', ids)
    .execute();
  await db
    .deleteFrom('welcomes as w')
    .where('w.id', 'in', ids)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('welcome_recipients as r')
            .select('r.device_id')
            .whereRef('r.welcome_id', '=', 'w.id'),
        ),
      ),
    )
    .execute();
}
