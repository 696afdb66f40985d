// CSV files are bundled as Text modules (wrangler.toml [[rules]] type = "Text", globs = ["**/*.csv"]).
declare module "*.csv" {
  const text: string;
  export default text;
}
