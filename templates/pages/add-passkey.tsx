import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { PasskeyIcon } from "../components/passkey-icons.tsx";

/** Asks for a passkey right after first-run setup or a login-code sign-in. */
export function AddPasskeyPage({ ctx, reason, next }: { ctx: PageContext; reason: "setup" | "login-code" | "none"; next: string }): JSX.Element {
  const title = reason === "setup" ? "Create your passkey" : "Add a passkey";
  return (
    <Layout ctx={ctx} title={title} variant="card" scripts={["passkey.js"]}>
      <section class="card" aria-labelledby="add-passkey-title">
        {reason === "setup" ? (
          <ol class="steps" aria-label="Setup progress">
            <li class="step done"><span class="step-dot">1</span> Your account</li>
            <li class="step current" aria-current="step"><span class="step-dot">2</span> Your passkey</li>
          </ol>
        ) : (
          ""
        )}
        <div class="hero-icon"><PasskeyIcon /></div>
        <h1 id="add-passkey-title">{title}</h1>
        {reason === "login-code" ? (
          <p class="lead">You signed in with a one-time login code. Add a passkey now so you can sign in by yourself next time.</p>
        ) : (
          <p class="lead">A passkey replaces the password. It stays on your device, phone or security key and unlocks with your fingerprint, face or PIN.</p>
        )}
        <ul class="checklist">
          <li>Nothing to remember and nothing to type.</li>
          <li>It only works on this site, so it cannot be phished.</li>
          <li>Add a second one later, on another device, as a backup.</li>
        </ul>
        <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
        <noscript>
          <div class="alert alert-warning">Passkeys need JavaScript. Turn it on for this site, or use a login code.</div>
        </noscript>
        <button type="button" class="btn btn-lg btn-block" data-passkey-register data-redirect={next}>
          <PasskeyIcon /> Create passkey
        </button>
        <p class="footer-note">
          <a href={next}>Skip for now</a>
        </p>
      </section>
    </Layout>
  );
}
