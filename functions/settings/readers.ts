/**
 * The typed value readers of the settings table: one implementation for the functions' loader and
 * the CDK context reader alike, so a value is checked and its problem worded the same way
 * wherever it is read.
 */

/** The outcome of reading one present, non-empty value. */
type Reading<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

export interface ValueReader<T> {
  /** Reads `text` (trimmed, never empty); `name` is the variable or key, for the problem. */
  read(text: string, name: string): Reading<T>;
  /** What it accepts, in a few words, for the settings tables of docs/. */
  readonly accepts: string;
}

const ok = <T>(value: T): Reading<T> => ({ ok: true, value });
const problem = (text: string): Reading<never> => ({ ok: false, problem: text });

export function text(): ValueReader<string> {
  return { read: (value) => ok(value), accepts: 'text' };
}

/** Text that passes `test`; `problemOf` says what is wrong with it. */
export function textWhere(
  test: (value: string) => boolean,
  problemOf: (name: string, value: string) => string,
  accepts: string,
): ValueReader<string> {
  return {
    read: (value, name) => (test(value) ? ok(value) : problem(problemOf(name, value))),
    accepts,
  };
}

export function number(min: number, max: number): ValueReader<number> {
  return {
    read(value, name) {
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
        return problem(
          `${name} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`,
        );
      }
      return ok(parsed);
    },
    accepts: `number ${min}–${max}`,
  };
}

export function integer(min: number, max: number): ValueReader<number> {
  const inRange = number(min, max);
  return {
    read(value, name) {
      const reading = inRange.read(value, name);
      if (reading.ok && !Number.isInteger(reading.value)) {
        return problem(`${name} must be a whole number, got ${JSON.stringify(value)}`);
      }
      return reading;
    },
    accepts: `whole number ${min}–${max}`,
  };
}

/** A number `reader` accepts that also passes `test` (e.g. a fraction strictly inside 0..1). */
export function numberWhere(
  reader: ValueReader<number>,
  test: (value: number) => boolean,
  problemOf: (name: string, value: number) => string,
  accepts: string,
): ValueReader<number> {
  return {
    read(value, name) {
      const reading = reader.read(value, name);
      if (reading.ok && !test(reading.value)) return problem(problemOf(name, reading.value));
      return reading;
    },
    accepts,
  };
}

/** One of a list of whole numbers. */
export function integerIn<T extends number>(values: readonly T[], accepts: string): ValueReader<T> {
  const inRange = integer(Math.min(...values), Math.max(...values));
  return {
    read(value, name) {
      const reading = inRange.read(value, name);
      if (!reading.ok) return reading;
      const found = values.find((candidate) => candidate === reading.value);
      return found === undefined
        ? problem(`${name} must be one of ${values.join(', ')}, got ${reading.value}`)
        : ok(found);
    },
    accepts,
  };
}

/** "a or b" for two choices, "one of a, b, c" for more. */
function choices(values: readonly string[]): string {
  return values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`;
}

/**
 * One of a list of words, in any case; `parse` may accept other spellings (it returns null for
 * an unknown value); `hint` follows the problem, e.g. why other values are refused.
 */
export function oneOf<T extends string>(
  values: readonly T[],
  options: { readonly parse?: (value: string) => T | null; readonly hint?: string } = {},
): ValueReader<T> {
  const parse =
    options.parse ??
    ((value: string) =>
      values.find((candidate) => candidate.toLowerCase() === value.toLowerCase()) ?? null);
  return {
    read(value, name) {
      const found = parse(value);
      if (found !== null) return ok(found);
      const hint = options.hint === undefined ? '' : ` (${options.hint})`;
      return problem(`${name} must be ${choices(values)}, got ${JSON.stringify(value)}${hint}`);
    },
    accepts: values.map((value) => `\`${value}\``).join(', '),
  };
}

/** `true` or `false`, in any case (a cdk.json boolean arrives as the same text). */
export function flag(): ValueReader<boolean> {
  return {
    read(value, name) {
      const lower = value.toLowerCase();
      if (lower === 'true' || lower === 'false') return ok(lower === 'true');
      return problem(`${name} must be true or false, got ${JSON.stringify(value)}`);
    },
    accepts: '`true`, `false`',
  };
}

/** Comma-separated words (blanks dropped). */
export function list(): ValueReader<readonly string[]> {
  return {
    read: (value) =>
      ok(
        value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== ''),
      ),
    accepts: 'comma-separated list',
  };
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * An https URL with no query, fragment or credentials, given back without a trailing slash;
 * `loopbackHttp` also accepts plain http to a loopback host (local stand-ins).
 */
export function baseUrl(options: { readonly loopbackHttp: boolean }): ValueReader<string> {
  return {
    read(value, name) {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return problem(`${name} is not a URL: ${JSON.stringify(value)}`);
      }
      const problems: string[] = [];
      const plainHttpAllowed =
        options.loopbackHttp && url.protocol === 'http:' && isLoopback(url.hostname);
      if (url.protocol !== 'https:' && !plainHttpAllowed) {
        problems.push(
          options.loopbackHttp
            ? `${name} must use https (plain http is allowed only for loopback)`
            : `${name} must use https`,
        );
      }
      if (url.search || url.hash || url.username || url.password) {
        problems.push(`${name} must not carry a query, fragment or credentials`);
      }
      if (problems.length > 0) return problem(problems.join('; '));
      return ok(`${url.origin}${url.pathname.replace(/\/+$/, '')}`);
    },
    accepts: options.loopbackHttp ? 'https URL (plain http only for loopback)' : 'https URL',
  };
}
