/** The application's mark on OIDC pages: its logo (light/dark) when it has one, else its initial in a tile. */
export interface ClientMark {
  id: string;
  name: string;
  hasLogo: boolean;
  hasDarkLogo: boolean;
}

export function ClientTile({ client }: { client: ClientMark }): JSX.Element {
  const base = `/api/oidc/clients/${encodeURIComponent(client.id)}/logo`;
  if (client.hasLogo) {
    return (
      <div class="client-tile client-tile-logo" aria-hidden="true">
        <picture>
          {client.hasDarkLogo ? <source media="(prefers-color-scheme: dark)" srcset={`${base}?light=false`} /> : ""}
          <img src={base} alt="" width="40" height="40" />
        </picture>
      </div>
    );
  }
  const initial = (Array.from(client.name.trim())[0] ?? "?").toUpperCase();
  return (
    <div class="client-tile" aria-hidden="true">
      <span safe>{initial}</span>
    </div>
  );
}
