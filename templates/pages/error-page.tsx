import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";

export function ErrorPage({ ctx, status, title, message, requestId }: { ctx: PageContext; status: number; title: string; message: string; requestId?: string }): JSX.Element {
  return (
    <Layout ctx={ctx} title={title} variant="card">
      <section class="card" aria-labelledby="error-title">
        <p class="eyebrow" safe>{`Error ${status}`}</p>
        <h1 id="error-title" safe>{title}</h1>
        <p class="lead" safe>{message}</p>
        {requestId ? <p class="muted small">Request id: <code safe>{requestId}</code></p> : ""}
        <p><a class="btn btn-secondary" href="/">Go to the start page</a></p>
      </section>
    </Layout>
  );
}
