import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";

export const OPENAPI_PATH = "/api/v1/openapi.json";
export const DOCS_PATH = "/api/v1/docs";
/** swagger-ui-dist files copied into the dashboard's static assets by scripts/build-web.mjs. */
const SWAGGER_ASSETS = "/vendor/swagger-ui";

/** The OpenAPI document is generated from the same zod schemas that validate requests. */
export function mountOpenApi(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31(OPENAPI_PATH, (c) => ({
    openapi: "3.1.0",
    info: {
      title: "edgetrader API",
      version: "1",
      description: 'ML auto-trading on Cloudflare\'s edge. Errors are always {"error":{"code","message","details?"}}.',
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
  app.get(DOCS_PATH, (c) => {
    c.header(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'",
    );
    return c.html(docsPage());
  });
  app.get(`${DOCS_PATH}/init.js`, (c) => {
    c.header("Content-Type", "text/javascript; charset=utf-8");
    return c.body(
      `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(OPENAPI_PATH)}, dom_id: "#api", deepLinking: true });`,
    );
  });
}

function docsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgetrader API reference</title>
<link rel="stylesheet" href="${SWAGGER_ASSETS}/swagger-ui.css"></head>
<body><div id="api"><noscript>The reference needs JavaScript; the raw document is at <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a>.</noscript></div>
<script src="${SWAGGER_ASSETS}/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/init.js"></script>
</body></html>`;
}
