import { z } from "zod";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../accounts/password-strength";

/** Emails are compared trimmed and lower-cased, so "A@x.io " and "a@x.io" are one account. */
// `.email()` after the trim/lowercase overwrites so the format check sees the normalised value.
export const EmailSchema = z.string().trim().toLowerCase().max(254).email();

/**
 * Length here (NIST 800-63B: at least 10, at most 256 so hashing input stays bounded); the server
 * also refuses common, breached and guessable ones (core/accounts/password-strength.ts).
 */
export const NewPasswordSchema = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);

export const RegisterRequestSchema = z.strictObject({ email: EmailSchema, password: NewPasswordSchema });
// Login accepts any stored password length up to the cap; a short one is just a wrong password.
const AnyPasswordSchema = z.string().min(1).max(MAX_PASSWORD_LENGTH);
export const LoginRequestSchema = z.strictObject({ email: EmailSchema, password: AnyPasswordSchema });
export const ChangePasswordRequestSchema = z.strictObject({
  current_password: AnyPasswordSchema,
  new_password: NewPasswordSchema,
});

export { CSRF_HEADER, CSRF_HEADER_VALUE, REFRESH_COOKIE, REFRESH_COOKIE_PATH } from "../accounts/session-cookie";

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(["user", "admin"]),
  created_at: z.string().describe("ISO 8601"),
});

/** Answer of register, login, refresh and password change (the refresh token rides in the cookie). */
export const AuthSessionSchema = z.object({
  user: UserSchema,
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int().describe("access token lifetime in seconds"),
});

export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;
export type LoginRequest = z.infer<typeof LoginRequestSchema>;
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequestSchema>;
export type User = z.infer<typeof UserSchema>;
export type AuthSession = z.infer<typeof AuthSessionSchema>;
