// .onnx files are bundled as Data modules (wrangler.toml [[rules]] type = "Data", globs = ["**/*.onnx"]).
declare module "*.onnx" {
  const bytes: ArrayBuffer;
  export default bytes;
}
