/*
 * Mentions in the composer's draft, as pure functions over text and UTF-16 offsets (the offsets
 * the protocol's `mentions` use). A mention covers "@Name" including the "@". Any edit that
 * touches a mention's text drops it (the text no longer names the person), edits before it move
 * it, edits after it leave it alone.
 */

/** MAX_MENTIONS and the mention length limit of the message content schema. */
export const MAX_MENTIONS = 100;
const MAX_MENTION_CHARS = 200;
/** Longest "@…" query that still opens suggestions: a first and last name with some room. */
const MAX_QUERY_CHARS = 40;

export interface Mention {
  readonly userId: string;
  /** UTF-16 offset of the "@" in the text. */
  readonly start: number;
  /** UTF-16 length of "@Name". */
  readonly length: number;
}

export interface MentionCandidate {
  readonly userId: string;
  readonly displayName: string;
}

/** The "@…" being typed at the caret: where its "@" is and what follows up to the caret. */
export interface MentionQuery {
  readonly start: number;
  readonly text: string;
}

export interface DraftWithMentions {
  readonly text: string;
  readonly mentions: readonly Mention[];
}

const end = (mention: Mention): number => mention.start + mention.length;

/**
 * The query typed at the caret, or null: an "@" at the start of the text or after a space or
 * opening bracket, followed by at most MAX_QUERY_CHARS characters without a line break, and not
 * the "@" of a mention already made.
 */
export function mentionQueryAt(
  text: string,
  caret: number,
  mentions: readonly Mention[],
): MentionQuery | null {
  if (caret <= 0) return null;
  const at = text.lastIndexOf('@', caret - 1);
  if (at < 0 || caret - at - 1 > MAX_QUERY_CHARS) return null;
  const query = text.slice(at + 1, caret);
  if (/[\n\r@]/.test(query) || query.startsWith(' ')) return null;
  const before = at === 0 ? '' : text.charAt(at - 1);
  if (before !== '' && !/[\s([{"'„«»]/.test(before)) return null;
  if (mentions.some((m) => at >= m.start && at < end(m))) return null;
  return { start: at, text: query };
}

/** Lower case without accents, so "ba" finds "Bär" and "Bähr". */
function folded(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLocaleLowerCase();
}

/** The candidates whose name, or a word of it, starts with the query; in the given order. */
export function matchingCandidates<T extends MentionCandidate>(
  candidates: readonly T[],
  query: string,
): T[] {
  const wanted = folded(query.trim());
  if (wanted === '') return [...candidates];
  return candidates.filter((candidate) => {
    const name = folded(candidate.displayName);
    return name.startsWith(wanted) || name.split(/\s+/).some((word) => word.startsWith(wanted));
  });
}

/**
 * Replaces the query with "@Name " and records the mention. Returns the new draft and where the
 * caret goes (after the space). A name too long for the schema is inserted without a mention.
 */
export function insertMention(
  draft: DraftWithMentions,
  query: MentionQuery,
  candidate: MentionCandidate,
): DraftWithMentions & { readonly caret: number } {
  const label = `@${candidate.displayName}`;
  const queryEnd = query.start + 1 + query.text.length;
  const text = `${draft.text.slice(0, query.start)}${label} ${draft.text.slice(queryEnd)}`;
  const shifted = shiftMentions(draft.mentions, query.start, queryEnd, label.length + 1);
  const mention: Mention = { userId: candidate.userId, start: query.start, length: label.length };
  const mentions =
    label.length <= MAX_MENTION_CHARS ? sortedMentions([...shifted, mention]) : shifted;
  return { text, mentions, caret: query.start + label.length + 1 };
}

/** Mentions after the old range [from, to) was replaced by `insertedLength` characters. */
function shiftMentions(
  mentions: readonly Mention[],
  from: number,
  to: number,
  insertedLength: number,
): Mention[] {
  const delta = insertedLength - (to - from);
  return mentions.flatMap((m) => {
    if (end(m) <= from) return [m];
    if (m.start >= to) return [{ ...m, start: m.start + delta }];
    return [];
  });
}

/**
 * The mentions after the draft changed from `before` to `after` by one edit (typing, deleting,
 * pasting). `caret` is the caret after the edit; it tells where the edit happened when the text
 * alone is ambiguous (typing "a" in "aa").
 */
export function updateMentions(
  before: string,
  after: string,
  caret: number,
  mentions: readonly Mention[],
): Mention[] {
  if (mentions.length === 0 || before === after) return [...mentions];
  const shorter = Math.min(before.length, after.length);
  let suffix = 0;
  const maxSuffix = Math.min(shorter, Math.max(0, after.length - caret));
  while (
    suffix < maxSuffix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix += 1;
  }
  let prefix = 0;
  const maxPrefix = shorter - suffix;
  while (prefix < maxPrefix && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix += 1;
  const changedTo = before.length - suffix;
  const insertedLength = after.length - suffix - prefix;
  return shiftMentions(mentions, prefix, changedTo, insertedLength);
}

function sortedMentions(mentions: readonly Mention[]): Mention[] {
  return [...mentions].sort((a, b) => a.start - b.start);
}

/**
 * The text and mentions as sent: surrounding white space trimmed (offsets follow), only mentions
 * whose "@Name" is still intact, at most MAX_MENTIONS.
 */
export function mentionsForSending(draft: DraftWithMentions): DraftWithMentions {
  const leading = draft.text.length - draft.text.trimStart().length;
  const text = draft.text.trim();
  const mentions = sortedMentions(draft.mentions)
    .map((m) => ({ ...m, start: m.start - leading }))
    .filter((m) => m.start >= 0 && end(m) <= text.length && text.charAt(m.start) === '@')
    .slice(0, MAX_MENTIONS);
  return { text, mentions };
}

/** A piece of a message's text: plain, or a mention of a user. */
export type TextSegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'mention'; readonly text: string; readonly userId: string };

/**
 * The text split at its mentions, for highlighting. Mentions that do not fit the text (out of
 * range, overlapping, not starting with "@" — after an edit the offsets may be stale) are shown
 * as plain text.
 */
export function textSegments(text: string, mentions: readonly Mention[]): TextSegment[] {
  const segments: TextSegment[] = [];
  let position = 0;
  for (const m of sortedMentions(mentions)) {
    if (m.start < position || end(m) > text.length || text.charAt(m.start) !== '@') continue;
    if (m.start > position) segments.push({ kind: 'text', text: text.slice(position, m.start) });
    segments.push({ kind: 'mention', text: text.slice(m.start, end(m)), userId: m.userId });
    position = end(m);
  }
  if (position < text.length) segments.push({ kind: 'text', text: text.slice(position) });
  return segments;
}

/** The catalog key announcing a new text: urgent and mentioning the reader are said first. */
export function arrivalKey(
  content: { readonly mentions: readonly Mention[]; readonly isUrgent: boolean },
  ownUserId: string,
):
  | 'chat.newMessageFrom'
  | 'compose.newMentionFrom'
  | 'compose.newUrgentMessageFrom'
  | 'compose.newUrgentMentionFrom' {
  const isMentioned = content.mentions.some((m) => m.userId === ownUserId);
  if (content.isUrgent) {
    return isMentioned ? 'compose.newUrgentMentionFrom' : 'compose.newUrgentMessageFrom';
  }
  return isMentioned ? 'compose.newMentionFrom' : 'chat.newMessageFrom';
}
