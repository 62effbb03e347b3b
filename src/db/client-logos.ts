/** The logo columns of oidc_clients (light and dark variants). */
import type { Database } from "./database.ts";

/** A client's logo; `updatedAt` is the client's last change (Unix seconds), which versions the image. */
export type ClientLogo = { data: Uint8Array; type: string; updatedAt: number };

export function findClientLogo(db: Database, clientId: string, dark: boolean): ClientLogo | null {
  const sql = dark
    ? `SELECT logo_dark AS data, logo_dark_type AS type, updated_at AS "updatedAt" FROM oidc_clients WHERE id = ? AND logo_dark IS NOT NULL`
    : `SELECT logo_light AS data, logo_light_type AS type, updated_at AS "updatedAt" FROM oidc_clients WHERE id = ? AND logo_light IS NOT NULL`;
  return db.query<ClientLogo, [string]>(sql).get(clientId) ?? null;
}

export function setClientLogo(db: Database, clientId: string, dark: boolean, logo: { data: Uint8Array; type: string } | null, now: number): boolean {
  const sql = dark
    ? "UPDATE oidc_clients SET logo_dark = ?, logo_dark_type = ?, updated_at = ? WHERE id = ?"
    : "UPDATE oidc_clients SET logo_light = ?, logo_light_type = ?, updated_at = ? WHERE id = ?";
  return db.query(sql).run(logo?.data ?? null, logo?.type ?? null, now, clientId).changes > 0;
}
