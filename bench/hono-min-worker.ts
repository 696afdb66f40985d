// Bench-only: the smallest Hono Worker (one JSON route), the baseline bench/api-throughput.ts
// compares the real API's routes with on the same runtime in the same run. Never deployed.
import { Hono } from "hono";

const app = new Hono();
app.get("*", (c) => c.json({ status: "ok" }));

export default app;
