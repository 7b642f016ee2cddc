/*
 * The malicious server of these tests: a fetch that sits between a client's HttpApi and the real
 * server and rewrites what passes. A rule names a method and a path (query left out); a request
 * rule sees the JSON body the client sends, a response rule the JSON body of a successful
 * answer, and each returns the body to pass on. Everything else passes untouched, so the
 * server's real behaviour stays in place wherever a test does not lie.
 */

export interface InterceptedRequest {
  readonly method: string;
  readonly path: string;
  /** The request's JSON body; null when it has none. */
  readonly body: unknown;
}

export type BodyRewrite = (body: unknown, request: InterceptedRequest) => unknown;

interface Rule {
  readonly method: string;
  readonly path: RegExp;
  readonly rewrite: BodyRewrite;
  /** How many more matching calls this rule rewrites. */
  remaining: number;
}

function parseJson(text: string | null): unknown {
  return text === null || text === '' ? null : JSON.parse(text);
}

export class TamperingFetch {
  readonly #baseUrl: string;
  readonly #requestRules: Rule[] = [];
  readonly #responseRules: Rule[] = [];

  constructor(baseUrl: string) {
    this.#baseUrl = baseUrl;
  }

  /** Rewrites the bodies the client sends on matching calls: every time, or the next `times`. */
  onRequest(method: string, path: RegExp, rewrite: BodyRewrite, times = Infinity): void {
    this.#requestRules.push({ method, path, rewrite, remaining: times });
  }

  /** Rewrites the bodies of successful answers to matching calls. */
  onResponse(method: string, path: RegExp, rewrite: BodyRewrite, times = Infinity): void {
    this.#responseRules.push({ method, path, rewrite, remaining: times });
  }

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== new URL(this.#baseUrl).origin)
      throw new Error(`unexpected host ${url.host}`);
    const method = init?.method ?? 'GET';
    const sent = typeof init?.body === 'string' ? init.body : null;
    let request: InterceptedRequest = { method, path: url.pathname, body: parseJson(sent) };
    const requestRule = this.#take(this.#requestRules, request);
    if (requestRule !== null) {
      request = { ...request, body: await requestRule.rewrite(request.body, request) };
    }
    const response = await globalThis.fetch(url, {
      ...init,
      ...(sent === null ? {} : { body: JSON.stringify(request.body) }),
    });
    if (!response.ok) return response;
    const responseRule = this.#take(this.#responseRules, request);
    if (responseRule === null) return response;
    const rewritten = await responseRule.rewrite(parseJson(await response.text()), request);
    return new Response(JSON.stringify(rewritten), {
      status: response.status,
      headers: { 'content-type': 'application/json' },
    });
  };

  #take(rules: Rule[], request: InterceptedRequest): Rule | null {
    const rule = rules.find(
      (r) => r.remaining > 0 && r.method === request.method && r.path.test(request.path),
    );
    if (rule === undefined) return null;
    rule.remaining -= 1;
    return rule;
  }
}
