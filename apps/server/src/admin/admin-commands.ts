import {
  USER_ROLES,
  departmentSchema,
  displayNameSchema,
  namesAnySetting,
  organizationNameSchema,
  organizationSlugSchema,
  passwordSchema,
  updatePolicyRequestSchema,
  usernameSchema,
} from '@amtsbote/protocol';
import { z } from 'zod';
import {
  createOrganization,
  createOrganizationUser,
  disableUser,
  enableUser,
  findUserIdByUsername,
  listOrganizationUsers,
  requireOrganization,
} from '../identity/admin-service.js';
import type { IdentityContext } from '../identity/identity-context.js';
import { createInvite } from '../identity/invite-service.js';
import { listOrganizations } from '../identity/organizations-store.js';
import { changePolicy } from '../identity/policy-service.js';
import { toOrganizationView } from '../identity/views.js';
import { assertNever } from '../errors.js';

/**
 * Operator commands, the same whether the CLI runs them on storage itself or sends them to a
 * running server over the admin socket. Each is a case of one union, parsed by one schema.
 */
export const adminCommandSchema = z.discriminatedUnion('command', [
  z.strictObject({
    command: z.literal('create-org'),
    slug: organizationSlugSchema,
    name: organizationNameSchema,
  }),
  z.strictObject({
    command: z.literal('create-user'),
    org: organizationSlugSchema,
    username: usernameSchema,
    displayName: displayNameSchema,
    department: departmentSchema.optional(),
    role: z.enum(USER_ROLES).default('member'),
    password: passwordSchema.optional(),
  }),
  z.strictObject({
    command: z.literal('invite'),
    org: organizationSlugSchema,
    role: z.enum(USER_ROLES).default('member'),
    expiresInHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(72),
  }),
  z.strictObject({
    command: z.literal('disable-user'),
    org: organizationSlugSchema,
    username: usernameSchema,
  }),
  z.strictObject({
    command: z.literal('enable-user'),
    org: organizationSlugSchema,
    username: usernameSchema,
  }),
  z.strictObject({ command: z.literal('list-users'), org: organizationSlugSchema }),
  z.strictObject({ command: z.literal('list-orgs') }),
  // Only the named settings change (as PUT /api/admin/policy); at least one is named.
  z
    .strictObject({
      command: z.literal('set-policy'),
      org: organizationSlugSchema,
      ...updatePolicyRequestSchema.shape,
    })
    .refine((c) => namesAnySetting({ ...c, command: undefined, org: undefined }), {
      message: 'name at least one setting to change',
    }),
]);
export type AdminCommand = z.output<typeof adminCommandSchema>;
export type AdminCommandInput = z.input<typeof adminCommandSchema>;

export async function runAdminCommand(
  ctx: IdentityContext,
  command: AdminCommand,
): Promise<unknown> {
  switch (command.command) {
    case 'create-org':
      return createOrganization(ctx, { slug: command.slug, name: command.name });
    case 'create-user': {
      const organizationId = await requireOrganization(ctx, command.org);
      return createOrganizationUser(ctx, organizationId, {
        username: command.username,
        displayName: command.displayName,
        department: command.department ?? null,
        role: command.role,
        password: command.password ?? null,
      });
    }
    case 'invite': {
      const organizationId = await requireOrganization(ctx, command.org);
      return createInvite(ctx, organizationId, null, {
        role: command.role,
        expiresInHours: command.expiresInHours,
      });
    }
    case 'disable-user': {
      const organizationId = await requireOrganization(ctx, command.org);
      return disableUser(
        ctx,
        organizationId,
        await findUserIdByUsername(ctx, organizationId, command.username),
      );
    }
    case 'enable-user': {
      const organizationId = await requireOrganization(ctx, command.org);
      return enableUser(
        ctx,
        organizationId,
        await findUserIdByUsername(ctx, organizationId, command.username),
      );
    }
    case 'list-users': {
      const organizationId = await requireOrganization(ctx, command.org);
      return listOrganizationUsers(ctx, organizationId, { limit: 100_000 });
    }
    case 'list-orgs':
      return (await listOrganizations(ctx.db)).map(toOrganizationView);
    case 'set-policy':
      // The command is the change (its setting fields), with command and org besides.
      return changePolicy(ctx, await requireOrganization(ctx, command.org), command);
    default:
      return assertNever(command);
  }
}
