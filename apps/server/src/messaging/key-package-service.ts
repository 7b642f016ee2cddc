import {
  KEY_PACKAGE_LOW_WATERMARK,
  type ClaimedKeyPackage,
  type CiphersuiteId,
  type KeyPackageStock,
  type claimKeyPackagesRequestSchema,
  type uploadKeyPackagesRequestSchema,
} from '@amtsbote/protocol';
import type { z } from 'zod';
import { notFound } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { decodeBytes, encodeBytes, invalidField } from './bytes.js';
import { findActiveUserIds } from './conversations-store.js';
import {
  countStock,
  findClaimTargets,
  insertOneTimeKeyPackages,
  readLastResortKeyPackages,
  replaceLastResortKeyPackage,
  takeOneTimeKeyPackages,
} from './key-packages-store.js';
import type { MessagingContext } from './messaging-context.js';

/** A device keeps at most this many one-time key packages per suite: storage is not free. */
export const MAX_ONE_TIME_KEY_PACKAGES = 1000;

export async function uploadKeyPackages(
  ctx: MessagingContext,
  principal: Principal,
  input: z.output<typeof uploadKeyPackagesRequestSchema>,
): Promise<KeyPackageStock> {
  const oneTime = input.oneTime.map((text, i) => ({
    id: ctx.newId(),
    data: decodeBytes(text, `oneTime.${i}`),
  }));
  const lastResort =
    input.lastResort === undefined
      ? null
      : { id: ctx.newId(), data: decodeBytes(input.lastResort, 'lastResort') };
  const owner = { organizationId: principal.organizationId, deviceId: principal.deviceId };
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    // The device row lock serialises uploads of one device, so the cap holds.
    await tx
      .selectFrom('devices')
      .select('id')
      .where('id', '=', principal.deviceId)
      .forUpdate()
      .execute();
    const stock = (await countStock(tx, [principal.deviceId], input.ciphersuite)).get(
      principal.deviceId,
    );
    if ((stock?.oneTimeCount ?? 0) + oneTime.length > MAX_ONE_TIME_KEY_PACKAGES) {
      throw invalidField('oneTime', `at most ${MAX_ONE_TIME_KEY_PACKAGES} key packages in stock`);
    }
    await insertOneTimeKeyPackages(tx, owner, input.ciphersuite, oneTime, now);
    if (lastResort !== null) {
      await replaceLastResortKeyPackage(tx, owner, input.ciphersuite, lastResort, now);
    }
  });
  return describeKeyPackageStock(ctx, principal, input.ciphersuite);
}

export async function describeKeyPackageStock(
  ctx: MessagingContext,
  principal: Principal,
  ciphersuite: CiphersuiteId,
): Promise<KeyPackageStock> {
  const stock = (await countStock(ctx.db, [principal.deviceId], ciphersuite)).get(
    principal.deviceId,
  );
  return {
    ciphersuite,
    oneTimeCount: stock?.oneTimeCount ?? 0,
    hasLastResort: stock?.hasLastResort ?? false,
    lowWatermark: KEY_PACKAGE_LOW_WATERMARK,
  };
}

/**
 * One key package for each live device of the listed users (minus the excluded ones): a
 * one-time package when there is one, else the device's last-resort package. Devices with
 * neither are left out. Devices left below the watermark are told to upload more.
 */
export async function claimKeyPackages(
  ctx: MessagingContext,
  principal: Principal,
  input: z.output<typeof claimKeyPackagesRequestSchema>,
): Promise<ClaimedKeyPackage[]> {
  const userIds = [...new Set(input.userIds)];
  const activeUserIds = await findActiveUserIds(ctx.db, principal.organizationId, userIds);
  if (activeUserIds.size !== userIds.length) throw notFound('user_not_found', 'user');

  const { claimed, stock } = await ctx.db.transaction().execute(async (tx) => {
    const targets = await findClaimTargets(
      tx,
      principal.organizationId,
      userIds,
      input.excludeDeviceIds,
    );
    const targetIds = targets.map((t) => t.deviceId);
    const oneTime = await takeOneTimeKeyPackages(tx, targetIds, input.ciphersuite);
    const lastResort = await readLastResortKeyPackages(
      tx,
      targetIds.filter((id) => !oneTime.has(id)),
      input.ciphersuite,
    );
    const result: ClaimedKeyPackage[] = [];
    for (const target of targets) {
      const taken = oneTime.get(target.deviceId);
      const kept = lastResort.get(target.deviceId);
      const keyPackage = taken ?? kept;
      if (keyPackage === undefined) continue;
      result.push({
        userId: target.userId,
        deviceId: target.deviceId,
        keyPackage: encodeBytes(keyPackage),
        isLastResort: taken === undefined,
      });
    }
    return { claimed: result, stock: await countStock(tx, targetIds, input.ciphersuite) };
  });

  for (const { deviceId } of claimed) {
    const oneTimeCount = stock.get(deviceId)?.oneTimeCount ?? 0;
    if (oneTimeCount < KEY_PACKAGE_LOW_WATERMARK) {
      ctx.delivery.pushNotice(deviceId, {
        type: 'key_packages_low',
        ciphersuite: input.ciphersuite,
        oneTimeCount,
      });
    }
  }
  return claimed;
}
