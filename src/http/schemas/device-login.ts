/** Sign in with another device (src/http/routes/device-login.ts): Pocket ID's bodies; the domain checks the code and the decision. */
import { t } from "elysia";
import { Input, IsoTime, Maybe, ShortText } from "./common.ts";

export const DeviceLoginVerification = Input({ code: Maybe(ShortText({ description: "The code shown by the device that asks (PXXX-XXXX)" })) }, { $id: "DeviceLoginVerification" });

export const DeviceLoginDecisionInput = Input(
  { code: Maybe(ShortText({ description: "The code shown by the device that asks" })), decision: Maybe(ShortText({ description: "approve or deny" })) },
  { $id: "DeviceLoginDecision" },
);

export const DeviceLoginRequestCreated = t.Object(
  {
    id: t.String({ description: "Names the exchange URL; only this browser holds the device token cookie that goes with it" }),
    userCode: t.String({ description: "P and 7 characters, shown PXXX-XXXX" }),
    verificationUri: t.String({ description: "APP_URL/device, where a signed-in device enters the code" }),
    verificationUriComplete: t.String({ description: "The same with ?user_code=: the QR code's content" }),
    expiresAt: IsoTime,
    interval: t.Number({ description: "Seconds to wait between exchanges" }),
  },
  { $id: "DeviceLoginRequest" },
);

export const DeviceLoginInfo = t.Object(
  {
    userCode: t.String(),
    device: t.String({ description: "The asking browser, from its User-Agent (\"Firefox 133 on Windows\")" }),
    ipAddress: t.String(),
    country: t.String({ description: "Empty without a GeoLite database" }),
    city: t.String(),
    expiresAt: IsoTime,
  },
  { $id: "DeviceLoginInfo" },
);

export const Pending = t.Undefined({ description: "Nothing decided within the wait (about 25 s): ask again" });
