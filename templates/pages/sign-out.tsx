import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";

/** GET /logout: a confirmation, so that a link or a prefetch cannot sign anyone out. */
export function SignOutPage({ ctx }: { ctx: PageContext }): JSX.Element {
  const { t } = ctx;
  const user = ctx.user;
  const safeWho = user ? ctx.rich("signIn.signOutSignedInAs", { name: () => String(<strong safe>{user.displayName}</strong>) }) : null;
  return (
    <Layout ctx={ctx} title={t("signIn.signOutTitle")} variant="card">
      <section class="card" aria-labelledby="signout-title">
        <h1 id="signout-title" safe>{t("signIn.signOutHeading")}</h1>
        {safeWho ? <p class="lead">{safeWho}</p> : ""}
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <button type="submit" class="btn btn-lg btn-block" safe>{t("signIn.signOutButton")}</button>
        </form>
        <p class="footer-note"><a href="/" safe>{t("signIn.staySignedIn")}</a></p>
      </section>
    </Layout>
  );
}
