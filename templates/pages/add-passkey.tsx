import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { CheckIcon, PasskeyIcon } from "../components/passkey-icons.tsx";
import { TextField } from "../components/text-field.tsx";
import { MAX_PASSKEY_NAME_LENGTH, type PasskeyView } from "../../src/webauthn/passkeys.ts";

/** Asks for a passkey right after first-run setup or a login-code sign-in. */
export function AddPasskeyPage({ ctx, reason, next }: { ctx: PageContext; reason: "setup" | "login-code" | "none"; next: string }): JSX.Element {
  const title = reason === "setup" ? "Create your passkey" : "Add a passkey";
  return (
    <Layout ctx={ctx} title={title} variant="card" scripts={["passkey.js"]}>
      <section class="card" aria-labelledby="add-passkey-title">
        {reason === "setup" ? <SetupSteps /> : ""}
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
        {reason === "setup" ? (
          // The first administrator without a passkey could only get back in with the server's command line.
          <p class="footer-note">You need a passkey to sign in to this administrator account again.</p>
        ) : (
          <p class="footer-note">
            <a href={next}>Skip for now</a>
          </p>
        )}
      </section>
    </Layout>
  );
}

/** Setup's progress, shown on both of its passkey steps. */
function SetupSteps(): JSX.Element {
  return (
    <ol class="steps" aria-label="Setup progress">
      <li class="step done"><span class="step-dot">1</span> Your account</li>
      <li class="step current" aria-current="step"><span class="step-dot">2</span> Your passkey</li>
    </ol>
  );
}

/**
 * Right after a passkey is created: give it a name (prefilled with the suggested one) so it can be told
 * apart from the others. Saving goes through the rename route, which then continues at `redirect`.
 */
export function NamePasskeyPage({ ctx, passkey, value, error, redirect }: { ctx: PageContext; passkey: PasskeyView; value?: string; error?: string; redirect: string | null }): JSX.Element {
  const action = `/settings/account/passkeys/${encodeURIComponent(passkey.id)}/rename`;
  return (
    <Layout ctx={ctx} title="Name your passkey" variant="card">
      <section class="card" aria-labelledby="name-passkey-title">
        <div class="hero-icon hero-icon-success"><CheckIcon /></div>
        <h1 id="name-passkey-title">Name your passkey</h1>
        <p class="lead">Your passkey was created. Give it a name you will recognise in your list of passkeys, such as the device or password manager that holds it.</p>
        <form id="name-passkey-form" method="post" action={action} novalidate>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="added" value="1" />
          {redirect ? <input type="hidden" name="redirect" value={redirect} /> : ""}
          <TextField name="name" label="Passkey name" value={value ?? passkey.name} error={error} required maxlength={MAX_PASSKEY_NAME_LENGTH} autofocus autocomplete="off" />
          <button type="submit" class="btn btn-lg btn-block">Save name</button>
        </form>
      </section>
    </Layout>
  );
}

/** After naming, when the next page is not the account page (which says it itself): the confirmation and the way on. */
export function PasskeyAddedPage({ ctx, passkey, next }: { ctx: PageContext; passkey: PasskeyView; next: string }): JSX.Element {
  return (
    <Layout ctx={ctx} title="Passkey added" variant="card">
      <section class="card" aria-labelledby="passkey-added-title">
        <div class="hero-icon hero-icon-success"><CheckIcon /></div>
        <h1 id="passkey-added-title">Passkey added</h1>
        <p class="lead passkey-added" role="status" safe>{`Passkey “${passkey.name}” added.`}</p>
        <p class="muted">Next time, sign in with it: no password, no code.</p>
        <a class="btn btn-lg btn-block" href={next}>Continue</a>
      </section>
    </Layout>
  );
}
