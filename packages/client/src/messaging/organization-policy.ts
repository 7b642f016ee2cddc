import type { OrganizationPolicy } from '@amtsbote/protocol';
import type { MessagingApi } from './messaging-api.js';

/**
 * The organization's policy as this client last read it (on start and on every sync). Kept in
 * memory: until it has been read, the client assumes the stricter setting (no read receipts),
 * so a privacy switch is never missed by a client that could not ask.
 */
export class PolicyCache {
  readonly #api: MessagingApi;
  #policy: OrganizationPolicy | null = null;

  constructor(api: MessagingApi) {
    this.#api = api;
  }

  async refresh(): Promise<OrganizationPolicy> {
    this.#policy = await this.#api.policy();
    return this.#policy;
  }

  /**
   * The policy as last read, read first if it never was; fails when it cannot be read. For
   * what needs the server anyway (sending a file): there is no stricter setting to assume.
   */
  async current(): Promise<OrganizationPolicy> {
    return this.#policy ?? this.refresh();
  }

  /** True only when the server said so. */
  get hasReadReceipts(): boolean {
    return this.#policy?.hasReadReceipts ?? false;
  }

  /** Reads the policy first if it was never read; false when it cannot be read. */
  async allowsReadReceipts(): Promise<boolean> {
    if (this.#policy !== null) return this.#policy.hasReadReceipts;
    try {
      return (await this.refresh()).hasReadReceipts;
    } catch {
      return false;
    }
  }
}
