/** Where the app was opened: a setup or invite link (token in the fragment) or anywhere else. */
export type EntryRoute =
  | { readonly kind: 'setup'; readonly token: string | null }
  | { readonly kind: 'invite'; readonly token: string | null }
  | { readonly kind: 'app' };

/** The fragment holds the link's token; browsers never send it to the server. */
export function entryRoute(pathname: string, hash: string): EntryRoute {
  const token = hash.startsWith('#') && hash.length > 1 ? decodeURIComponent(hash.slice(1)) : null;
  if (pathname === '/setup') return { kind: 'setup', token };
  if (pathname === '/invite') return { kind: 'invite', token };
  return { kind: 'app' };
}
