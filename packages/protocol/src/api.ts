import { z } from 'zod';
import {
  DEVICE_KINDS,
  DEVICE_PLATFORMS,
  USER_ROLES,
  USER_STATUSES,
  departmentSchema,
  deviceIdSchema,
  deviceInfoSchema,
  displayNameSchema,
  organizationNameSchema,
  organizationSlugSchema,
  passwordSchema,
  secretTokenSchema,
  usernameSchema,
} from './identity.js';

/* Request and response bodies of the HTTP API. Requests are strict: unknown fields are rejected. */

const isoDate = z.iso.datetime();

export const userViewSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  department: z.string().nullable(),
  role: z.enum(USER_ROLES),
  status: z.enum(USER_STATUSES),
  createdAt: isoDate,
});
export type UserView = z.infer<typeof userViewSchema>;

export const deviceViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  platform: z.enum(DEVICE_PLATFORMS),
  kind: z.enum(DEVICE_KINDS),
  createdAt: isoDate,
  lastSeenAt: isoDate,
  revokedAt: isoDate.nullable(),
  isCurrent: z.boolean(),
});
export type DeviceView = z.infer<typeof deviceViewSchema>;

export const sessionViewSchema = z.object({
  id: z.uuid(),
  deviceId: z.uuid(),
  deviceName: z.string(),
  createdAt: isoDate,
  lastUsedAt: isoDate,
  expiresAt: isoDate,
  isCurrent: z.boolean(),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

export const organizationViewSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
});
export type OrganizationView = z.infer<typeof organizationViewSchema>;

/** Returned by every call that opens a session. The token is shown once and never stored. */
export const sessionGrantSchema = z.object({
  status: z.literal('authenticated'),
  token: z.string(),
  sessionId: z.uuid(),
  expiresAt: isoDate,
  user: userViewSchema,
  device: deviceViewSchema,
  organization: organizationViewSchema,
});
export type SessionGrant = z.infer<typeof sessionGrantSchema>;

export const setupRequestSchema = z.strictObject({
  token: secretTokenSchema,
  organization: z.strictObject({ slug: organizationSlugSchema, name: organizationNameSchema }),
  admin: z.strictObject({
    username: usernameSchema,
    displayName: displayNameSchema,
    department: departmentSchema.optional(),
    password: passwordSchema,
  }),
  device: deviceInfoSchema,
});
export type SetupRequest = z.input<typeof setupRequestSchema>;

export const setupStatusSchema = z.object({ isSetupDone: z.boolean() });

export const loginRequestSchema = z.strictObject({
  organization: organizationSlugSchema,
  username: usernameSchema,
  password: z.string().min(1).max(256),
  device: deviceInfoSchema,
});
export type LoginRequest = z.input<typeof loginRequestSchema>;

/** WebAuthn JSON objects are validated by @simplewebauthn; here only their outer size and shape. */
const webauthnJsonSchema = z.record(z.string(), z.unknown());

export const passkeyChallengeSchema = z.object({
  status: z.literal('passkey_required'),
  challengeId: z.uuid(),
  options: webauthnJsonSchema,
});
export type PasskeyChallenge = z.infer<typeof passkeyChallengeSchema>;

export const loginResponseSchema = z.discriminatedUnion('status', [
  sessionGrantSchema,
  passkeyChallengeSchema,
]);
export type LoginResponse = z.infer<typeof loginResponseSchema>;

export const passkeyLoginOptionsRequestSchema = z.strictObject({
  organization: organizationSlugSchema,
});
export const passkeyOptionsResponseSchema = z.object({
  challengeId: z.uuid(),
  options: webauthnJsonSchema,
});
export type PasskeyOptionsResponse = z.infer<typeof passkeyOptionsResponseSchema>;

export const passkeyLoginRequestSchema = z.strictObject({
  challengeId: z.uuid(),
  response: webauthnJsonSchema,
  device: deviceInfoSchema,
});
export type PasskeyLoginRequest = z.input<typeof passkeyLoginRequestSchema>;

export const passkeyRegisterRequestSchema = z.strictObject({
  challengeId: z.uuid(),
  response: webauthnJsonSchema,
  name: z.string().trim().min(1).max(80),
});

export const passkeyViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
});
export type PasskeyView = z.infer<typeof passkeyViewSchema>;

export const securitySettingsSchema = z.strictObject({
  requirePasskey: z.boolean(),
});

export const meResponseSchema = z.object({
  user: userViewSchema,
  device: deviceViewSchema,
  organization: organizationViewSchema,
  sessionId: z.uuid(),
  requirePasskey: z.boolean(),
});
export type MeResponse = z.infer<typeof meResponseSchema>;

export const createInviteRequestSchema = z.strictObject({
  role: z.enum(USER_ROLES).default('member'),
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
});
export const inviteViewSchema = z.object({
  id: z.uuid(),
  role: z.enum(USER_ROLES),
  createdAt: isoDate,
  expiresAt: isoDate,
  usedAt: isoDate.nullable(),
  revokedAt: isoDate.nullable(),
});
export type InviteView = z.infer<typeof inviteViewSchema>;
export const createdInviteSchema = inviteViewSchema.extend({ url: z.string() });
export type CreatedInvite = z.infer<typeof createdInviteSchema>;

export const inspectInviteRequestSchema = z.strictObject({ token: secretTokenSchema });
export const inviteInfoSchema = z.object({
  organization: organizationViewSchema,
  expiresAt: isoDate,
});
export const acceptInviteRequestSchema = z.strictObject({
  token: secretTokenSchema,
  username: usernameSchema,
  displayName: displayNameSchema,
  department: departmentSchema.optional(),
  password: passwordSchema,
  device: deviceInfoSchema,
});
export type AcceptInviteRequest = z.input<typeof acceptInviteRequestSchema>;

export const idParamsSchema = z.strictObject({ id: z.uuid() });
export const deviceIdParamsSchema = z.strictObject({ id: deviceIdSchema });

export const listUsersQuerySchema = z.strictObject({
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const updateUserRequestSchema = z.strictObject({
  displayName: displayNameSchema.optional(),
  department: departmentSchema.nullable().optional(),
  role: z.enum(USER_ROLES).optional(),
});
