import {
  errorBodySchema,
  loginResponseSchema,
  meResponseSchema,
  sessionGrantSchema,
  type ErrorCode,
  type FieldError,
  type LoginRequest,
  type LoginResponse,
  type MeResponse,
  type SessionGrant,
  type SetupRequest,
  type AcceptInviteRequest,
} from '@amtsbote/protocol';
import type { z } from 'zod';

/** An error answer of the server, with its stable code; or a transport failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network_error' | 'unexpected_response';
  readonly requestId: string | null;
  /** The offending fields of a 400, for forms to mark. */
  readonly fields: readonly FieldError[];

  constructor(
    status: number,
    code: ApiError['code'],
    message: string,
    requestId: string | null,
    options: { cause?: unknown; fields?: readonly FieldError[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.fields = options.fields ?? [];
  }
}

export interface HttpApiOptions {
  readonly baseUrl: string;
  readonly fetch?: typeof globalThis.fetch;
  readonly token?: string | null;
}

/** JSON of a response body, or null when it is none. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The server's typed error of a failed request, or unexpected_response. */
export function errorOfResponse(status: number, json: unknown): ApiError {
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) {
    return new ApiError(status, 'unexpected_response', `HTTP ${status}`, null);
  }
  const e = parsed.data.error;
  return new ApiError(status, e.code, e.message, e.requestId ?? null, {
    ...(e.fields === undefined ? {} : { fields: e.fields }),
  });
}

/** Typed access to the HTTP API: requests are checked by the server, responses by us. */
export class HttpApi {
  readonly #baseUrl: string;
  readonly #fetch: typeof globalThis.fetch;
  #token: string | null;

  constructor(options: HttpApiOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#token = options.token ?? null;
  }

  get token(): string | null {
    return this.#token;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  /**
   * A request whose answer is not JSON (a file download): the response of a 2xx status with its
   * body unread; any other status becomes the server's typed error.
   */
  async fetchRaw(
    method: string,
    path: string,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.#token !== null) headers['authorization'] = `Bearer ${this.#token}`;
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, { method, headers });
    } catch (error) {
      throw new ApiError(0, 'network_error', 'the server could not be reached', null, {
        cause: error,
      });
    }
    if (!response.ok) {
      const text = await response.text();
      throw errorOfResponse(response.status, text === '' ? null : safeJson(text));
    }
    return response;
  }

  async request<S extends z.ZodType>(
    method: string,
    path: string,
    body: unknown,
    schema: S,
  ): Promise<z.output<S>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#token !== null) headers['authorization'] = `Bearer ${this.#token}`;
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(0, 'network_error', 'the server could not be reached', null, {
        cause: error,
      });
    }
    const text = await response.text();
    const json: unknown = text === '' ? null : JSON.parse(text);
    if (!response.ok) throw errorOfResponse(response.status, json);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError(
        response.status,
        'unexpected_response',
        'the response has an unexpected shape',
        null,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  #adopt(grant: SessionGrant): SessionGrant {
    this.#token = grant.token;
    return grant;
  }

  async setup(request: SetupRequest): Promise<SessionGrant> {
    return this.#adopt(await this.request('POST', '/api/setup', request, sessionGrantSchema));
  }

  async login(request: LoginRequest): Promise<LoginResponse> {
    const response = await this.request('POST', '/api/auth/login', request, loginResponseSchema);
    if (response.status === 'authenticated') this.#adopt(response);
    return response;
  }

  async acceptInvite(request: AcceptInviteRequest): Promise<SessionGrant> {
    return this.#adopt(
      await this.request('POST', '/api/invites/accept', request, sessionGrantSchema),
    );
  }

  async me(): Promise<MeResponse> {
    return this.request('GET', '/api/me', undefined, meResponseSchema);
  }
}
