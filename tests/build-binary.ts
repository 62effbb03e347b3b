/**
 * Part of `bun run test`: builds build/out/latchkey (when missing or stale) before the test workers start,
 * so the parallel workers share one binary instead of each compiling its own (ensureBinaryBuilt in
 * tests/helpers/binary.ts then finds it fresh). A single `bun test <file>` still builds it by itself.
 */
import { ensureBinaryBuilt } from "./helpers/binary.ts";

await ensureBinaryBuilt();
