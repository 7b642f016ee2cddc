import type { ConversationView } from '@amtsbote/protocol';

/*
 * What the harness expects, kept apart from what the clients say. User membership changes only
 * through the harness's own operations. Device membership comes from the server's conversation
 * views (the devices routed in the group), read after every operation that can change them.
 * A message's readers are the devices in the group when it was stored: when it is the next seq
 * after the last views, those; otherwise the views are read again, and the seqs of the commits
 * in between tell on which side of them the message lies.
 */

export interface Snapshot {
  readonly epoch: number;
  readonly lastSeq: number;
  readonly deviceIds: ReadonlySet<string>;
  readonly memberUserIds: ReadonlySet<string>;
}

export type Snapshots = ReadonlyMap<string, Snapshot>;

export interface SimConversation {
  readonly id: string;
  readonly label: string;
  readonly kind: 'direct' | 'group';
  readonly ownerUserId: string;
  /** Relative weight when a conversation is drawn for a send. */
  readonly sendWeight: number;
  /** Group size bounds for adds and removals. */
  readonly minMembers: number;
  readonly maxMembers: number;
  /** Users who must not be removed (the owner, the observer u0, both sides of a direct). */
  readonly fixedUserIds: ReadonlySet<string>;
  readonly memberUserIds: Set<string>;
}

/** A message the server stored, as one operation sent it. */
export interface SentText {
  readonly conversationId: string;
  readonly messageId: string;
  readonly seq: number;
  readonly text: string;
  readonly senderDeviceId: string;
  readonly senderUserId: string;
}

export interface ExpectedMessage extends SentText {
  /** Devices that must show it. */
  readonly mustRead: ReadonlySet<string>;
  /** Devices that may show it (equal to mustRead unless the order against a commit is unknown). */
  readonly mayRead: ReadonlySet<string>;
}

export function snapshotsOf(views: readonly ConversationView[]): Map<string, Snapshot> {
  return new Map(
    views.map((view) => [
      view.id,
      {
        epoch: view.epoch,
        lastSeq: view.lastSeq,
        deviceIds: new Set(view.deviceIds),
        memberUserIds: new Set(view.members.map((m) => m.userId)),
      },
    ]),
  );
}

const intersection = (a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> =>
  new Set([...a].filter((x) => b.has(x)));

export class SimModel {
  readonly conversations = new Map<string, SimConversation>();
  readonly messages = new Map<string, ExpectedMessage>();
  /** Messages whose side of a concurrent commit could not be told (only bounds checked). */
  ambiguousCount = 0;
  #snapshots: Snapshots = new Map();

  snapshot(conversationId: string): Snapshot {
    const snapshot = this.#snapshots.get(conversationId);
    if (snapshot === undefined) throw new Error(`no view of conversation ${conversationId}`);
    return snapshot;
  }

  addConversation(conversation: SimConversation): void {
    this.conversations.set(conversation.id, conversation);
  }

  /**
   * Places texts that directly follow the last views (each the next seq of its conversation,
   * so no commit came between): their readers are the devices routed now. Places nothing and
   * returns false when any text does not; the caller then reads the views (advance()).
   */
  placeInSequence(sent: readonly SentText[]): boolean {
    const lastSeqs = new Map<string, number>();
    for (const text of sent) {
      const lastSeq =
        lastSeqs.get(text.conversationId) ?? this.snapshot(text.conversationId).lastSeq;
      if (text.seq !== lastSeq + 1) return false;
      lastSeqs.set(text.conversationId, text.seq);
    }
    const snapshots = new Map(this.#snapshots);
    for (const text of sent) {
      const snapshot = this.snapshot(text.conversationId);
      this.messages.set(text.messageId, {
        ...text,
        mustRead: snapshot.deviceIds,
        mayRead: snapshot.deviceIds,
      });
      snapshots.set(text.conversationId, { ...snapshot, lastSeq: text.seq });
    }
    this.#snapshots = snapshots;
    return true;
  }

  /**
   * Takes views read after an operation and places the texts sent since the views before:
   * the group changed by (after.epoch - before.epoch) commits, at the seqs in
   * (before.lastSeq, after.lastSeq] that are not the texts'. A text before all of them was
   * read by the devices routed before, one after all of them by those routed after.
   */
  advance(after: Snapshots, sent: readonly SentText[]): void {
    const before = this.#snapshots;
    for (const text of sent) {
      const pre = before.get(text.conversationId);
      const post = after.get(text.conversationId);
      if (post === undefined) throw new Error(`no view of conversation ${text.conversationId}`);
      const readers =
        pre === undefined
          ? null
          : readersAt(pre, post, text.seq, seqsOf(sent, text.conversationId));
      if (readers !== null) {
        this.messages.set(text.messageId, { ...text, mustRead: readers, mayRead: readers });
      } else {
        this.ambiguousCount++;
        const base = pre ?? post;
        this.messages.set(text.messageId, {
          ...text,
          mustRead: intersection(base.deviceIds, post.deviceIds),
          mayRead: new Set([...base.deviceIds, ...post.deviceIds]),
        });
      }
    }
    this.#snapshots = after;
  }
}

function seqsOf(sent: readonly SentText[], conversationId: string): Set<number> {
  return new Set(sent.filter((s) => s.conversationId === conversationId).map((s) => s.seq));
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** The routed devices at seq, or null when the views cannot tell. */
function readersAt(
  pre: Snapshot,
  post: Snapshot,
  seq: number,
  ownSeqs: ReadonlySet<number>,
): ReadonlySet<string> | null {
  const commitSeqs: number[] = [];
  for (let s = pre.lastSeq + 1; s <= post.lastSeq; s++) if (!ownSeqs.has(s)) commitSeqs.push(s);
  // Anything else than commits between the views (a message of no operation): cannot tell.
  if (commitSeqs.length !== post.epoch - pre.epoch) return null;
  if (commitSeqs.length === 0) return sameSet(pre.deviceIds, post.deviceIds) ? pre.deviceIds : null;
  if (commitSeqs.every((s) => s > seq)) return pre.deviceIds;
  if (commitSeqs.every((s) => s < seq)) return post.deviceIds;
  return null;
}
