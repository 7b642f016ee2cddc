/*
 * Just enough XML for the load client's XMPP streams: escaping, and reading a tag, an attribute or
 * an element's text out of one complete stanza as the server serialized it. Not a parser: it
 * takes the first match, which is right for the flat stanzas this benchmark exchanges.
 */

const XML_SPECIAL = /[<>&'"]/;
const XML_SPECIAL_ALL = /[<>&'"]/g;
const XML_ESCAPES = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };
const XML_ENTITY = /&(lt|gt|amp|apos|quot|#x[0-9a-fA-F]+|#[0-9]+);/g;
const XML_ENTITIES = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function escapeChar(char) {
  return XML_ESCAPES[char];
}

export function escapeXml(text) {
  return XML_SPECIAL.test(text) ? text.replace(XML_SPECIAL_ALL, escapeChar) : text;
}

function unescapeEntity(entity, name) {
  if (name.charCodeAt(0) !== 35 /* # */) return XML_ENTITIES[name];
  const code =
    name.charCodeAt(1) === 120 /* x */ ? parseInt(name.slice(2), 16) : Number(name.slice(1));
  return String.fromCodePoint(code);
}

export function unescapeXml(text) {
  return text.includes('&') ? text.replace(XML_ENTITY, unescapeEntity) : text;
}

/** Index of the '>' that ends the tag whose name starts at `from`, or -1; skips quoted values. */
export function tagEnd(buf, from) {
  let quote = 0;
  for (let i = from; i < buf.length; i += 1) {
    const char = buf.charCodeAt(i);
    if (quote !== 0) {
      if (char === quote) quote = 0;
    } else if (char === 62 /* > */) {
      return i;
    } else if (char === 34 /* " */ || char === 39 /* ' */) {
      quote = char;
    }
  }
  return -1;
}

/** The raw (still escaped) value of attribute `name` in the first tag of `stanza`, or null. */
export function attribute(stanza, name) {
  const end = tagEnd(stanza, 1);
  const tag = end === -1 ? stanza : stanza.slice(0, end);
  for (const quote of ["'", '"']) {
    const key = ` ${name}=${quote}`;
    const at = tag.indexOf(key);
    if (at !== -1) {
      const from = at + key.length;
      return tag.slice(from, tag.indexOf(quote, from));
    }
  }
  return null;
}

/** Text of the first `<name>` element in `stanza` (unescaped), '' if empty, null if absent. */
export function elementText(stanza, name) {
  const open = stanza.indexOf(`<${name}`);
  if (open === -1) return null;
  const gt = tagEnd(stanza, open + 1);
  if (gt === -1) return null;
  if (stanza.charCodeAt(gt - 1) === 47 /* / */) return '';
  const close = stanza.indexOf(`</${name}>`, gt);
  return close === -1 ? null : unescapeXml(stanza.slice(gt + 1, close));
}

/** Name of the first child element of an error element (the defined condition), or 'unknown'. */
export function errorCondition(stanza, errorTag) {
  const at = stanza.indexOf(errorTag);
  const match = at === -1 ? null : /<([a-zA-Z:-]+)[\s/>]/.exec(stanza.slice(at + errorTag.length));
  return match === null ? 'unknown' : (match[1] ?? 'unknown');
}
