import { z } from "zod";

// Lone surrogates cannot be encoded as UTF-8 (D1 and JSON answers would carry U+FFFD instead);
// U+FFFD itself is what a decoder puts where the client sent invalid UTF-8; control characters
// break logs and tables. None belongs in a name a person typed.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const REPLACEMENT = /\uFFFD/;
// biome-ignore lint/complexity/useRegexLiterals: a literal with these escapes trips noControlCharactersInRegex
const CONTROL = new RegExp("[\\u0000-\\u001F\\u007F-\\u009F]");

/**
 * A user-given name (bots, connector tokens): trimmed, Unicode NFC (so "é" typed two ways is one
 * name), and refused when it holds a lone surrogate, a replaced invalid byte or a control character.
 */
export function displayName(max: number, label = "name") {
  return z
    .string()
    .trim()
    .overwrite((s) => s.normalize("NFC"))
    .min(1, `${label} is required`)
    .max(max, `${label}: at most ${max} characters`)
    .refine((s) => !LONE_SURROGATE.test(s), `${label}: contains a lone surrogate (not valid Unicode)`)
    .refine((s) => !REPLACEMENT.test(s), `${label}: contains U+FFFD (invalid UTF-8 was sent)`)
    .refine((s) => !CONTROL.test(s), `${label}: contains a control character`);
}
