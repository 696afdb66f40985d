import { applyD1Migrations, env } from "cloudflare:test";

// Same SQL files wrangler applies on `npm start`; applied once per test file's storage.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
