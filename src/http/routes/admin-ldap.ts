/**
 * LDAP sync, page and API:
 * - /settings/admin/ldap: status + "Sync now", settings (read-only with UI_CONFIG_DISABLED), "Test connection".
 * - POST /api/application-configuration/sync-ldap (Pocket ID): runs a sync now; 204, or 409 with the reason.
 * - POST /api/application-configuration/test-ldap: the connection test report (stored settings) as JSON.
 */
import { Elysia } from "elysia";
import { connectionReportJson, testLdapConnection, type ConnectionReport } from "../../ldap/connection-test.ts";
import { LDAP_CONFIG_DEFINITIONS } from "../../ldap/ldap-config.ts";
import { LDAP_KEYS, openBindPassword, readLdapConfig, readLdapSettings, saveLdapSettings, toLdapSettings } from "../../ldap/settings.ts";
import { lastLdapSyncResult, runLdapSync } from "../../ldap/sync.ts";
import { buildAppConfig } from "../../admin/app-config.ts";
import { AppError } from "../../errors.ts";
import { apiOperation } from "../openapi.ts";
import { LdapConnectionReport } from "../schemas/app-config.ts";
import { NoContent } from "../schemas/common.ts";
import { LdapForm, LdapPage, LdapStatus, LdapTestResult, type LdapFormValues } from "../../../templates/pages/admin/ldap.tsx";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { afterChange, attempt, checked, formOf, pageCtx } from "../admin-pages.ts";
import { requestTranslator } from "../page-context.ts";
import { msg } from "../../i18n/message.ts";
import { htmlResponse, jsonResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

const PATH = "/settings/admin/ldap";
const BOOL_KEYS = LDAP_KEYS.filter((k) => LDAP_CONFIG_DEFINITIONS[k].kind === "bool");

export function adminLdapRoutes(web: WebDeps) {
  const config = () => readLdapConfig(web);
  const hasPassword = () => config().ldapBindPassword !== "";
  /** Form fields → config input: every rendered toggle is sent explicitly (unchecked boxes are absent). */
  const inputOf = (body: unknown): Record<string, unknown> => {
    const f = formOf(body);
    const input: Record<string, unknown> = {};
    for (const k of LDAP_KEYS) {
      if (BOOL_KEYS.includes(k)) input[k] = checked(f[k]) ? "true" : "false";
      else if (typeof f[k] === "string") input[k] = f[k];
    }
    return input;
  };

  return new Elysia({ name: "admin-ldap" })
    .use(routePolicy(web))
    .get(PATH, ({ request }) => {
      return htmlResponse(LdapPage({ ctx: pageCtx(web, request), config: config(), readOnly: web.config.uiConfigDisabled, last: lastLdapSyncResult(web.db), hasPassword: hasPassword() }));
    }, { adminPage: true })
    .post(PATH, ({ request, body, session }) => {
      const input = inputOf(body);
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => saveLdapSettings(web, actorOf(request, session), input));
      if (!r.ok) {
        const shown = { ...config(), ...input } as unknown as LdapFormValues;
        return htmlResponse(LdapForm({ ctx, values: shown, readOnly: false, hasPassword: hasPassword(), errors: r.errors }), { status: 422 });
      }
      // One confirmation, in the form (focused), not a second one in the flash area.
      return afterChange(request, PATH, () => htmlResponse(LdapForm({ ctx, values: config() as unknown as LdapFormValues, readOnly: web.config.uiConfigDisabled, hasPassword: hasPassword(), saved: true })));
    }, { adminPage: true })
    .post(`${PATH}/test`, async ({ request, body }) => {
      // Tests what is in the form (saved or not); an empty password field means the stored one.
      const stored = config();
      const input = web.config.uiConfigDisabled ? {} : inputOf(body);
      const raw: Record<string, string> = {};
      for (const k of LDAP_KEYS) raw[k] = String(input[k] ?? (k === "ldapBindPassword" ? "" : stored[k]));
      const { config: merged, problems } = buildAppConfig(raw, false);
      let report: ConnectionReport;
      if (problems.length) report = { ok: false, lines: problems.map((text) => ({ ok: false, step: "settings", text })) };
      else {
        const password = input.ldapBindPassword ? String(input.ldapBindPassword) : openBindPassword(web, stored.ldapBindPassword);
        report = await testLdapConnection(toLdapSettings(merged, password));
      }
      return htmlResponse(LdapTestResult({ ctx: pageCtx(web, request), report }));
    }, { adminPage: true })
    .post(`${PATH}/sync`, async ({ request, session }) => {
      const result = await runLdapSync(web, actorOf(request, session), { trigger: "manual" });
      // The status panel says what happened (focused): no second message in the flash area.
      return afterChange(request, PATH, () => htmlResponse(LdapStatus({ ctx: pageCtx(web, request), enabled: config().ldapEnabled, last: result, justRan: true })));
    }, { adminPage: true })
    .post("/api/application-configuration/sync-ldap", async ({ request, principal }) => {
      const result = await runLdapSync(web, actorOf(request, principal), { trigger: "manual" });
      if (!result.ok) throw AppError.conflict(msg("ldap.errSyncFailed", { reason: result.error ?? "" }));
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Application configuration", "Run the LDAP sync now (204; 409 with the reason when it could not run, nothing changed)", { errors: { 409: "The sync could not run; nothing changed" } }) })
    .post("/api/application-configuration/test-ldap", async ({ request }) => {
      const report = await apiCall(() => testLdapConnection(readLdapSettings(web)));
      return jsonResponse(connectionReportJson(report, requestTranslator(web, request).text));
    }, { adminApi: true, budget: "admin-api", response: { 200: LdapConnectionReport }, detail: apiOperation("Application configuration", "Test the stored LDAP settings: bind and searches, in plain words") });
}

