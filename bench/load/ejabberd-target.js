/*
 * ejabberd as the peer of a load run (ejabberd.js starts it loopback-only from the
 * configuration in bench/load/ejabberd): accounts registered in-band (XEP-0077), paired as the
 * Amtsbote accounts are, each sending chat messages to its partner's full JID. In this setup
 * ejabberd does not store messages to online users (no offline or archive module), while
 * Amtsbote stores every message before it answers; every comparison says so.
 */
import { execFileSync } from 'node:child_process';
import { registerAccounts, startEjabberd } from './ejabberd.js';
import { cpuSecondsOf } from './linux-processes.js';

export function isEjabberdInstalled() {
  try {
    execFileSync('sh', ['-c', 'command -v ejabberdctl'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startEjabberdTarget({ count, shape }) {
  const server = await startEjabberd();
  try {
    const registered = await registerAccounts({
      host: server.host,
      port: server.port,
      domain: server.domain,
      count,
    });
    const accounts = registered.map((a) => ({ ...a, isSender: false }));
    if (shape === 'pairs') {
      for (let i = 0; i + 1 < accounts.length; i += 2) {
        const [a, b] = [accounts[i], accounts[i + 1]];
        Object.assign(a, { peerJid: `${b.user}@${server.domain}/load`, isSender: true });
        Object.assign(b, { peerJid: `${a.user}@${server.domain}/load`, isSender: true });
      }
    }
    return {
      name: 'ejabberd',
      backend: 'Mnesia (in memory)',
      client: { kind: 'xmpp', host: server.host, port: server.port, domain: server.domain },
      accounts,
      pid: server.pid,
      rssBytes: () => server.rssBytes(),
      cpuSeconds: () => cpuSecondsOf(server.pid),
      metricsText: null,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
