/**
 * SQLite's dialect, as every query in src/db/ is written, rewritten for PostgreSQL.
 *
 * Placeholders follow SQLite's rules — `?` (the next number after the largest so far), `?N`, and named
 * `$name` / `:name` / `@name` bound from an object — and become PostgreSQL's `$N`, with a plan saying which
 * argument fills each. A handful of idioms are rewritten where both engines mean the same thing:
 *
 * | SQLite                              | PostgreSQL                                   |
 * |-------------------------------------|----------------------------------------------|
 * | `INSERT OR IGNORE INTO …`           | `INSERT INTO … ON CONFLICT DO NOTHING`       |
 * | `x LIKE p` (ASCII case-insensitive) | `x ILIKE p`                                  |
 * | `col COLLATE NOCASE`                | `lower(col)`                                 |
 * | `json_extract(col, '$.key')`        | `(col::jsonb ->> 'key')`                     |
 * | `CAST(x AS INTEGER)`                | `CAST(x AS BIGINT)` (times outgrow 32 bits)  |
 * | `max(a, b)` / `min(a, b)`           | `GREATEST(a, b)` / `LEAST(a, b)`             |
 * | `ifnull(a, b)`, `instr(a, b)`       | `COALESCE(a, b)`, `strpos(a, b)`             |
 * | `AS camelCase` (kept as written)    | `AS "camelCase"` (PostgreSQL folds to lower) |
 * | `x GLOB 'lk[0-9].*'`                | `x ~ '^lk[0-9]\..*$'`                        |
 * | `rowid` (a tie-break, a join key)   | `ctid` (the row's place: stable within one query; rows of one second are then in storage order, not always insertion order) |
 * | `x'00ff'` (a blob literal)          | `'\x00ff'::bytea`                            |
 * | `WHERE username = ?` (NOCASE column) | `WHERE lower(username) = lower(CAST($1 AS text))` |
 * | `json_group_array(x)`               | `CAST(COALESCE(json_agg(x), '[]') AS text)` (text, `[]` when no rows) |
 * | `FROM json_each(?)` (a JSON list)   | `FROM json_array_elements_text(CAST(CAST($1 AS text) AS json)) AS j(value)` (the list is text, not a JSON parameter) |
 * | `BEGIN IMMEDIATE`                   | `BEGIN`                                      |
 *
 * Anything else that differs (PRAGMAs, `VACUUM INTO`, `total_changes()`) is SQLite-only by nature and is written per
 * engine in the src/db module that needs it (`engineOf(db)`); `INSERT OR REPLACE` is refused here, because
 * PostgreSQL needs the conflict target it leaves unsaid.
 * Apart from the three rewrites that read a literal (json_extract's path, GLOB's pattern, a blob literal), text
 * inside quotes and comments is never touched.
 */

export interface TranslatedQuery {
  text: string;
  /** For `$1…$n`: the 0-based position of the argument, or the name of the property of a named-argument object. */
  plan: (number | string)[];
}

export class DialectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DialectError";
  }
}

type Segment = { code: boolean; text: string };

/** Splits SQL into code and literal parts (strings, quoted identifiers, comments). */
function segments(sql: string): Segment[] {
  const out: Segment[] = [];
  let code = "";
  let i = 0;
  const flush = () => {
    if (code) out.push({ code: true, text: code });
    code = "";
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) break;
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      flush();
      out.push({ code: false, text: sql.slice(i, j + 1) });
      i = j + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const j = end === -1 ? sql.length : end;
      flush();
      out.push({ code: false, text: sql.slice(i, j) });
      i = j;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const j = end === -1 ? sql.length : end + 2;
      flush();
      out.push({ code: false, text: sql.slice(i, j) });
      i = j;
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return out;
}

/**
 * Columns declared COLLATE NOCASE in the schema (users.username, users.email, email_verification_tokens.email):
 * SQLite compares them case-insensitively everywhere; PostgreSQL's unique indexes are on lower(col), and
 * comparisons in a WHERE/ON condition become lower(col) = lower(value) so they mean the same and use them.
 */
