import { base64urlDecode, base64urlEncode, type PendingDeviceLink } from '@amtsbote/crypto';
import {
  createdDeviceLinkSchema,
  deviceLinkStateSchema,
  listDeviceLinksResponseSchema,
  recoveryViewSchema,
  type CreatedDeviceLink,
} from '@amtsbote/protocol';
import { z } from 'zod';
import { ApiError, type HttpApi } from '../http-api.js';

/*
 * The HTTP endpoints of device links and recovery (ADR 0007), typed, with bytes as Uint8Array
 * on this side and base64url on the wire. Errors are the HttpApi's ApiError.
 */

export interface ListedDeviceLink extends PendingDeviceLink {
  readonly deviceName: string;
}

export type LinkState =
  | { readonly status: 'pending'; readonly expiresAt: string }
  | {
      readonly status: 'approved';
      readonly expiresAt: string;
      readonly sealedSecrets: Uint8Array;
      readonly confirmation: Uint8Array;
    };

export class AccountApi {
  readonly #http: HttpApi;

  constructor(http: HttpApi) {
    this.#http = http;
  }

  async createDeviceLink(link: {
    readonly publicKey: Uint8Array;
    readonly codeTag: Uint8Array;
    readonly qrTag: Uint8Array;
  }): Promise<CreatedDeviceLink> {
    return this.#http.request(
      'POST',
      '/api/me/device-links',
      {
        publicKey: base64urlEncode(link.publicKey),
        codeTag: base64urlEncode(link.codeTag),
        qrTag: base64urlEncode(link.qrTag),
      },
      createdDeviceLinkSchema,
    );
  }

  async listDeviceLinks(): Promise<ListedDeviceLink[]> {
    const { links } = await this.#http.request(
      'GET',
      '/api/me/device-links',
      undefined,
      listDeviceLinksResponseSchema,
    );
    return links.map((l) => ({
      id: l.id,
      deviceId: l.deviceId,
      deviceName: l.deviceName,
      publicKey: base64urlDecode(l.publicKey),
      codeTag: base64urlDecode(l.codeTag),
      qrTag: base64urlDecode(l.qrTag),
    }));
  }

  async approveDeviceLink(
    linkId: string,
    sealedSecrets: Uint8Array,
    confirmation: Uint8Array,
  ): Promise<void> {
    await this.#http.request(
      'POST',
      `/api/me/device-links/${encodeURIComponent(linkId)}/approve`,
      {
        sealedSecrets: base64urlEncode(sealedSecrets),
        confirmation: base64urlEncode(confirmation),
      },
      z.null(),
    );
  }

  async deviceLinkState(linkId: string): Promise<LinkState> {
    const state = await this.#http.request(
      'GET',
      `/api/me/device-links/${encodeURIComponent(linkId)}`,
      undefined,
      deviceLinkStateSchema,
    );
    return state.status === 'pending'
      ? { status: 'pending', expiresAt: state.expiresAt }
      : {
          status: 'approved',
          expiresAt: state.expiresAt,
          sealedSecrets: base64urlDecode(state.sealedSecrets),
          confirmation: base64urlDecode(state.confirmation),
        };
  }

  async putRecovery(sealedSecrets: Uint8Array): Promise<void> {
    await this.#http.request(
      'PUT',
      '/api/me/recovery',
      { sealedSecrets: base64urlEncode(sealedSecrets) },
      recoveryViewSchema,
    );
  }

  /** The user's sealed secrets for recovery; null when the user has none. */
  async recovery(): Promise<Uint8Array | null> {
    try {
      const view = await this.#http.request(
        'GET',
        '/api/me/recovery',
        undefined,
        recoveryViewSchema,
      );
      return base64urlDecode(view.sealedSecrets);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'recovery_not_found') return null;
      throw error;
    }
  }
}
