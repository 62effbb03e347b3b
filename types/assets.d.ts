// Files imported into the binary with `with { type: "file" }` / `with { type: "text" }`.
declare module "*.sql" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const path: string;
  export default path;
}
declare module "*.svg" {
  const path: string;
  export default path;
}
declare module "*.png" {
  const path: string;
  export default path;
}
declare module "*.mmdb" {
  const path: string;
  export default path;
}
