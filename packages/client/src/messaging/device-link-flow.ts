import {
  DeviceLinkError,
  DeviceLinkRequest,
  approveDeviceLink,
  parseDeviceLinkSecret,
  type DeviceLinkSecret,
  type UserSecrets,
} from '@amtsbote/crypto';
import { ApiError } from '../http-api.js';
import type { AccountApi } from './account-api.js';
import type { Account, AccountIds } from './account-store.js';
import { MessagingError } from './messaging-error.js';

/*
 * Device linking as the engine runs it (ADR 0007): the new device asks and waits, another
 * device of the user approves with the code or QR payload the user brings over.
 */

/** What the new device shows while it waits: the code to type, or the payload of a QR code. */
export interface DeviceLinkView {
  readonly linkId: string;
  readonly code: string;
  readonly qrPayload: string;
  readonly expiresAt: string;
}

export interface DeviceLinkWaitOptions {
  /** How often to ask the server whether the link was approved; default 2 s. */
  readonly pollIntervalMs?: number;
  /** Stops waiting (with MessagingError 'cancelled'). */
  readonly signal?: AbortSignal;
}

export interface ApprovedDevice {
  readonly deviceId: string;
  readonly deviceName: string;
}

const DEFAULT_POLL_INTERVAL_MS = 2000;

/** The server's refusals of a link, as the engine's own codes. */
function linkRefusal(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  switch (error.code) {
    case 'device_link_not_found':
    case 'device_link_expired':
    case 'device_link_used':
      return new MessagingError(error.code, error.message, { cause: error });
    default:
      return error;
  }
}

function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const cancelled = (): void => {
      clearTimeout(timer);
      reject(new MessagingError('cancelled', 'stopped waiting for the approval'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    }, ms);
    if (signal?.aborted === true) cancelled();
    else signal?.addEventListener('abort', cancelled, { once: true });
  });
}

/** The new device's side of one link: registered with the server, waiting for approval. */
export class WaitingDeviceLink {
  readonly view: DeviceLinkView;
  readonly #request: DeviceLinkRequest;
  readonly #api: AccountApi;
  readonly #now: () => Date;

  private constructor(
    view: DeviceLinkView,
    request: DeviceLinkRequest,
    api: AccountApi,
    now: () => Date,
  ) {
    this.view = view;
    this.#request = request;
    this.#api = api;
    this.#now = now;
  }

  static async create(
    api: AccountApi,
    ids: AccountIds,
    now: () => Date,
  ): Promise<WaitingDeviceLink> {
    const request = await DeviceLinkRequest.create(ids);
    const created = await api.createDeviceLink(request);
    const view: DeviceLinkView = {
      linkId: created.id,
      code: request.code,
      qrPayload: request.qrPayload(created.id),
      expiresAt: created.expiresAt,
    };
    return new WaitingDeviceLink(view, request, api, now);
  }

  /**
   * Waits until another device approved the link, then opens the user secrets. Transient
   * failures are retried until the link's expiry; the server's refusals end the wait.
   */
  async waitForSecrets(options: DeviceLinkWaitOptions = {}): Promise<UserSecrets> {
    const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const expiresAtMs = Date.parse(this.view.expiresAt);
    for (;;) {
      if (options.signal?.aborted === true) {
        throw new MessagingError('cancelled', 'stopped waiting for the approval');
      }
      try {
        const state = await this.#api.deviceLinkState(this.view.linkId);
        if (state.status === 'approved') return await this.#open(state);
      } catch (error) {
        if (!isTransient(error) || this.#now().getTime() > expiresAtMs) throw linkRefusal(error);
      }
      await pause(interval, options.signal);
    }
  }

  async #open(state: {
    readonly sealedSecrets: Uint8Array;
    readonly confirmation: Uint8Array;
  }): Promise<UserSecrets> {
    try {
      return await this.#request.openApproval(
        this.view.linkId,
        state.sealedSecrets,
        state.confirmation,
      );
    } catch (error) {
      if (error instanceof DeviceLinkError) {
        throw new MessagingError(
          'device_link_mismatch',
          'the approval was not made with this device’s code: the link may have been tampered with',
          { cause: error },
        );
      }
      throw error;
    }
  }
}

function parseInput(input: string): DeviceLinkSecret {
  try {
    return parseDeviceLinkSecret(input);
  } catch (error) {
    if (error instanceof DeviceLinkError) {
      throw new MessagingError('device_link_code_invalid', error.message, { cause: error });
    }
    throw error;
  }
}

/**
 * Approves the new device whose code or QR payload the user entered: seals the user secrets to
 * the pending link that the code verifies, and hands them to the server for that device.
 */
export async function approveLinkedDevice(
  api: AccountApi,
  account: Account,
  input: string,
): Promise<ApprovedDevice> {
  const secret = parseInput(input);
  const links = await api.listDeviceLinks();
  let approval;
  try {
    approval = await approveDeviceLink(
      secret,
      links,
      { organizationId: account.organizationId, userId: account.userId },
      { identityKey: account.identityKey, historyKey: account.historyKey },
    );
  } catch (error) {
    if (!(error instanceof DeviceLinkError)) throw error;
    throw error.reason === 'no_matching_link'
      ? new MessagingError(
          'device_link_not_found',
          'no device waits for approval with this code (wrong code, or expired or used link)',
          { cause: error },
        )
      : new MessagingError(
          'device_link_mismatch',
          'the waiting device does not match the code: the link may have been tampered with',
          { cause: error },
        );
  }
  try {
    await api.approveDeviceLink(approval.linkId, approval.sealedSecrets, approval.confirmation);
  } catch (error) {
    throw linkRefusal(error);
  }
  const deviceName = links.find((l) => l.id === approval.linkId)?.deviceName ?? '';
  return { deviceId: approval.deviceId, deviceName };
}
