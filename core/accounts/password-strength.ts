// Password policy (NIST SP 800-63B 3.1.1.2): a minimum length, no composition rules, and a check
// against lists of common and breached passwords, dictionary words, repeats, sequences and words
// from the account itself. zxcvbn-ts ships those lists (language-common: ~30k leaked passwords;
// language-en: words, names, wikipedia terms) and scores 0-4; both the sign-up form (as a hint) and
// the server (as the judge) use this one function. The dictionaries load on first use.
import type { ZxcvbnFactory } from "@zxcvbn-ts/core";

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
/** zxcvbn score a new password needs: 3 = "safely unguessable: moderate protection from offline slow-hash scenario". */
export const MIN_PASSWORD_SCORE = 3;
/** Scoring past this many characters adds nothing and costs time; the rest is still hashed. */
const SCORED_CHARS = 100;

export interface PasswordVerdict {
  ok: boolean;
  /** 0 (too guessable) .. 4 (very unguessable). */
  score: number;
  /** Why it was refused (or how it could be better), in plain words; null when nothing to say. */
  warning: string | null;
  suggestions: string[];
}

let factory: Promise<ZxcvbnFactory> | null = null;
function load(): Promise<ZxcvbnFactory> {
  factory ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import("@zxcvbn-ts/core"),
      import("@zxcvbn-ts/language-common"),
      import("@zxcvbn-ts/language-en"),
    ]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  })();
  return factory;
}

/** Words from the account and the product: a password made of them is easy to guess for this account. */
export function accountWords(email: string): string[] {
  const local = email.split("@")[0] ?? "";
  return ["edgetrader", "edge", "trader", "trading", email, local, ...local.split(/[._+-]+/)].filter(
    (w) => w.length >= 3,
  );
}

export async function judgePassword(password: string, userInputs: string[] = []): Promise<PasswordVerdict> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return { ok: false, score: 0, warning: `Use at least ${MIN_PASSWORD_LENGTH} characters.`, suggestions: [] };
  }
  const z = await load();
  const r = z.check(password.slice(0, SCORED_CHARS), userInputs);
  const warning = r.feedback.warning || (r.score < MIN_PASSWORD_SCORE ? "This password is too easy to guess." : null);
  return { ok: r.score >= MIN_PASSWORD_SCORE, score: r.score, warning, suggestions: r.feedback.suggestions };
}
