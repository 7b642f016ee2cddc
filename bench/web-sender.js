/*
 * The colleague on the other side of the web-budgets conversation: the headless client
 * (@amtsbote/client dist) in this process, signed up through an invitation the administrator
 * made in the browser, live over the WebSocket (sends over HTTP would meet the per-address rate
 * limit the browser shares on loopback).
 */
import { HttpApi, MemoryStore, MessagingClient } from '@amtsbote/client';
import { WebSocket } from 'ws';
import { nowMs } from './stats.js';

/** Texts of a few lengths, so rows differ in height as they do in a real conversation. */
const LINES = [
  'Bitte um Rückruf wegen des Bauantrags.',
  'Die Sitzung des Ausschusses beginnt um 14 Uhr im großen Saal; die Unterlagen liegen im Laufwerk.',
  'Danke!',
  'Können Sie mir die Aktenzeichen der offenen Vorgänge aus dem Oktober schicken? Ich brauche ' +
    'sie für den Bericht an die Amtsleitung, der bis Freitag fertig sein muss.',
  'Erledigt, der Bescheid ist raus.',
];

/** The i-th of n seeded texts; "(i/n)" makes each one findable, "(n/n)" is the newest. */
export const seededText = (i, n) => `(${i}/${n}) ${LINES[i % LINES.length]}`;

export async function startSender({ baseUrl, wsUrl, inviteToken, password }) {
  const http = new HttpApi({ baseUrl });
  const grant = await http.acceptInvite({
    token: inviteToken,
    username: 'bernd',
    displayName: 'Bernd Berger',
    department: 'Bauamt',
    password,
    device: { name: 'Messrechner', platform: 'cli', kind: 'managed' },
  });
  const client = await MessagingClient.bootstrap({
    http,
    session: {
      organizationId: grant.organization.id,
      userId: grant.user.id,
      deviceId: grant.device.id,
    },
    store: new MemoryStore(),
    wsUrl,
    WebSocket,
  });
  await client.start();
  return client;
}

/** The direct conversation with the one colleague `name` finds in the directory. */
export async function directConversationWith(client, name) {
  const { users } = await client.searchDirectory(name);
  if (users.length !== 1) throw new Error(`directory search "${name}" found ${users.length}`);
  const summary = await client.createConversation({
    kind: 'direct',
    memberUserIds: [users[0].id],
  });
  return summary.conversationId;
}

/**
 * Sends seededText(1..count) with `concurrency` sends in flight, then the newest one alone (so
 * it is also the last by the server's order). Counts in `progress.sent`; returns the elapsed ms.
 */
export async function seedTexts(
  client,
  conversationId,
  { count, concurrency, deadline, progress },
) {
  const startMs = nowMs();
  let next = 1;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await client.sendText(conversationId, seededText(i, count));
      progress.sent++;
      if (i % 250 === 0) deadline.check(`seeding (${progress.sent} of ${count} sent)`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await client.sendText(conversationId, seededText(count, count));
  progress.sent++;
  return nowMs() - startMs;
}
