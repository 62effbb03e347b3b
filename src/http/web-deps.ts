import type { Deps } from "../deps.ts";
import type { AssetRegistry } from "./assets.ts";

/** What route modules receive: the domain dependencies plus HTTP-only pieces. */
export interface WebDeps extends Deps {
  assets: AssetRegistry;
}
