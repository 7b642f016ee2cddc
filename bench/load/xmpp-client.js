/*
 * A minimal XMPP client-to-server connection for load tests against ejabberd: plain TCP (no TLS),
 * SASL PLAIN, resource binding, the legacy session only where the server requires it, and chat
 * messages. No XML library: a small tag scanner cuts the incoming stream into complete top-level
 * stanzas (split across TCP chunks or several in one chunk), relying on well-formed server output.
 * A load worker holds thousands of these, so an instance keeps a few fields and no per-stanza
 * closures, and its buffer holds at most one unfinished stanza.
 */
import net from 'node:net';
import { attribute, elementText, errorCondition, escapeXml, tagEnd } from './xmpp-xml.js';

const CONNECT_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';
const NS_REGISTER = 'jabber:iq:register';
const NS_PING = 'urn:xmpp:ping';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

const State = {
  idle: 'idle',
  features: 'features',
  sasl: 'sasl',
  boundFeatures: 'bound-features',
  binding: 'binding',
  session: 'session',
  online: 'online',
  registerFeatures: 'register-features',
  registering: 'registering',
  closing: 'closing',
  closed: 'closed',
};

function streamHeader(domain) {
  return (
    `<?xml version='1.0'?><stream:stream to='${escapeXml(domain)}' version='1.0' ` +
    `xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`
  );
}

/** RFC 3921 sessions: only where the server still requires them (no <optional/> inside). */
function isSessionRequired(features) {
  const namespace = features.indexOf(NS_SESSION);
  if (namespace === -1) return false;
  const tagClose = features.indexOf('>', namespace);
  if (features.charCodeAt(tagClose - 1) === 47 /* / */) return true;
  const end = features.indexOf('</session>', tagClose);
  return !features.slice(tagClose, end === -1 ? features.length : end).includes('<optional');
}

function isErrorType(stanza) {
  return attribute(stanza, 'type') === 'error';
}

export class XmppError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'XmppError';
    this.code = code;
  }
}

export class XmppClient {
  /** Called with each received chat body (unescaped); bounced messages go to onBounce. */
  onProbe = null;
  /** Called with the body of each message the server returned as an error. */
  onBounce = null;
  /** Called once when an online connection ends: null after close(), else the Error. */
  onClose = null;
  /** Full JID once bound. */
  jid = null;

  #host;
  #port;
  #domain;
  #user;
  #password;
  #resource;
  #socket = null;
  #state = State.idle;
  #buf = '';
  #pos = 0;
  #depth = 0;
  #start = -1;
  #timer = null;
  #resolve = null;
  #reject = null;
  #error = null;
  #isSessionRequired = false;
  #accounts = null;
  #accountIndex = 0;

  constructor({ host, port, domain, user, password, resource = 'load' }) {
    this.#host = host;
    this.#port = port;
    this.#domain = domain;
    this.#user = user;
    this.#password = password;
    this.#resource = resource;
  }

  get isConnected() {
    return this.#state === State.online && this.#socket !== null && this.#socket.writable;
  }

  /** Resolves once bound and the initial presence is sent. */
  connect() {
    return this.#open(State.features);
  }

  /** In-band registration (XEP-0077) of one account; an existing account counts as success. */
  static async register({ host, port, domain, user, password }) {
    await XmppClient.registerMany({ host, port, domain, accounts: [{ user, password }] });
  }

  /**
   * In-band registration of several accounts one after another on one stream, which saves a TCP
   * connection and a stream per account. An existing account counts as success.
   */
  static async registerMany({ host, port, domain, accounts }) {
    if (accounts.length === 0) return;
    const client = new XmppClient({ host, port, domain, user: '', password: '' });
    client.#accounts = accounts;
    await client.#open(State.registerFeatures);
    await client.close();
  }

  /** Sends a chat message; returns false once the socket buffers (as socket.write does). */
  sendProbe(toFullJid, text) {
    if (this.#state !== State.online || this.#socket === null) return false;
    return this.#socket.write(
      `<message to='${escapeXml(toFullJid)}' type='chat'><body>${escapeXml(text)}</body></message>`,
    );
  }

