/**
 * The smallest useful tar (POSIX ustar): regular files only, names ≤ 100 bytes, gzip outside.
 * Enough for Latchkey's export archives; readable by GNU tar and bsdtar (`tar -tzf`).
 */
const BLOCK = 512;

function header(name: string, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (text: string, offset: number, length: number) => h.set(new TextEncoder().encode(text).subarray(0, length), offset);
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0") + "\0";
  put(name, 0, 100);
  put(octal(0o600, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(mtime / 1000), 12), 136, 12);
  put("        ", 148, 8); // checksum placeholder: spaces while summing
  put("0", 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  const sum = h.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

export function packTar(files: { name: string; data: Uint8Array; mtime?: number }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of files) {
    if (new TextEncoder().encode(f.name).length > 100) throw new Error(`tar: name too long: ${f.name}`);
    parts.push(header(f.name, f.data.length, f.mtime ?? Date.now()), f.data, new Uint8Array((BLOCK - (f.data.length % BLOCK)) % BLOCK));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Regular files of a tar; throws on a malformed archive (bad checksum, truncated). */
export function unpackTar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (a: number, b: number) => new TextDecoder().decode(tar.subarray(a, b)).replace(/\0.*$/s, "");
  for (let o = 0; o + BLOCK <= tar.length; ) {
    const h = tar.subarray(o, o + BLOCK);
    if (h.every((b) => b === 0)) break;
    const stored = parseInt(text(o + 148, o + 156).trim(), 8);
    const sum = h.reduce((a, b, i) => a + (i >= 148 && i < 156 ? 32 : b), 0);
    if (stored !== sum) throw new Error("tar: header checksum mismatch");
    const name = text(o, o + 100);
    const size = parseInt(text(o + 124, o + 136).trim() || "0", 8);
    const type = text(o + 156, o + 157);
    const start = o + BLOCK;
    if (!Number.isFinite(size) || start + size > tar.length) throw new Error("tar: truncated archive");
    if (type === "0" || type === "") files.set(name, tar.slice(start, start + size));
    o = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
