import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { CheckIcon, DeviceIcon, PasskeyIcon, ShieldIcon } from "../components/passkey-icons.tsx";
import { PasskeyMessages } from "../components/passkey-messages.tsx";
import { QrCode } from "../components/qr-code.tsx";
import { dateSentence } from "../components/date-time.tsx";
import { bold, deviceCode } from "./oidc/rich-parts.tsx";
import type { Text } from "../../src/i18n/message.ts";

/**
 * /login/alternative/device: the QR code (and the short code) a signed-in device scans or types; static/src/device-login.ts
 * waits for the approval on the exchange URL, then continues at `redirect`.
 */
export function DeviceLoginPage({
  ctx,
  userCode,
  verificationUri,
  verificationUriComplete,
  expiresAt,
  interval,
  exchangeUrl,
  redirect,
}: {
  ctx: PageContext;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresAt: number;
  interval: number;
  exchangeUrl: string;
  redirect: string;
}): JSX.Element {
  const { t } = ctx;
  const back = redirect === "" ? "" : `?redirect=${encodeURIComponent(redirect)}`;
  return (
    <Layout ctx={ctx} title={t("signIn.withAnotherDevice")} variant="card" scripts={["device-login.js"]}>
      <section class="card device-login" aria-labelledby="device-login-title">
        <div class="hero-icon"><DeviceIcon /></div>
        <h1 id="device-login-title" safe>{t("signIn.withAnotherDevice")}</h1>
        <p class="lead" safe>{t("signIn.deviceLoginLead", { url: verificationUri })}</p>
        <div id="device-login" data-exchange={exchangeUrl} data-interval={String(interval)} data-redirect={redirect}>
          <QrCode value={verificationUriComplete} label={t("signIn.deviceLoginQrLabel")} />
          <p class="device-login-code">
            <span class="small muted" safe>{t("signIn.deviceLoginCode")}</span>
            <strong class="device-code" data-testid="device-login-code" translate="no" safe>{userCode}</strong>
          </p>
          <p class="small muted">{dateSentence(ctx, "signIn.deviceLoginExpiresAt", expiresAt)}</p>
          <p class="device-login-status small" id="device-login-status" role="status" safe>{t("signIn.deviceLoginWaiting")}</p>
        </div>
        <div id="device-login-error" class="alert alert-error" role="alert" hidden></div>
        <noscript>
          <div class="alert alert-warning" safe>{t("passkeys.needsJavaScript")}</div>
        </noscript>
        <a id="device-login-restart" class="btn btn-block" href={`/login/alternative/device${back}`} hidden safe>{t("signIn.deviceLoginStartAgain")}</a>
        <div class="divider" safe>{t("signIn.or")}</div>
        <a class="btn btn-secondary btn-block" href={`/login${back}`}>
          <PasskeyIcon /> <span safe>{t("signIn.withPasskeyInstead")}</span>
        </a>
      </section>
    </Layout>
  );
}

/** /device with a sign-in code: what asks, for the signed-in person to approve (with a passkey) or deny. */
export function DeviceLoginReviewPage({
  ctx,
  userCode,
  device,
  ipAddress,
  location,
  account,
}: {
  ctx: PageContext;
  userCode: string;
  device: Text;
  ipAddress: string | null;
  location: string | null;
  account: string;
}): JSX.Element {
  const { t } = ctx;
  const safeLead = ctx.rich("signIn.deviceLoginReviewLead", { userCode, account, b: bold, code: deviceCode });
  const unknown = t("signIn.deviceLoginUnknown");
  return (
    <Layout ctx={ctx} title={t("signIn.deviceLoginReviewTitle")} variant="card" scripts={["passkey.js"]}>
      <PasskeyMessages ctx={ctx} />
      <section class="card consent" aria-labelledby="device-login-review-title">
        <p class="eyebrow" safe>{t("signIn.withAnotherDevice")}</p>
        <h1 id="device-login-review-title" safe>{t("signIn.deviceLoginReviewTitle")}</h1>
        <p class="lead">{safeLead}</p>
        <dl class="details" id="device-login-details">
          <dt safe>{t("signIn.deviceLoginDevice")}</dt>
          <dd safe>{ctx.text(device)}</dd>
          <dt safe>{t("signIn.deviceLoginIp")}</dt>
          <dd safe>{ipAddress ?? unknown}</dd>
          <dt safe>{t("signIn.deviceLoginLocation")}</dt>
          <dd safe>{location ?? unknown}</dd>
        </dl>
        <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
        <div class="consent-actions">
          <form method="post" action="/device/sign-in">
            <input type="hidden" name="_csrf" value={ctx.csrfToken} />
            <input type="hidden" name="code" value={userCode} />
            <input type="hidden" name="decision" value="deny" />
            <button type="submit" class="btn btn-secondary btn-lg btn-block" safe>{t("signIn.deviceLoginDeny")}</button>
          </form>
          <form method="post" action="/device/sign-in" id="device-login-approve">
            <input type="hidden" name="_csrf" value={ctx.csrfToken} />
            <input type="hidden" name="code" value={userCode} />
            <input type="hidden" name="decision" value="approve" />
            {/* A fresh passkey assertion first (static/src/passkey.ts), then the form is sent. */}
            <button type="submit" class="btn btn-lg btn-block" data-passkey-reauth data-resubmit="device-login-approve">
              <PasskeyIcon /> <span safe>{t("signIn.deviceLoginApprove")}</span>
            </button>
          </form>
        </div>
      </section>
    </Layout>
  );
}

/** After the decision on /device. */
export function DeviceLoginDonePage({ ctx, approved }: { ctx: PageContext; approved: boolean }): JSX.Element {
  const { t } = ctx;
  const title = approved ? t("signIn.deviceLoginApprovedTitle") : t("signIn.deviceLoginDeniedTitle");
  return (
    <Layout ctx={ctx} title={title} variant="card">
      <section class="card" aria-labelledby="device-login-done-title">
        {approved ? <div class="hero-icon hero-icon-success"><CheckIcon /></div> : <div class="hero-icon"><ShieldIcon /></div>}
        <h1 id="device-login-done-title" safe>{title}</h1>
        <p class="lead" safe>{approved ? t("signIn.deviceLoginApproved") : t("signIn.deviceLoginDeniedLead")}</p>
      </section>
    </Layout>
  );
}