  /** Ends the stream and resolves when the socket is closed (destroyed after 5 s). */
  close() {
    const socket = this.#socket;
    if (socket === null || socket.destroyed) {
      this.#state = State.closed;
      return Promise.resolve();
    }
    this.#settle(new XmppError('closed', 'closed before the connection was established'));
    this.#state = State.closing;
    return new Promise((resolve) => {
      const timer = setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.writable) socket.end('</stream:stream>');
    });
  }

  destroy() {
    this.#settle(new XmppError('closed', 'destroyed before the connection was established'));
    this.#state = State.closing;
    this.#socket?.destroy();
  }

  #open(firstState) {
    if (this.#state !== State.idle) {
      return Promise.reject(new XmppError('state', `cannot connect in state ${this.#state}`));
    }
    this.#state = firstState;
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.#timer = setTimeout(() => {
        this.#fail(
          new XmppError('timeout', `no answer within ${CONNECT_TIMEOUT_MS} ms in ${this.#state}`),
        );
      }, CONNECT_TIMEOUT_MS);
      const socket = net.connect({ host: this.#host, port: this.#port, noDelay: true });
      this.#socket = socket;
      socket.setEncoding('utf8');
      socket.write(streamHeader(this.#domain));
      socket.on('data', (chunk) => this.#onData(chunk));
      socket.on('error', (error) => {
        this.#error ??= error;
      });
      socket.on('close', () => this.#onSocketClose());
    });
  }

  /** Resolves or rejects a pending connect() or registration, once. */
  #settle(error) {
    if (this.#resolve === null) return;
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#resolve = null;
    this.#reject = null;
    clearTimeout(this.#timer);
    this.#timer = null;
    if (error === null) resolve();
    else reject(error);
  }

  #fail(error) {
    this.#error ??= error;
    this.#settle(error);
    this.#state = State.closing;
    this.#socket?.destroy();
  }

  #onSocketClose() {
    const isExpected = this.#state === State.closing && this.#error === null;
    const error = isExpected
      ? null
      : (this.#error ?? new XmppError('closed', `connection closed in state ${this.#state}`));
    this.#settle(error ?? new XmppError('closed', 'connection closed'));
    this.#state = State.closed;
    this.#buf = '';
    if (this.jid !== null && this.onClose !== null) this.onClose(error);
  }

  /** Cuts complete top-level stanzas out of the buffer; keeps an unfinished one for later. */
  #onData(chunk) {
    const buf = this.#buf.length === 0 ? chunk : this.#buf + chunk;
    let pos = this.#pos;
    let depth = this.#depth;
    let start = this.#start;
    while (this.#state !== State.closed) {
      const lt = buf.indexOf('<', pos);
      if (lt === -1) {
        pos = buf.length;
        break;
      }
      const next = buf.charCodeAt(lt + 1);
      if (next === 63 /* ? */ || next === 33 /* ! */) {
        // The XML declaration, or a comment: neither takes part in the nesting.
        const endMark = next === 63 ? '?>' : '-->';
        const end = buf.indexOf(endMark, lt + 2);
        if (end === -1) {
          pos = lt;
          break;
        }
        pos = end + endMark.length;
        continue;
      }
      const gt = tagEnd(buf, lt + 1);
      if (gt === -1) {
        pos = lt;
        break;
      }
      pos = gt + 1;
      if (next === 47 /* / */) {
        depth -= 1;
        if (depth === 0) {
          this.#onStreamEnd();
        } else if (depth === 1) {
          this.#onStanza(buf.slice(start, pos));
          start = -1;
        }
      } else if (buf.charCodeAt(gt - 1) === 47 /* / */) {
        if (depth === 1) this.#onStanza(buf.slice(lt, pos));
      } else if (buf.startsWith('<stream:stream', lt)) {
        // A new stream (also after the SASL restart): its children are the stanzas.
        depth = 1;
        start = -1;
      } else {
        if (depth === 1) start = lt;
        depth += 1;
      }
    }
    const keep = start === -1 ? pos : start;
    this.#buf = keep >= buf.length ? '' : buf.slice(keep);
    this.#pos = pos - keep;
    this.#start = start === -1 ? -1 : start - keep;
    this.#depth = depth;
  }

  #onStreamEnd() {
    if (this.#state !== State.closing) {
      this.#error ??= new XmppError('stream-end', `server ended the stream in ${this.#state}`);
    }
    this.#socket?.end();
  }

  #write(data) {
    this.#socket?.write(data);
  }

  #onStanza(stanza) {
    if (this.#state === State.online) {
      if (stanza.startsWith('<message')) this.#onMessage(stanza);
      else if (stanza.startsWith('<iq')) this.#onIq(stanza);
      else if (stanza.startsWith('<stream:error')) this.#onStreamError(stanza);
      return;
    }
    if (stanza.startsWith('<stream:error')) {
      this.#onStreamError(stanza);
      return;
    }
    switch (this.#state) {
      case State.features:
        if (stanza.startsWith('<stream:features')) this.#authenticate(stanza);
        break;
      case State.sasl:
        this.#onSaslAnswer(stanza);
        break;
      case State.boundFeatures:
        if (stanza.startsWith('<stream:features')) this.#bind(stanza);
        break;
      case State.binding:
        if (stanza.startsWith('<iq')) this.#onBound(stanza);
        break;
      case State.session:
        if (stanza.startsWith('<iq')) this.#onSession(stanza);
        break;
      case State.registerFeatures:
        if (stanza.startsWith('<stream:features')) this.#registerNext();
        break;
      case State.registering:
        if (stanza.startsWith('<iq')) this.#onRegistered(stanza);
        break;
      default:
        break;
    }
  }

  #onStreamError(stanza) {
    const condition = errorCondition(stanza, '<stream:error');
    this.#fail(new XmppError('stream-error', `stream error in ${this.#state}: ${condition}`));
  }

  #authenticate(features) {
    if (!features.includes('<mechanism>PLAIN</mechanism>')) {
      this.#fail(new XmppError('no-plain', 'the server does not offer SASL PLAIN'));
      return;
    }
    const credentials = Buffer.from(`\0${this.#user}\0${this.#password}`).toString('base64');
    this.#state = State.sasl;
    this.#write(`<auth xmlns='${NS_SASL}' mechanism='PLAIN'>${credentials}</auth>`);
  }

  #onSaslAnswer(stanza) {
    if (stanza.startsWith('<success')) {
      this.#state = State.boundFeatures;
      this.#write(streamHeader(this.#domain));
    } else if (stanza.startsWith('<failure')) {
      const condition = errorCondition(stanza, '<failure');
      this.#fail(
        new XmppError('auth-failed', `authentication of ${this.#user} failed: ${condition}`),
      );
    }
  }

  #bind(features) {
    if (!features.includes(NS_BIND)) {
      this.#fail(new XmppError('no-bind', 'the server does not offer resource binding'));
      return;
    }
    this.#isSessionRequired = isSessionRequired(features);
    this.#state = State.binding;
    this.#write(
      `<iq type='set' id='bind'><bind xmlns='${NS_BIND}'>` +
        `<resource>${escapeXml(this.#resource)}</resource></bind></iq>`,
    );
  }

  #onBound(stanza) {
    const jid = isErrorType(stanza) ? null : elementText(stanza, 'jid');
    if (jid === null) {
      const condition = errorCondition(stanza, '<error');
      this.#fail(new XmppError('bind-failed', `resource binding failed: ${condition}`));
      return;
    }
    this.jid = jid;
    if (this.#isSessionRequired) {
      this.#state = State.session;
      this.#write(`<iq type='set' id='session'><session xmlns='${NS_SESSION}'/></iq>`);
    } else {
      this.#goOnline();
    }
  }

  #onSession(stanza) {
    if (isErrorType(stanza)) {
      const condition = errorCondition(stanza, '<error');
      this.#fail(new XmppError('session-failed', `session establishment failed: ${condition}`));
      return;
    }
    this.#goOnline();
  }

  #goOnline() {
    this.#state = State.online;
    this.#write('<presence/>');
    this.#settle(null);
  }

  #onMessage(stanza) {
    const text = elementText(stanza, 'body');
    if (text === null) return;
    if (isErrorType(stanza)) {
      if (this.onBounce !== null) this.onBounce(text);
    } else if (this.onProbe !== null) {
      this.onProbe(text);
    }
  }

  /** Answers the server's requests: pings with a result, anything else as unsupported. */
  #onIq(stanza) {
    const type = attribute(stanza, 'type');
    if (type !== 'get' && type !== 'set') return;
    const id = attribute(stanza, 'id') ?? '';
    const from = attribute(stanza, 'from');
    const to = from === null ? '' : ` to='${from}'`;
    if (stanza.includes(NS_PING)) {
      this.#write(`<iq type='result' id='${id}'${to}/>`);
    } else {
      this.#write(
        `<iq type='error' id='${id}'${to}><error type='cancel'>` +
          `<service-unavailable xmlns='${NS_STANZAS}'/></error></iq>`,
      );
    }
  }

  #registerNext() {
    const account = this.#accounts?.[this.#accountIndex];
    if (account === undefined) {
      this.#settle(null);
      return;
    }
    this.#state = State.registering;
    this.#timer?.refresh();
    this.#write(
      `<iq type='set' id='reg${this.#accountIndex}'><query xmlns='${NS_REGISTER}'>` +
        `<username>${escapeXml(account.user)}</username>` +
        `<password>${escapeXml(account.password)}</password></query></iq>`,
    );
  }

  #onRegistered(stanza) {
    if (isErrorType(stanza) && !stanza.includes('<conflict')) {
      const user = this.#accounts?.[this.#accountIndex]?.user ?? '?';
      const condition = errorCondition(stanza, '<error');
      this.#fail(new XmppError('register-failed', `registration of ${user} failed: ${condition}`));
      return;
    }
    this.#accountIndex += 1;
    this.#registerNext();
  }
}
