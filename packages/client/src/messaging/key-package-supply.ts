import { generateKeyPackages } from '@amtsbote/crypto';
import { SerialQueue } from '../store/serial-queue.js';
import type { Account } from './account-store.js';
import type { MessagingApi } from './messaging-api.js';
import type { StoredKeyPackages } from './stored-key-packages.js';

/** One-time key packages a device keeps on the server; refilled below the server's watermark. */
export const KEY_PACKAGE_TARGET = 30;

/**
 * Keeps this device's key packages on the server for its ciphersuite: one-time packages up to
 * the target and one last-resort package. Private halves are stored before the upload.
 */
export class KeyPackageSupply {
  readonly #account: Account;
  readonly #api: MessagingApi;
  readonly #store: StoredKeyPackages;
  readonly #target: number;
  readonly #queue = new SerialQueue();

  constructor(account: Account, api: MessagingApi, store: StoredKeyPackages, target: number) {
    this.#account = account;
    this.#api = api;
    this.#store = store;
    this.#target = target;
  }

  /** Tops up the stock when it is below the watermark or has no last-resort package. */
  async replenish(): Promise<void> {
    await this.#queue.run(async () => {
      const { ciphersuite, device } = this.#account;
      const stock = await this.#api.keyPackageStock(ciphersuite);
      const missing =
        stock.oneTimeCount < stock.lowWatermark ? this.#target - stock.oneTimeCount : 0;
      if (missing <= 0 && stock.hasLastResort) return;
      const options = { ciphersuite, store: this.#store };
      const oneTime =
        missing > 0
          ? await generateKeyPackages(device, missing, { ...options, lastResort: false })
          : [];
      const [lastResort] = stock.hasLastResort
        ? []
        : await generateKeyPackages(device, 1, { ...options, lastResort: true });
      await this.#api.uploadKeyPackages(ciphersuite, oneTime, lastResort ?? null);
    });
  }
}
