/*
 * A loopback TCP proxy for the file-transfer benchmark (as apps/server/test/client/cutting-proxy.ts
 * in the tests): it cuts a client connection once it has carried `cutAfterBytes` bytes towards
 * the server, a forced disconnect in the middle of a request, until it has cut `maxCuts` times;
 * later connections pass whole. It counts the bytes it passed on, headers included.
 */
import net from 'node:net';

export async function startCuttingProxy(target, { cutAfterBytes, maxCuts }) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  let cuts = 0;
  let forwardedBytes = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let carried = 0;
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (data) => {
      const room = cuts < maxCuts ? cutAfterBytes - carried : data.length;
      const passed = data.subarray(0, Math.max(0, Math.min(room, data.length)));
      carried += passed.length;
      forwardedBytes += passed.length;
      // Backpressure both ways, so the proxy holds no more than a socket buffer.
      if (!upstream.write(passed)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
      if (passed.length < data.length) {
        cuts += 1;
        closeBoth();
      }
    });
    upstream.on('data', (data) => client.write(data));
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get cuts() {
      return cuts;
    },
    get forwardedBytes() {
      return forwardedBytes;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
