// Import rules (npm run lint -> scripts/check-imports.mjs). The layers import one way:
//   core/ (runtime-agnostic domain)  <-  platform/ (env, D1, repositories, metrics, object RPC types)
//   <-  worker/ and durable-objects/ (transports; neither imports the other).
// Type-only imports count: a `import type` circle is still a circle for a reader.
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import circles, type-only imports included.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-is-runtime-agnostic",
      severity: "error",
      comment:
        "core/ (its tests too) imports only core/ and libraries: no platform, transport, CLI or Node program code.",
      from: { path: "^core/" },
      to: { path: "^(platform|worker|durable-objects|connector|models|scripts|bench|web)/" },
    },
    {
      name: "platform-below-transports",
      severity: "error",
      comment:
        "platform/ is shared by the Worker and the objects: it never imports either (the Worker reaches objects through platform/rpc).",
      from: { path: "^platform/" },
      to: { path: "^(worker|durable-objects|connector|scripts|bench|test|web)/" },
    },
    {
      name: "objects-not-worker",
      severity: "error",
      comment: "Durable Objects are a transport beside the Worker: shared code goes to platform/.",
      from: { path: "^durable-objects/" },
      to: { path: "^worker/" },
    },
    {
      name: "worker-not-objects",
      severity: "error",
      comment:
        "The Worker reaches objects through the typed RPC interface in platform/rpc; only the entry exports the classes for wrangler.",
      from: { path: "^worker/", pathNot: "^worker/index\\.ts$" },
      to: { path: "^durable-objects/" },
    },
    {
      name: "no-test-or-bench-in-production",
      severity: "error",
      comment:
        "Deployed folders hold only what is deployed: tests, fixtures and bench code live under test/ and bench/.",
      from: { path: "^(core|platform|worker|durable-objects|connector/src)/", pathNot: "\\.test\\.ts$" },
      to: { path: "(^(test|bench)/|\\.test\\.ts$)" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that resolves to nothing (a moved file) fails here before it fails at run time.",
      from: {},
      to: { couldNotResolve: true, pathNot: "^(cloudflare:|node:)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/|^web/|\\.d\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".mjs", ".js", ".json"],
    },
  },
};