const NOCASE_COLUMNS = "username|email";

const CODE_REWRITES: [RegExp, string | ((...m: string[]) => string)][] = [
  [/\bBEGIN\s+(IMMEDIATE|DEFERRED|EXCLUSIVE)\b/gi, "BEGIN"],
  [
    new RegExp(`(\\b(?:WHERE|AND|OR|ON|NOT)\\s+|\\(\\s*)((?:[A-Za-z_]\\w*\\.)?(?:${NOCASE_COLUMNS}))\\s*(=|<>|!=)\\s*(\\?\\d*|[$:@][A-Za-z_]\\w*)(?:\\s+COLLATE\\s+NOCASE\\b)?`, "gi"),
    (_m, before, col, op, param) => `${before}lower(${col}) ${op} lower(CAST(${param} AS text))`,
  ],
  [/\bINSERT\s+OR\s+IGNORE\s+INTO\b/gi, "INSERT INTO"],
  [/((?:\b[A-Za-z_][\w]*\.)?\b[A-Za-z_][\w]*)\s+COLLATE\s+NOCASE\b/gi, (_m, col) => `lower(${col})`],
  [/\bLIKE\b/gi, "ILIKE"],
  [/\bAS\s+INTEGER\b/gi, "AS BIGINT"],
  [/(?<!\bAS\s+)\browid\b/gi, "ctid"],
  [/\bjson_group_array\s*\(([^()]*)\)/gi, (_m, arg) => `CAST(COALESCE(json_agg(${arg}), '[]'::json) AS text)`],
  [/\bjson_each\s*\(\s*(\?\d*|[$:@][A-Za-z_]\w*)\s*\)/gi, (_m, param) => `json_array_elements_text(CAST(CAST(${param} AS text) AS json)) AS j(value)`],
  [/\bifnull\s*\(/gi, "COALESCE("],
  [/\binstr\s*\(/gi, "strpos("],
  [/\b(max|min)\s*\(([^(),]*),([^(),]*)\)/gi, (_m, f, a, b) => `${f.toLowerCase() === "max" ? "GREATEST" : "LEAST"}(${a},${b})`],
  [/\bAS\s+([a-z_][A-Za-z0-9_]*[A-Z][A-Za-z0-9_]*)\b/g, (_m, alias) => `AS "${alias}"`],
  // `+column` (SQLite's "do not use this column's index") is a type error on text in PostgreSQL.
  [/(\bWHERE|\bOR|\bAND|\bON|\(|,)(\s*)\+(?=[A-Za-z_(])/gi, (_m, before, space) => `${before}${space}`],
];

const cache = new Map<string, TranslatedQuery>();

/** Rewrites one query (or a script of several, without placeholders) from SQLite's dialect. Cached by text. */
export function toPostgres(sql: string): TranslatedQuery {
  const hit = cache.get(sql);
  if (hit) return hit;
  const translated = translate(sql);
  if (cache.size > 4000) cache.clear();
  cache.set(sql, translated);
  return translated;
}

function translate(sql: string): TranslatedQuery {
  if (/\bINSERT\s+OR\s+(REPLACE|ABORT|FAIL|ROLLBACK)\b/i.test(sql)) {
    throw new DialectError("INSERT OR REPLACE has no PostgreSQL equivalent without a conflict target: write INSERT … ON CONFLICT (…) DO UPDATE");
  }
  const ignore = /\bINSERT\s+OR\s+IGNORE\s+INTO\b/i.test(sql);
  // json_extract spans a string literal, so it is rewritten before the split.
  const source = sql
    .replace(/(?<![\w'])[xX]'([0-9a-fA-F]*)'/g, (_m, hex: string) => `'\\x${hex}'::bytea`)
    .replace(/\bGLOB\s+'([^']*)'/gi, (_m, pattern: string) => `~ '${globToRegex(pattern)}'`)
    .replace(/\bjson_extract\s*\(\s*((?:[A-Za-z_]\w*\.)?[A-Za-z_]\w*)\s*,\s*'\$\.([A-Za-z_]\w*)'\s*\)/gi, (_m, col, key) => `(${col}::jsonb ->> '${key}')`);
  const plan: (number | string)[] = [];
  const named = new Map<string, number>();
  let largest = 0;
  let out = "";
  for (const seg of segments(source)) {
    if (!seg.code) {
      out += seg.text;
      continue;
    }
    let text = seg.text;
    for (const [pattern, replacement] of CODE_REWRITES) text = text.replace(pattern, replacement as string);
    out += text.replace(/\?(\d*)|::|([$:@])([A-Za-z_]\w*)/g, (match, digits: string | undefined, sigil: string | undefined, name: string | undefined) => {
      if (match === "::") return match;
      if (sigil && name) {
        let n = named.get(name);
        if (n === undefined) {
          plan.push(name);
          n = plan.length;
          named.set(name, n);
        }
        return `$${n}`;
      }
      const n = digits ? Number(digits) : largest + 1;
      largest = Math.max(largest, n);
      while (plan.length < n) plan.push(plan.length);
      return `$${n}`;
    });
  }
  if (ignore) out = withOnConflictDoNothing(out);
  return { text: typeOnlyNullChecks(out, plan.length), plan };
}

/** A GLOB pattern as an anchored POSIX regular expression (`*`, `?`, `[…]`; everything else literal). */
function globToRegex(glob: string): string {
  let out = "^";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) out += "\\[";
      else {
        const body = glob.slice(i + 1, end);
        out += `[${body.startsWith("^") ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else out += /[.+(){}|\\^$]/.test(c) ? `\\${c}` : c;
  }
  return `${out}$`;
}

/**
 * PostgreSQL must know a parameter's type where it first meets it, and `$n IS [NOT] NULL` says nothing about it
 * ("could not determine data type of parameter"), even when a later `col = $n` would. Only nullness matters
 * there, so the check reads it as text; every parameter Latchkey null-checks is text where it is compared.
 */
function typeOnlyNullChecks(text: string, count: number): string {
  if (count === 0) return text;
  return text.replace(/\$(\d+)(?=\s+IS\s+(?:NOT\s+)?NULL\b)/gi, (_m, n: string) => `$${n}::text`);
}

/** Places ON CONFLICT DO NOTHING before a top-level RETURNING, or at the end (before a closing `;`). */
function withOnConflictDoNothing(text: string): string {
  const returning = /\bRETURNING\b/i.exec(text);
  if (returning) return `${text.slice(0, returning.index)}ON CONFLICT DO NOTHING ${text.slice(returning.index)}`;
  const trimmed = text.replace(/\s*;?\s*$/, "");
  return `${trimmed} ON CONFLICT DO NOTHING`;
}

/** The argument list for a translated query, from the arguments as bun:sqlite would have received them. */
export function bindArguments(plan: (number | string)[], args: unknown[]): unknown[] {
  if (plan.length === 0) return [];
  const first = args[0];
  const object = args.length === 1 && first !== null && typeof first === "object" && !ArrayBuffer.isView(first) && !(first instanceof ArrayBuffer) && !Array.isArray(first) ? (first as Record<string, unknown>) : null;
  const list = args.length === 1 && Array.isArray(first) ? first : args;
  return plan.map((p) => {
    let v: unknown;
    if (typeof p === "string") {
      if (!object) throw new DialectError(`named parameter ${p} needs an object argument`);
      v = p in object ? object[p] : (object[`$${p}`] ?? object[`:${p}`] ?? object[`@${p}`]);
    } else if (object && typeof p === "number") {
      v = (object as Record<string, unknown>)[String(p + 1)];
    } else v = list[p];
    if (v === undefined) return null;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    return v;
  });
}
