import { z } from 'zod';
import type { OpResult, SimContext } from './sim-context.js';
import type { SimDevice, SimUser } from './sim-device.js';

/*
 * Device and server life: new devices, revocations, devices going offline for a while and
 * coming back, server restarts.
 */

/** Bounds that keep the run's cost flat: devices per user and live devices in all. */
const MAX_DEVICES_PER_USER = 3;
const MAX_LIVE_DEVICES = 24;
/** A revocation leaves the user at least this many devices (owners commit from two at once). */
const MIN_DEVICES_AFTER_REVOCATION = 2;
/** At most this share of the live devices is offline at a time. */
const MAX_OFFLINE_SHARE = 0.4;

const liveDevicesOf = (user: SimUser): SimDevice[] =>
  user.devices.filter((d) => d.state !== 'revoked');

/**
 * A new device of a user (password login, approved by another device of the user). It is
 * expected to join the user's existing conversations by itself when it starts.
 */
export async function newDevice(ctx: SimContext): Promise<OpResult> {
  if (ctx.world.liveDevices().length >= MAX_LIVE_DEVICES) return null;
  const users = ctx.world.users.filter((u) => liveDevicesOf(u).length < MAX_DEVICES_PER_USER);
  if (users.length === 0) return null;
  const device = await ctx.world.addDevice(ctx.prng.pick(users), false);
  ctx.trace(`${device.label} is new`);
  return [];
}

/** Revokes a device, as an administrator or from another device of the same user. */
export async function revokeDevice(ctx: SimContext): Promise<OpResult> {
  const users = ctx.world.users.filter(
    (u) => liveDevicesOf(u).length > MIN_DEVICES_AFTER_REVOCATION,
  );
  if (users.length === 0) return null;
  const devices = liveDevicesOf(ctx.prng.pick(users));
  const victim = ctx.prng.pick(devices);
  const isByAdmin = ctx.prng.chance(0.5);
  const token = isByAdmin
    ? ctx.world.adminToken
    : ctx.prng.pick(devices.filter((d) => d !== victim)).token;
  const path = isByAdmin
    ? `/api/admin/devices/${victim.deviceId}/revoke`
    : `/api/me/devices/${victim.deviceId}/revoke`;
  ctx.trace(
    `${victim.label} (${victim.state}) revoked ${isByAdmin ? 'by the admin' : 'by the user'}`,
  );
  await ctx.world.server.api(token).request('POST', path, undefined, z.null());
  await victim.markRevoked();
  return [];
}

export async function goOffline(ctx: SimContext): Promise<OpResult> {
  const live = ctx.world.liveDevices();
  const online = live.filter((d) => d.isOnline);
  if (live.length - online.length + 1 > live.length * MAX_OFFLINE_SHARE) return null;
  const device = ctx.prng.pick(online);
  ctx.trace(`${device.label} goes offline`);
  await device.goOffline();
  return [];
}

/** An offline device comes back: opened on its store, it catches up and sends its outbox. */
export async function reconnect(ctx: SimContext): Promise<OpResult> {
  const offline = ctx.world.liveDevices().filter((d) => d.state === 'offline');
  if (offline.length === 0) return null;
  const device = ctx.prng.pick(offline);
  ctx.trace(`${device.label} reconnects`);
  await device.reconnect(ctx.world.server);
  return [];
}

/** The server stops and starts on the same data; WebSocket clients reconnect by themselves. */
export async function restartServer(ctx: SimContext): Promise<OpResult> {
  ctx.trace('server restarts');
  await ctx.world.restartServer();
  return [];
}
