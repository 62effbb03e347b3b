/** The application's mark on OIDC pages: its initial in a tile, with its name. */
export function ClientTile({ name }: { name: string }): JSX.Element {
  const initial = (Array.from(name.trim())[0] ?? "?").toUpperCase();
  return (
    <div class="client-tile" aria-hidden="true">
      <span safe>{initial}</span>
    </div>
  );
}
