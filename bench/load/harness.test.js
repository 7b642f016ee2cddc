import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const RUN = join(import.meta.dirname, '..', 'run.js');

/** The process ids a run reports on stderr: the server's and its load clients'. */
function startedPids(stderr) {
  const pids = [];
  for (const match of stderr.matchAll(
    /server started, pid (\d+)|load clients started, pids ([\d ]+)/g,
  )) {
    pids.push(...(match[1] ?? match[2]).trim().split(' ').map(Number));
  }
  return pids;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function run(args, { onStderr } = {}) {
  const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    onStderr?.(stderr, child);
  });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exited };
}

async function waitUntilGone(pids) {
  for (let i = 0; i < 100 && pids.some(isAlive); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return pids.filter(isAlive);
}

describe('the load harness', () => {
  it('holds the sessions it was asked for, reports them as JSON and ends what it started', async () => {
    const { exited } = run(['sessions', '--count', '20', '--peer', 'none', '--json']);
    const { code, stdout, stderr } = await exited;
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout.trim());
    expect(report.scenario).toBe('sessions');
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ implementation: 'Amtsbote (PGlite)', sessions: 20 });
    const pids = startedPids(stderr);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    expect(await waitUntilGone(pids)).toEqual([]);
  });

  it('ends the server and its load clients when it is interrupted', async () => {
    let isInterrupted = false;
    const { exited } = run(
      ['direct', '--count', '20', '--rate', '20', '--duration', '300', '--peer', 'none'],
      {
        onStderr: (stderr, child) => {
          if (!isInterrupted && /load clients started/.test(stderr)) {
            isInterrupted = true;
            child.kill('SIGINT');
          }
        },
      },
    );
    const { code, stderr } = await exited;
    expect(isInterrupted, stderr).toBe(true);
    expect(code).toBe(130);
    const pids = startedPids(stderr);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    expect(await waitUntilGone(pids)).toEqual([]);
  });

  it('refuses unknown options and bad values before starting anything', async () => {
    for (const args of [
      ['sessions', '--backend', 'mysql'],
      ['direct', '--rate', '0'],
      ['sessions', '--peer', 'prosody'],
    ]) {
      const { code, stderr } = await run(args).exited;
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).not.toMatch(/started/);
    }
  });
});
