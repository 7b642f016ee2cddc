import { z } from 'zod';

declare const brand: unique symbol;
/** A nominal type: a string that has been checked to be an id of one kind. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type OrganizationId = Brand<string, 'OrganizationId'>;
export type UserId = Brand<string, 'UserId'>;
export type DeviceId = Brand<string, 'DeviceId'>;
export type SessionId = Brand<string, 'SessionId'>;
export type InviteId = Brand<string, 'InviteId'>;
export type PasskeyId = Brand<string, 'PasskeyId'>;

export const USER_ROLES = ['member', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const USER_STATUSES = ['active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
export const DEVICE_KINDS = ['managed', 'personal'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export const DEVICE_PLATFORMS = [
  'web',
  'android',
  'ios',
  'windows',
  'macos',
  'linux',
  'cli',
] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

export const uuidSchema = z.uuid();
export const organizationIdSchema = uuidSchema.transform((v) => v as OrganizationId);
export const userIdSchema = uuidSchema.transform((v) => v as UserId);
export const deviceIdSchema = uuidSchema.transform((v) => v as DeviceId);
export const sessionIdSchema = uuidSchema.transform((v) => v as SessionId);
export const inviteIdSchema = uuidSchema.transform((v) => v as InviteId);
export const passkeyIdSchema = uuidSchema.transform((v) => v as PasskeyId);

/** Lower-case letters, digits and inner hyphens; used in URLs and on the command line. */
export const organizationSlugSchema = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens');

/** Usernames are compared case-insensitively and stored as typed. */
export const usernameSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/,
    'letters, digits, dot, underscore, hyphen',
  );

export const displayNameSchema = z.string().trim().min(1).max(100);
export const departmentSchema = z.string().trim().min(1).max(100);
export const organizationNameSchema = z.string().trim().min(2).max(120);
/** Passwords: long passphrases are welcome; the upper bound keeps hashing cost bounded. */
export const passwordSchema = z.string().min(10).max(256);
/** Opaque bearer secrets (session, invite and setup tokens). */
export const secretTokenSchema = z
  .string()
  .min(20)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/);

export const deviceInfoSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  platform: z.enum(DEVICE_PLATFORMS),
  kind: z.enum(DEVICE_KINDS).default('personal'),
});
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;
