import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { CheckIcon, PasskeyIcon } from "../components/passkey-icons.tsx";
import { PasskeyMessages } from "../components/passkey-messages.tsx";
import { TextField } from "../components/text-field.tsx";
import { MAX_PASSKEY_NAME_LENGTH, type PasskeyView } from "../../src/webauthn/passkeys.ts";

/** Asks for a passkey right after first-run setup or a login-code sign-in. */
export function AddPasskeyPage({ ctx, reason, next }: { ctx: PageContext; reason: "setup" | "login-code" | "none"; next: string }): JSX.Element {
  const { t } = ctx;
  const title = reason === "setup" ? t("passkeys.createTitle") : t("passkeys.addTitle");
  return (
    <Layout ctx={ctx} title={title} variant="card" scripts={["passkey.js"]}>
      <PasskeyMessages ctx={ctx} />
      <section class="card" aria-labelledby="add-passkey-title">
        {reason === "setup" ? <SetupSteps ctx={ctx} /> : ""}
        <div class="hero-icon"><PasskeyIcon /></div>
        <h1 id="add-passkey-title" safe>{title}</h1>
        <p class="lead" safe>{reason === "login-code" ? t("passkeys.afterCodeLead") : t("passkeys.lead")}</p>
        <ul class="checklist">
          <li safe>{t("passkeys.benefitNothingToType")}</li>
          <li safe>{t("passkeys.benefitPhishing")}</li>
          <li safe>{t("passkeys.benefitBackup")}</li>
        </ul>
        <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
        <noscript>
          <div class="alert alert-warning" safe>{t("passkeys.needsJavaScript")}</div>
        </noscript>
        <button type="button" class="btn btn-lg btn-block" data-passkey-register data-redirect={next}>
          <PasskeyIcon /> <span safe>{t("passkeys.create")}</span>
        </button>
        {reason === "setup" ? (
          // The first administrator without a passkey could only get back in with the server's command line.
          <p class="footer-note" safe>{t("passkeys.setupNoSkip")}</p>
        ) : (
          <p class="footer-note">
            <a href={next} safe>{t("passkeys.skip")}</a>
          </p>
        )}
      </section>
    </Layout>
  );
}

/** Setup's progress, at its passkey step. */
function SetupSteps({ ctx }: { ctx: PageContext }): JSX.Element {
  const { t } = ctx;
  return (
    <ol class="steps" aria-label={t("passkeys.setupProgress")}>
      <li class="step done"><span class="step-dot">1</span> <span safe>{t("passkeys.stepAccount")}</span></li>
      <li class="step current" aria-current="step"><span class="step-dot">2</span> <span safe>{t("passkeys.stepPasskey")}</span></li>
    </ol>
  );
}

/**
 * Right after a passkey is created: give it a name (prefilled with the suggested one) so it can be told
 * apart from the others. Saving goes through the rename route, which then continues at `redirect`.
 */
export function NamePasskeyPage({ ctx, passkey, value, error, redirect }: { ctx: PageContext; passkey: PasskeyView; value?: string; error?: string; redirect: string | null }): JSX.Element {
  const { t } = ctx;
  const action = `/settings/account/passkeys/${encodeURIComponent(passkey.id)}/rename`;
  return (
    <Layout ctx={ctx} title={t("passkeys.nameTitle")} variant="card">
      <section class="card" aria-labelledby="name-passkey-title">
        <div class="hero-icon hero-icon-success"><CheckIcon /></div>
        <h1 id="name-passkey-title" safe>{t("passkeys.nameTitle")}</h1>
        <p class="lead" safe>{t("passkeys.nameLead")}</p>
        <form id="name-passkey-form" method="post" action={action} novalidate>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="added" value="1" />
          {redirect ? <input type="hidden" name="redirect" value={redirect} /> : ""}
          <TextField ctx={ctx} name="name" label={t("passkeys.nameLabel")} value={value ?? passkey.name} error={error} required maxlength={MAX_PASSKEY_NAME_LENGTH} autofocus autocomplete="off" />
          <button type="submit" class="btn btn-lg btn-block" safe>{t("passkeys.saveName")}</button>
        </form>
      </section>
    </Layout>
  );
}

/** After naming, when the next page is not the account page (which says it itself): the confirmation and the way on. */
export function PasskeyAddedPage({ ctx, passkey, next }: { ctx: PageContext; passkey: PasskeyView; next: string }): JSX.Element {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t("passkeys.addedTitle")} variant="card">
      <section class="card" aria-labelledby="passkey-added-title">
        <div class="hero-icon hero-icon-success"><CheckIcon /></div>
        <h1 id="passkey-added-title" safe>{t("passkeys.addedTitle")}</h1>
        <p class="lead passkey-added" role="status" safe>{t("passkeys.added", { name: passkey.name })}</p>
        <p class="muted" safe>{t("passkeys.addedNext")}</p>
        <a class="btn btn-lg btn-block" href={next} safe>{t("passkeys.continue")}</a>
      </section>
    </Layout>
  );
}
