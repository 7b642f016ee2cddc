import { z } from 'zod';

/** Newline-delimited JSON over a Unix socket in the data directory. */
export const ADMIN_SOCKET_NAME = 'admin.sock';
export const ADMIN_SOCKET_MAX_LINE_BYTES = 64 * 1024;

export const adminSocketRequestSchema = z.strictObject({
  id: z.number().int().min(0),
  body: z.unknown(),
});

export const adminSocketResponseSchema = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    id: z.number().int(),
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), status: z.number().int() }),
  }),
]);
export type AdminSocketResponse = z.infer<typeof adminSocketResponseSchema>;
