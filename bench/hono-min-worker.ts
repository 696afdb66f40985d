// Bench-only: the smallest Hono Worker (one JSON route), the baseline bench/api-throughput.ts
// compares the real API's routes with on the same runtime in the same run. `/d1` adds the one
// thing every authenticated route must do (one D1 read: the session check), so the bench can show
// how much of an authenticated route's cost is the local D1 itself. Never deployed.
import { Hono } from "hono";

const app = new Hono<{ Bindings: { DB: D1Database } }>();
app.get("/d1", async (c) => c.json({ status: "ok", one: await c.env.DB.prepare("SELECT 1 AS one").first("one") }));
app.get("*", (c) => c.json({ status: "ok" }));

export default app;
