import type { OrganizationPolicy, PolicyChange } from '@amtsbote/protocol';

/*
 * `amtsbote admin set-policy` options as a policy change, and its answer for people. Ranges are
 * checked by the command's schema and the server's limits by the command itself; here only the
 * spelling of each option.
 */

/** The options as commander hands them over (each a string when given). */
export interface SetPolicyOptions {
  readonly readReceipts?: string;
  readonly maxFileMb?: string;
  readonly fileQuotaGb?: string;
  readonly fileDownload?: string;
  readonly allowFileTypes?: string;
  readonly denyFileTypes?: string;
  readonly vaultWipeAfterFailures?: string;
  readonly maxLockAfterMinutes?: string;
}

export type ParsedPolicyOptions =
  | { readonly isValid: true; readonly change: PolicyChange }
  | { readonly isValid: false; readonly message: string };

function onOff(value: string): boolean | null {
  return value === 'on' ? true : value === 'off' ? false : null;
}

/** A whole number (its range is the command schema's to check). */
function count(value: string): number | undefined {
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/** A whole number, or "default" for the server's value (null). */
function size(value: string): number | null | undefined {
  return value === 'default' ? null : count(value);
}

/** "exe,.BAT, js" → ["exe", "bat", "js"]; "" → []. */
function extensions(list: string): string[] {
  return list
    .split(',')
    .map((e) => e.trim().replace(/^\./, '').toLowerCase())
    .filter((e) => e !== '');
}

export function parseSetPolicyOptions(o: SetPolicyOptions): ParsedPolicyOptions {
  const refuse = (message: string): ParsedPolicyOptions => ({ isValid: false, message });
  const change: PolicyChange = {};
  if (o.readReceipts !== undefined) {
    const setting = onOff(o.readReceipts);
    if (setting === null) return refuse('--read-receipts is on or off');
    change.hasReadReceipts = setting;
  }
  if (o.fileDownload !== undefined) {
    const setting = onOff(o.fileDownload);
    if (setting === null) return refuse('--file-download is on or off');
    change.isFileDownloadAllowed = setting;
  }
  if (o.maxFileMb !== undefined) {
    const megabytes = size(o.maxFileMb);
    if (megabytes === undefined) return refuse('--max-file-mb is a number of MiB or default');
    change.maxFileMegabytes = megabytes;
  }
  if (o.fileQuotaGb !== undefined) {
    const gigabytes = size(o.fileQuotaGb);
    if (gigabytes === undefined) return refuse('--file-quota-gb is a number of GiB or default');
    change.fileQuotaGigabytes = gigabytes;
  }
  if (o.allowFileTypes !== undefined && o.denyFileTypes !== undefined) {
    return refuse('give --allow-file-types or --deny-file-types, not both');
  }
  if (o.allowFileTypes !== undefined) {
    change.fileTypes = { mode: 'allow', extensions: extensions(o.allowFileTypes) };
  }
  if (o.denyFileTypes !== undefined) {
    change.fileTypes = { mode: 'deny', extensions: extensions(o.denyFileTypes) };
  }
  if (o.vaultWipeAfterFailures !== undefined) {
    const failures = count(o.vaultWipeAfterFailures);
    if (failures === undefined) return refuse('--vault-wipe-after-failures is a whole number');
    change.vaultWipeAfterFailures = failures;
  }
  if (o.maxLockAfterMinutes !== undefined) {
    const minutes = count(o.maxLockAfterMinutes);
    if (minutes === undefined) return refuse('--max-lock-after-minutes is a number of minutes');
    change.maxLockAfterMinutes = minutes;
  }
  return { isValid: true, change };
}

/** One line per changed setting, with the value now in force, e.g. "read receipts on for org". */
export function describePolicyChange(
  change: PolicyChange,
  policy: OrganizationPolicy,
  org: string,
): string {
  const onOrOff = (value: boolean): string => (value ? 'on' : 'off');
  const lines: string[] = [];
  if (change.hasReadReceipts !== undefined) {
    lines.push(`read receipts ${onOrOff(policy.hasReadReceipts)}`);
  }
  if (change.maxFileMegabytes !== undefined) {
    lines.push(`largest file ${policy.maxFileMegabytes} MiB`);
  }
  if (change.fileQuotaGigabytes !== undefined) {
    lines.push(`file quota ${policy.fileQuotaGigabytes} GiB`);
  }
  if (change.isFileDownloadAllowed !== undefined) {
    lines.push(`saving files on devices ${onOrOff(policy.isFileDownloadAllowed)}`);
  }
  if (change.fileTypes !== undefined) {
    const { mode, extensions: listed } = policy.fileTypes;
    const list = listed.join(', ');
    if (mode === 'allow')
      lines.push(`file types: ${listed.length === 0 ? 'none' : `only ${list}`}`);
    else lines.push(`file types: ${listed.length === 0 ? 'all' : `all but ${list}`}`);
  }
  if (change.vaultWipeAfterFailures !== undefined) {
    lines.push(`app vaults wiped after ${policy.vaultWipeAfterFailures} failed PINs`);
  }
  if (change.maxLockAfterMinutes !== undefined) {
    lines.push(`apps lock after at most ${policy.maxLockAfterMinutes} idle minutes`);
  }
  return lines.map((line) => `${line} for ${org}\n`).join('');
}
