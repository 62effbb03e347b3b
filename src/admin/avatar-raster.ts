/**
 * SVG → PNG for generated avatars, with resvg (a Rust SVG renderer) compiled to WebAssembly: no GPU, no
 * native addon, the same bytes on every platform, and it runs inside the compiled binary. The .wasm file
 * and the one typeface the avatars name first (Inter SemiBold, SIL OFL) are embedded in the binary through
 * file imports; both are read, and the module compiled, on the first avatar only (idle RSS), never at start.
 */
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import wasmPath from "../../node_modules/@resvg/resvg-wasm/index_bg.wasm" with { type: "file" };
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import fontPath from "../../node_modules/@expo-google-fonts/inter/600SemiBold/Inter_600SemiBold.ttf" with { type: "file" };
import { initWasm, Resvg } from "@resvg/resvg-wasm";

let ready: Promise<Uint8Array> | null = null;

/** Compiles the renderer once per process and reads the typeface; concurrent first calls share the work. */
function renderer(): Promise<Uint8Array> {
  ready ??= (async () => {
    await initWasm(await Bun.file(wasmPath as string).arrayBuffer());
    return new Uint8Array(await Bun.file(fontPath as string).arrayBuffer());
  })().catch((e: unknown) => {
    ready = null; // a failed start is retried by the next request
    throw e;
  });
  return ready;
}

/** Renders `svg` to a PNG `size` pixels wide, with only the embedded typeface (no system fonts). */
export async function svgToPng(svg: string, size: number): Promise<Uint8Array> {
  const font = await renderer();
  const resvg = new Resvg(svg, { fitTo: { mode: "width", value: size }, font: { fontBuffers: [font], defaultFontFamily: "Inter", sansSerifFamily: "Inter" } });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}
