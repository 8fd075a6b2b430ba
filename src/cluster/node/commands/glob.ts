/**
 * Redis's glob patterns (stringmatchlen) for SCAN MATCH: `*`, `?`, `[abc]`,
 * `[^a-z]`, `\x` escapes, over bytes. Compiled once into a matcher.
 * O(pattern × key) worst case per match, like Redis's.
 */

/** A matcher of `pattern` over keys' bytes (latin1 view, so every byte is one char). */
export function globMatcher(pattern: Buffer): (key: Buffer) => boolean {
  const p = pattern.toString('latin1');
  return (key) => match(p, 0, key.toString('latin1'), 0);
}

function match(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi] as string;
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (match(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const r = matchClass(p, pi + 1, s.charCodeAt(si));
      if (!r.ok) return false;
      pi = r.next;
      si++;
      continue;
    }
    let lit = c;
    if (c === '\\' && pi + 1 < p.length) lit = p[++pi] as string;
    if (lit !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

function matchClass(p: string, i: number, ch: number): { ok: boolean; next: number } {
  const not = p[i] === '^';
  if (not) i++;
  let hit = false;
  while (i < p.length && p[i] !== ']') {
    if (p[i] === '\\' && i + 1 < p.length) {
      if (p.charCodeAt(i + 1) === ch) hit = true;
      i += 2;
    } else if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      let lo = p.charCodeAt(i);
      let hi = p.charCodeAt(i + 2);
      if (lo > hi) [lo, hi] = [hi, lo];
      if (ch >= lo && ch <= hi) hit = true;
      i += 3;
    } else {
      if (p.charCodeAt(i) === ch) hit = true;
      i++;
    }
  }
  return { ok: not ? !hit : hit, next: i + 1 };
}
