/**
 * `WWW-Authenticate` header parsing (RFC 7235), enough for registries: `Basic realm="..."` and
 * `Bearer realm="...",service="...",scope="..."`. A header may carry several challenges (and
 * fetch joins repeated headers with ", "), so the result is a list in header order.
 */

export interface AuthChallenge {
  /** Lower-case scheme, e.g. `basic`, `bearer`. */
  readonly scheme: string;
  /** Auth parameters by lower-case name, unquoted; a lone token68 is kept as `token68`. */
  readonly params: Readonly<Record<string, string>>;
}

const SEPARATORS = /^[\s,]*/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const EQUALS = /^\s*=\s*/;
// `Scheme abc==` (ending the challenge) rather than `Scheme name=value`.
const LONE_TOKEN68 = /^\s+([A-Za-z0-9._~+/-]+=*)\s*(?=,|$)/;

/** Parse every challenge in a `WWW-Authenticate` value. An unparseable tail is ignored. */
export function parseChallenge(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let rest = header;

  const skip = (pattern: RegExp): string | undefined => {
    const match = pattern.exec(rest);
    if (match === null) return undefined;
    rest = rest.slice(match[0].length);
    return match[0];
  };

  // A quoted-string with backslash escapes; an unterminated one runs to the end.
  const quoted = (): string => {
    let value = "";
    let i = 1;
    for (; i < rest.length && rest[i] !== '"'; i++) {
      if (rest[i] === "\\" && i + 1 < rest.length) i++;
      value += rest[i];
    }
    rest = rest.slice(i + 1);
    return value;
  };

  // One `name=value`; false (consuming nothing) at a token that starts the next challenge.
  const param = (params: Record<string, string>): boolean => {
    const start = rest;
    skip(SEPARATORS);
    const name = skip(TOKEN);
    if (name === undefined || skip(EQUALS) === undefined) {
      rest = start;
      return false;
    }
    const value = rest.startsWith('"') ? quoted() : skip(TOKEN);
    if (value === undefined) {
      rest = "";
      return false;
    }
    params[name.toLowerCase()] = value;
    return true;
  };

  for (;;) {
    skip(SEPARATORS);
    const scheme = skip(TOKEN);
    if (scheme === undefined) break;
    const params: Record<string, string> = {};
    challenges.push({ scheme: scheme.toLowerCase(), params });
    const token68 = LONE_TOKEN68.exec(rest);
    if (token68?.[1] !== undefined) {
      params["token68"] = token68[1];
      rest = rest.slice(token68[0].length);
      continue;
    }
    while (param(params));
  }
  return challenges;
}
