// Password hashing: argon2id at the OWASP Password Storage Cheat Sheet minimum (m=19 MiB, t=2, p=1)
// with @noble/hashes (pure JS: workerd has no native argon2). Hashes are PHC strings, so the
// parameters travel with each hash and can be raised later without breaking old ones.
import { argon2id } from "@noble/hashes/argon2.js";

export interface Argon2Params {
  m: number; // memory, KiB
  t: number; // passes
  p: number; // lanes
}

export const CURRENT_PARAMS: Readonly<Argon2Params> = { m: 19456, t: 2, p: 1 };
const VERSION = 0x13; // Argon2 v1.3, "v=19" in PHC strings
const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds a stored string may ask for: a corrupt or hostile row must not make verify allocate GiBs.
const MAX_M = 262144;
const MAX_T = 10;
const MAX_P = 4;

interface Parsed {
  params: Argon2Params;
  salt: Uint8Array;
  hash: Uint8Array;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/=+$/, ""); // PHC: standard alphabet, no padding
}

function unb64(text: string): Uint8Array {
  const padded = text + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (ch) => ch.charCodeAt(0));
}

export function parsePhc(phc: string): Parsed | null {
  const m = PHC.exec(phc);
  if (!m) return null;
  const params = { m: Number(m[1]), t: Number(m[2]), p: Number(m[3]) };
  if (
    params.m < 8 * params.p ||
    params.m > MAX_M ||
    params.t < 1 ||
    params.t > MAX_T ||
    params.p < 1 ||
    params.p > MAX_P
  )
    return null;
  try {
    const salt = unb64(m[4]!);
    const hash = unb64(m[5]!);
    if (salt.length < 8 || hash.length < 16) return null;
    return { params, salt, hash };
  } catch {
    return null;
  }
}

function derive(password: string, salt: Uint8Array, params: Argon2Params, dkLen: number): Uint8Array {
  return argon2id(password.normalize("NFKC"), salt, {
    ...params,
    version: VERSION,
    dkLen,
    maxmem: (MAX_M + 1024) * 1024,
  });
}

/** Equal-length compare whose time does not depend on where the bytes differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function hashPassword(password: string, params: Argon2Params = CURRENT_PARAMS): string {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = derive(password, salt, params, HASH_BYTES);
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/** Recomputes with the hash's own parameters; a malformed stored hash never verifies. */
export function verifyPassword(password: string, phc: string): boolean {
  const parsed = parsePhc(phc);
  if (!parsed) return false;
  return constantTimeEqual(derive(password, parsed.salt, parsed.params, parsed.hash.length), parsed.hash);
}

/** True when a stored hash uses weaker (or just other) parameters than CURRENT_PARAMS. */
export function needsRehash(phc: string): boolean {
  const parsed = parsePhc(phc);
  if (!parsed) return true;
  const { m, t, p } = parsed.params;
  return (
    m !== CURRENT_PARAMS.m || t !== CURRENT_PARAMS.t || p !== CURRENT_PARAMS.p || parsed.hash.length !== HASH_BYTES
  );
}

/**
 * A well-formed hash of no one's password. Login for an unknown email verifies against it, so the
 * request costs one argon2id like a real one and response time does not reveal which emails exist.
 */
export const DUMMY_HASH = `$argon2id$v=19$m=${CURRENT_PARAMS.m},t=${CURRENT_PARAMS.t},p=${CURRENT_PARAMS.p}$${b64(new Uint8Array(SALT_BYTES).fill(7))}$${b64(new Uint8Array(HASH_BYTES))}`;
