import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";

/** GET /logout: a confirmation, so that a link or a prefetch cannot sign anyone out. */
export function SignOutPage({ ctx }: { ctx: PageContext }): JSX.Element {
  return (
    <Layout ctx={ctx} title="Sign out" variant="card">
      <section class="card" aria-labelledby="signout-title">
        <h1 id="signout-title">Sign out?</h1>
        {ctx.user ? <p class="lead">You are signed in as <strong safe>{ctx.user.displayName}</strong>.</p> : ""}
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <button type="submit" class="btn btn-lg btn-block">Sign out</button>
        </form>
        <p class="footer-note"><a href="/">Stay signed in</a></p>
      </section>
    </Layout>
  );
}
