import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";

export function ErrorPage({ ctx, status, title, message, requestId }: { ctx: PageContext; status: number; title: string; message: string; requestId?: string }): JSX.Element {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={title} variant="card">
      <section class="card" aria-labelledby="error-title">
        <p class="eyebrow" safe>{t("common.errorEyebrow", { status })}</p>
        <h1 id="error-title" safe>{title}</h1>
        <p class="lead" safe>{message}</p>
        {requestId ? (
          <p class="muted small">
            <span safe>{t("common.errorRequestId")}</span> <code safe>{requestId}</code>
          </p>
        ) : (
          ""
        )}
        <p>
          <a class="btn btn-secondary" href="/" safe>
            {t("common.errorStartPage")}
          </a>
        </p>
      </section>
    </Layout>
  );
}
