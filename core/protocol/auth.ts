import { z } from "zod";

/** Emails are compared trimmed and lower-cased, so "A@x.io " and "a@x.io" are one account. */
// `.email()` after the trim/lowercase overwrites so the format check sees the normalised value.
export const EmailSchema = z.string().trim().toLowerCase().max(254).email();

/** Length only (NIST 800-63B): at least 10, at most 256 so hashing input stays bounded. */
export const NewPasswordSchema = z.string().min(10).max(256);

export const RegisterRequestSchema = z.strictObject({ email: EmailSchema, password: NewPasswordSchema });
// Login accepts any stored password length up to the cap; a short one is just a wrong password.
export const LoginRequestSchema = z.strictObject({ email: EmailSchema, password: z.string().min(1).max(256) });

/** Opaque refresh token: 32 random bytes, base64url (43 characters). */
export const RefreshTokenSchema = z.string().min(16).max(128);
export const RefreshRequestSchema = z.strictObject({ refresh_token: RefreshTokenSchema });
export const LogoutRequestSchema = z.strictObject({ refresh_token: RefreshTokenSchema });

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(["user", "admin"]),
  created_at: z.string().describe("ISO 8601"),
});

/** Answer of register, login and refresh. */
export const AuthSessionSchema = z.object({
  user: UserSchema,
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int().describe("access token lifetime in seconds"),
});

export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;
export type LoginRequest = z.infer<typeof LoginRequestSchema>;
export type RefreshRequest = z.infer<typeof RefreshRequestSchema>;
export type LogoutRequest = z.infer<typeof LogoutRequestSchema>;
export type User = z.infer<typeof UserSchema>;
export type AuthSession = z.infer<typeof AuthSessionSchema>;
