import type { PageContext } from "../../page-context.ts";
import { Layout } from "../../layout.tsx";

/** response_mode=form_post (OAuth 2.0 Form Post Response Mode): form-post.js submits it; the button is the no-JS path. */
export function FormPostPage({ ctx, action, params }: { ctx: PageContext; action: string; params: Record<string, string> }): JSX.Element {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t("oidc.formPostTitle")} variant="card" scripts={["form-post.js"]}>
      <section class="card" aria-labelledby="form-post-title">
        <h1 id="form-post-title" safe>{t("oidc.formPostHeading")}</h1>
        <form method="post" action={action} id="form-post" data-auto-submit="true">
          {Object.entries(params).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <p class="lead" safe>{t("oidc.formPostLead")}</p>
          <button type="submit" class="btn btn-lg btn-block" safe>
            {t("oidc.continue")}
          </button>
        </form>
      </section>
    </Layout>
  );
}
