// Access tokens: HS256 JWTs signed with JWT_SECRET. The algorithm, issuer and audience are pinned
// on verify, so alg=none, a token for another audience or one signed with another key is refused.
import { errors, jwtVerify, SignJWT } from "jose";

const ISSUER = "edgetrader";
const AUDIENCE = "edgetrader-api";
const ALG = "HS256";

export interface AccessClaims {
  sub: string;
  role: "user" | "admin";
  /** Session (refresh-token family) the token belongs to: logout of that session refuses it. */
  sid: string;
  /** The user's token version when issued: a raised version refuses it. */
  ver: number;
}

const keyCache = new Map<string, Uint8Array>();
function key(secret: string): Uint8Array {
  let k = keyCache.get(secret);
  if (!k) {
    if (secret.length < 32) throw new Error("JWT_SECRET must be at least 32 characters");
    k = new TextEncoder().encode(secret);
    keyCache.set(secret, k);
  }
  return k;
}

export async function signAccessToken(
  secret: string,
  claims: AccessClaims,
  ttlSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  return new SignJWT({ role: claims.role, sid: claims.sid, ver: claims.ver })
    .setProtectedHeader({ alg: ALG, typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(key(secret));
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: "expired" | "invalid" };

export async function verifyAccessToken(secret: string, token: string): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: [ALG],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ["sub", "exp", "iat"],
    });
    const role = payload.role === "admin" ? "admin" : "user";
    if (typeof payload.sub !== "string" || payload.sub.length === 0) return { ok: false, reason: "invalid" };
    if (typeof payload.sid !== "string" || payload.sid.length === 0 || !Number.isSafeInteger(payload.ver))
      return { ok: false, reason: "invalid" };
    return { ok: true, claims: { sub: payload.sub, role, sid: payload.sid, ver: payload.ver as number } };
  } catch (err) {
    return { ok: false, reason: err instanceof errors.JWTExpired ? "expired" : "invalid" };
  }
}
