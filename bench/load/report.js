/*
 * The load scenarios' report: one row per implementation (Amtsbote per storage backend,
 * ejabberd), the ratio of each Amtsbote row to ejabberd where both ran, and the goals of
 * issue "Load and benchmark harness" beside the figures.
 */
import { round } from './measures.js';

const COLUMNS = {
  sessions: [
    ['sessions', 'sessions', 0],
    ['bytesPerSession', 'KiB per session', 1, (v) => v / 1024],
    ['serverRssMiB', 'server RSS MiB', 0],
    ['connectsPerSecond', 'connects/s', 0],
    ['maxLagMs', 'max event-loop lag ms', 1],
  ],
  storm: [
    ['sessions', 'sessions', 0],
    ['secondsToAll', 's until all back', 2],
    ['sessionsPerSecond', 'sessions/s', 0],
    ['within10s', 'back within 10 s', 0],
    ['retries', 'connects tried again', 0],
    ['maxLagMs', 'max event-loop lag ms', 1],
  ],
  direct: [
    ['rate', 'msg/s asked', 0],
    ['achievedRate', 'msg/s sent', 0],
    ['delivered', 'delivered', 0],
    ['lost', 'lost', 0],
    ['refused', 'refused', 0],
    ['p50Ms', 'p50 ms', 2],
    ['p95Ms', 'p95 ms', 2],
    ['p99Ms', 'p99 ms', 2],
    ['maxMs', 'max ms', 1],
    ['storedP99Ms', 'stored p99 ms', 2],
    ['serverCpuPercent', 'server CPU %', 0],
    ['maxLagMs', 'max event-loop lag ms', 1],
  ],
  mls: [
    ['members', 'members', 0],
    ['textsPerSecond', 'texts sent/s', 0],
    ['decryptionsPerSecond', 'texts decrypted/s', 0],
    ['p50Ms', 'p50 ms', 1],
    ['p99Ms', 'p99 ms', 1],
  ],
  fanout: [
    ['members', 'members online', 0],
    ['received', 'received', 0],
    ['p50Ms', 'p50 ms', 1],
    ['p99Ms', 'p99 ms', 1],
    ['lastMs', 'last ms', 1],
    ['maxLagMs', 'max event-loop lag ms', 1],
  ],
};

const GOALS = {
  sessions:
    'Goals: at least 19,000 sessions held by one process, at most 12 KiB each (ejabberd 46 KiB, ' +
    'Prosody 34 KiB measured on this machine kind); event-loop lag never above 50 ms.',
  storm: 'Goal: 12,500 sessions re-established within 10 s (ejabberd about 290 logins/s here).',
  direct:
    'Goals: 2,500 msg/s for 60 s with 12,500 sessions online at p99 ≤ 10 ms and 0 lost; the ' +
    'highest rate with p99 ≤ 50 ms at least ejabberd’s in the same run.',
  mls:
    'Full mode: real MLS clients (X-Wing) in this process, encrypting, sending, receiving and ' +
    'decrypting; the server, the clients and the database share the machine’s cores.',
  fanout: 'Goal: one post to 10,000 online members, p99 ≤ 250 ms to the last one.',
};

const PEER_NOTE =
  'ejabberd in this setup does not store messages to online users (no offline or archive ' +
  'module); Amtsbote stores every message durably before it answers the sender and delivers.';

/** Ratio columns: the figure whose comparison with ejabberd means something. */
const RATIO_KEYS = {
  sessions: ['bytesPerSession', 'connectsPerSecond'],
  storm: ['sessionsPerSecond'],
  direct: ['p99Ms'],
  fanout: [],
  mls: [],
};

function shown(row, [key, , digits, scale]) {
  const value = row[key];
  if (value === null || value === undefined) return '–';
  return String(round(scale === undefined ? value : scale(value), digits));
}

export function loadRatios(scenario, rows) {
  const ratios = {};
  for (const row of rows.filter((r) => r.implementation.startsWith('Amtsbote'))) {
    const peer = rows.find((r) => r.implementation === 'ejabberd' && r.rate === row.rate);
    if (peer === undefined) continue;
    for (const key of RATIO_KEYS[scenario]) {
      if (!Number.isFinite(row[key]) || !Number.isFinite(peer[key]) || peer[key] === 0) continue;
      const label = `${key}, ${row.implementation}${row.rate === undefined ? '' : ` at ${row.rate}/s`}`;
      ratios[label] = round(row[key] / peer[key], 2);
    }
  }
  return ratios;
}

export function loadMarkdown(result) {
  const columns = COLUMNS[result.scenario];
  const lines = [
    `### ${result.scenario} (${result.parameters})`,
    '',
    `| implementation | ${columns.map(([, title]) => title).join(' | ')} | reps |`,
    `|---|${columns.map(() => '---:').join('|')}|---:|`,
  ];
  for (const row of result.rows) {
    lines.push(
      `| ${row.implementation} | ${columns.map((c) => shown(row, c)).join(' | ')} | ${row.repetitions} |`,
    );
  }
  const ratios = Object.entries(result.ratios);
  if (ratios.length > 0) {
    lines.push('', '| ratio Amtsbote / ejabberd | value |', '|---|---:|');
    for (const [label, value] of ratios) lines.push(`| ${label} | ${value} |`);
  }
  for (const row of result.rows) {
    if (row.refusals !== undefined && Object.keys(row.refusals).length > 0) {
      lines.push(
        '',
        `${row.implementation} at ${row.rate}/s refused: ${JSON.stringify(row.refusals)}`,
      );
    }
  }
  if (result.scenario === 'direct') {
    lines.push(
      '',
      'Rates rise on one server per implementation; its ramp ends at the first rate that lost ' +
        'messages (past saturation the backlog would carry into the next rate).',
    );
  }
  lines.push('', GOALS[result.scenario]);
  if (result.rows.some((r) => r.implementation === 'ejabberd') && result.scenario === 'direct') {
    lines.push('', PEER_NOTE);
  }
  for (const note of result.notes) lines.push('', note);
  return lines.join('\n');
}
