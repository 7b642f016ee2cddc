import type { Violation } from './final-check.js';
import { OPERATIONS, REREADS_VIEWS, type OperationName } from './operation-catalog.js';
import { describeError, errorCodeOf, OperationFailure, type SimContext } from './sim-context.js';
import { snapshotsOf, type SentText, type SimModel } from './sim-model.js';

/*
 * The main loop: operations drawn by weight until the target count has executed. One that
 * does not apply is drawn again and not counted; a burst of sends counts as that many sends.
 * A failed operation is a violation and the run goes on. After each operation the model
 * places what was sent, reading the conversation views when it cannot do so without them.
 */

/** Draws in a row that did not apply before the run is declared stuck. */
const MAX_SKIPS_IN_A_ROW = 1000;

export interface Progress {
  /** Operations executed so far (the number shown in the trace). */
  executed: number;
}

export interface OperationStats {
  readonly counts: Record<OperationName, number>;
  /** CPU milliseconds per kind, the view reads after each included. */
  readonly cpuMillis: Record<OperationName, number>;
  readonly violations: Violation[];
  viewReads: number;
}

const perKind = (): Record<OperationName, number> =>
  Object.fromEntries(Object.keys(OPERATIONS).map((name) => [name, 0])) as Record<
    OperationName,
    number
  >;

export async function runOperations(
  ctx: SimContext,
  target: number,
  weights: Readonly<Record<OperationName, number>>,
  progress: Progress,
): Promise<OperationStats> {
  const stats: OperationStats = {
    counts: perKind(),
    cpuMillis: perKind(),
    violations: [],
    viewReads: 0,
  };
  let skipsInARow = 0;
  while (progress.executed < target) {
    const name = ctx.prng.weighted(weights);
    const cpuStarted = process.cpuUsage();
    let sent: readonly SentText[] = [];
    let isFailed = false;
    try {
      const result = await OPERATIONS[name](ctx);
      if (result === null) {
        if (++skipsInARow > MAX_SKIPS_IN_A_ROW) throw new Error('no operation applies any more');
        continue;
      }
      sent = result;
    } catch (error) {
      isFailed = true;
      if (error instanceof OperationFailure) sent = error.sent;
      ctx.trace(`${name} failed: ${describeError(error)}`);
      stats.violations.push({
        kind: `${name} failed (${errorCodeOf(error)})`,
        detail: `#${progress.executed}: ${describeError(error)}`,
      });
    }
    skipsInARow = 0;
    const count = name === 'send' ? Math.max(1, sent.length) : 1;
    progress.executed += count;
    stats.counts[name] += count;
    const { model, world } = ctx;
    if (isFailed || REREADS_VIEWS.has(name) || !model.placeInSequence(sent)) {
      model.advance(snapshotsOf(await world.conversationViews()), sent);
      stats.viewReads++;
    }
    if (isFailed) adoptServerMembership(model);
    const { user, system } = process.cpuUsage(cpuStarted);
    stats.cpuMillis[name] += (user + system) / 1000;
  }
  return stats;
}

/**
 * After a failed operation the server's member lists are taken as they are, so that one
 * failure is reported once and not again by every later operation on the same conversation.
 */
function adoptServerMembership(model: SimModel): void {
  for (const conversation of model.conversations.values()) {
    const { memberUserIds } = model.snapshot(conversation.id);
    conversation.memberUserIds.clear();
    for (const id of memberUserIds) conversation.memberUserIds.add(id);
  }
}
