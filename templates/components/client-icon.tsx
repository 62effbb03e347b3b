/** An app's icon in lists: its uploaded logo (the dark variant in dark mode, falling back to the light one), else its initial. */
import { clientPathSegment } from "../../src/http/client-id-param.ts";
export function ClientIcon({ app }: { app: { id: string; name: string; hasLogo: boolean } }): JSX.Element {
  const src = `/api/oidc/clients/${clientPathSegment(app.id)}/logo`;
  return app.hasLogo ? (
    <picture>
      <source srcset={`${src}?light=false`} media="(prefers-color-scheme: dark)" />
      <img class="client-logo" src={src} alt="" width="40" height="40" />
    </picture>
  ) : (
    <div class="icon-tile" aria-hidden="true" safe>{app.name.slice(0, 1).toUpperCase()}</div>
  );
}
