import type { DeviceView, OrganizationView, SessionView, UserView } from '@amtsbote/protocol';
import { DEVICE_PLATFORMS, type DevicePlatform } from '@amtsbote/protocol';
import type { DeviceRow, OrganizationRow, SessionRow, UserRow } from '../storage/schema.js';

/* Stored rows become API views here, and only here: no hash or secret column leaves this file. */

export function toOrganizationView(row: OrganizationRow): OrganizationView {
  return { id: row.id, slug: row.slug, name: row.name };
}

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    department: row.department,
    role: row.role,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  };
}

function toPlatform(value: string): DevicePlatform {
  return (DEVICE_PLATFORMS as readonly string[]).includes(value)
    ? (value as DevicePlatform)
    : 'web';
}

export function toDeviceView(row: DeviceRow, currentDeviceId: string | null): DeviceView {
  return {
    id: row.id,
    name: row.name,
    platform: toPlatform(row.platform),
    kind: row.kind,
    createdAt: row.created_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    isCurrent: row.id === currentDeviceId,
  };
}

export function toSessionView(
  row: SessionRow,
  deviceName: string,
  currentSessionId: string,
): SessionView {
  return {
    id: row.id,
    deviceId: row.device_id,
    deviceName,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    isCurrent: row.id === currentSessionId,
  };
}
