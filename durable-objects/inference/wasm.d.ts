// wrangler (and the workers test pool) turn a `.wasm` import into a precompiled WebAssembly.Module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
