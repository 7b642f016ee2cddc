/*
 * Entry points of the load scenarios for bench/run.js: each returns the report (parameters,
 * rows, ratios against ejabberd, notes and its Markdown table).
 */
import { loadMarkdown, loadRatios } from './report.js';
import { mlsGroup } from './mls-group.js';
import * as scenarios from './scenarios.js';

function describe(scenario, options) {
  const backends = options.backends.join(' and ');
  const common = `${options.repetitions} repetition(s), Amtsbote on ${backends}`;
  switch (scenario) {
    case 'sessions':
    case 'storm':
      return `${options.count} sessions, ${common}`;
    case 'direct':
      return `${options.count} sessions, ${options.rates.join(', ')} msg/s for ${options.duration} s, ${common}`;
    case 'mls':
      return `${options.members} members sending ${options.count} texts each, ${common}`;
    case 'fanout':
      return `${options.count} members online, ${options.posts} posts, ${common}`;
    default:
      return common;
  }
}

function runner(scenario) {
  return async (options, deadline) => {
    const run = scenario === 'mls' ? mlsGroup : scenarios[scenario];
    const { rows, notes } = await run(options, deadline);
    const result = {
      scenario,
      parameters: describe(scenario, options),
      rows,
      ratios: loadRatios(scenario, rows),
      notes,
    };
    return { ...result, markdown: loadMarkdown(result) };
  };
}

export const loadSessions = runner('sessions');
export const loadStorm = runner('storm');
export const loadDirect = runner('direct');
export const loadFanout = runner('fanout');
export const loadMls = runner('mls');
