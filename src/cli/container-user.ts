/**
 * Start-up inside the container image (packaging/Containerfile sets LATCHKEY_CONTAINER=1), taking the facts of
 * Pocket ID's image entrypoint (scripts/docker/entrypoint.sh), so its compose file works unchanged:
 * - the working folder is /app, so the default database is /app/data/latchkey.db (the volume);
 * - started as root (the image's default), the process hands /app/data to PUID:PGID (default 1000:1000, the
 *   image's `latchkey` user) — the folder is created if missing, and every entry in it not already owned by them
 *   is chowned (symbolic links themselves, never their targets) — then drops to that user before the
 *   configuration, `_FILE` secrets or the database are read;
 * - started as any other user (compose `user: 1000:1000`), nothing is chowned or dropped;
 * - PUID / PGID must be decimal ids other than 0: an identity provider never runs as root here.
 * Outside the image (LATCHKEY_CONTAINER unset) nothing happens and PUID / PGID are warned about as unsupported.
 */
import { lchownSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";

export const CONTAINER_APP_DIR = "/app";
const DEFAULT_ID = 1000;

export class ContainerUserError extends Error {}

/** The process calls this start-up step needs; a parameter so tests can watch them. */
export interface ProcessIdentity {
  getuid(): number;
  chdir(dir: string): void;
  setgroups(groups: number[]): void;
  setgid(id: number): void;
  setuid(id: number): void;
}

export function isContainer(env: Record<string, string | undefined>): boolean {
  return env.LATCHKEY_CONTAINER === "1";
}

function parseId(name: string, raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_ID;
  if (!/^[0-9]{1,10}$/.test(raw) || Number(raw) > 0x7fffffff) throw new ContainerUserError(`${name} must be a numeric id, got "${raw}"`);
  const id = Number(raw);
  if (id === 0) throw new ContainerUserError(`${name}=0 would run Latchkey as root; give the id of the user that owns the data folder (default ${DEFAULT_ID})`);
  return id;
}

/** chowns `dir` and everything below it that is not already uid:gid; symbolic links are not followed. */
function chownTree(dir: string, uid: number, gid: number): void {
  const st = lstatSync(dir);
  if (st.uid !== uid || st.gid !== gid) lchownSync(dir, uid, gid);
  if (!st.isDirectory()) return;
  for (const name of readdirSync(dir)) chownTree(path.join(dir, name), uid, gid);
}

/**
 * In the image: moves to /app and, as root, hands the data folder to PUID:PGID and becomes that user.
 * Returns the working folder the command runs in.
 */
export function enterContainerUser(env: Record<string, string | undefined>, cwd: string, proc: ProcessIdentity = process as ProcessIdentity): string {
  if (!isContainer(env)) return cwd;
  proc.chdir(CONTAINER_APP_DIR);
  if (proc.getuid() !== 0) return CONTAINER_APP_DIR;
  const uid = parseId("PUID", env.PUID);
  const gid = parseId("PGID", env.PGID);
  const data = path.join(CONTAINER_APP_DIR, "data");
  mkdirSync(data, { recursive: true, mode: 0o700 });
  chownTree(data, uid, gid);
  // Order matters: groups and gid while still root, the uid last.
  proc.setgroups([]);
  proc.setgid(gid);
  proc.setuid(uid);
  return CONTAINER_APP_DIR;
}
