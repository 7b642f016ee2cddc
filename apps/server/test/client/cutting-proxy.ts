import net from 'node:net';

/*
 * A loopback TCP proxy in front of a test server that cuts every client connection once it has
 * carried `cutAfterBytes` bytes towards the server (uploads) or, with `direction: 'download'`,
 * towards the client: each cut is a forced disconnect in the middle of a request or response,
 * as a train going into a tunnel makes one.
 */
export interface CuttingProxy {
  readonly url: string;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Bytes passed on to the server, headers included. */
  readonly forwardedBytes: number;
  /** Stops cutting: later connections pass through whole. */
  stopCutting(): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(
  target: string,
  cutAfterBytes: number,
  options: { readonly direction?: 'upload' | 'download' } = {},
): Promise<CuttingProxy> {
  const cutsDownloads = options.direction === 'download';
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let cuts = 0;
  let forwardedBytes = 0;
  let isCutting = true;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let carried = 0;
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    /** Passes on what fits before the cut; true when it cut. */
    const carry = (data: Buffer, to: net.Socket): boolean => {
      const room = isCutting ? cutAfterBytes - carried : data.length;
      const passed = data.subarray(0, Math.max(0, Math.min(room, data.length)));
      carried += passed.length;
      to.write(passed);
      if (passed.length === data.length) return false;
      cuts += 1;
      closeBoth();
      return true;
    };
    client.on('data', (data: Buffer) => {
      if (cutsDownloads) {
        upstream.write(data);
        forwardedBytes += data.length;
        return;
      }
      const before = carried;
      carry(data, upstream);
      forwardedBytes += carried - before;
    });
    upstream.on('data', (data: Buffer) => {
      if (cutsDownloads) carry(data, client);
      else client.write(data);
    });
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get cuts() {
      return cuts;
    },
    get forwardedBytes() {
      return forwardedBytes;
    },
    stopCutting() {
      isCutting = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
